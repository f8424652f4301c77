"""The upload component's endpoints (issue 17): several files at once, replace, remove (the
version and its file kept in the history), who may do it and when, bad input, and the same
endpoints answering a plain form (no JavaScript) and a script."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of
from documents.models import Document
from documents.selectors import current_documents_of, document_types_of
from documents.services import document_generate, document_remove, document_replace
from documents.tests import factories
from documents.tests.conftest import stored_files

pytestmark = pytest.mark.django_db

UPLOAD = "/documents/upload/"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


def _form(owner, files, doc_type="general"):
    return {"owner_type": "application", "owner_id": owner.pk, "doc_type": doc_type, "file": files}


def _upload(client, owner, doc_type="site_list", name="dia-diem.pdf"):
    response = client.post(UPLOAD, _form(owner, factories.pdf(name), doc_type), **XHR)
    assert response.status_code == 201, response.content
    return Document.objects.get(pk=response.json()["id"])


# --- several files at once ------------------------------------------------------------------


def test_a_plain_form_with_several_files_adds_each_and_redirects_back(
    client, draft_application, enterprise_user
):
    client.force_login(enterprise_user)
    files = [factories.pdf("a.pdf"), factories.pdf("b.pdf")]
    response = client.post(UPLOAD, _form(draft_application, files) | {"next": "/applications/"})
    assert response.status_code == 302
    assert response["Location"] == "/applications/"
    names = sorted(Document.objects.values_list("original_name", "version"))
    assert names == [("a.pdf", 1), ("b.pdf", 2)]


def test_a_script_sending_several_files_gets_each_document_back(
    client, draft_application, enterprise_user
):
    client.force_login(enterprise_user)
    png = factories.SimpleUploadedFile("anh.png", factories.png_bytes())
    response = client.post(UPLOAD, _form(draft_application, [factories.pdf("a.pdf"), png]), **XHR)
    assert response.status_code == 201
    body = response.json()
    assert [d["name"] for d in body["documents"]] == ["a.pdf", "anh.png"]
    assert all(d["preview_url"].endswith("/preview/") for d in body["documents"])


def test_one_bad_file_among_several_refuses_them_all_and_stores_nothing(
    client, draft_application, enterprise_user, media_root
):
    client.force_login(enterprise_user)
    bad = factories.SimpleUploadedFile("virus.pdf", factories.ELF)
    response = client.post(UPLOAD, _form(draft_application, [factories.pdf(), bad]), **XHR)
    assert response.status_code == 415
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_more_files_than_allowed_at_once_answer_400(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    files = [factories.pdf(f"{n}.pdf") for n in range(11)]
    response = client.post(UPLOAD, _form(draft_application, files), **XHR)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert not Document.objects.exists()


# --- replace ----------------------------------------------------------------------------------


def test_replacing_adds_a_version_and_keeps_the_replaced_one_in_the_history(
    client, draft_application, enterprise_user, media_root
):
    client.force_login(enterprise_user)
    wrong = _upload(client, draft_application, name="nham.pdf")
    response = client.post(
        f"/documents/{wrong.pk}/replace/", {"file": factories.pdf("dung.pdf")}, **XHR
    )
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["name"]) == (2, "dung.pdf")
    wrong.refresh_from_db()
    assert wrong.removed_at is not None and wrong.removed_by == enterprise_user
    assert "2" in wrong.removed_note
    assert [d.original_name for d in current_documents_of(draft_application)] == ["dung.pdf"]
    # Both files stay for the record.
    assert len(stored_files(media_root)) == 2
    entry = history_of(draft_application).get(transition="document_replaced")
    assert "nham.pdf" in entry.comment and entry.actor == enterprise_user


def test_a_plain_form_replace_redirects_back(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    wrong = _upload(client, draft_application)
    response = client.post(
        f"/documents/{wrong.pk}/replace/", {"file": factories.pdf(), "next": "/applications/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/applications/")
    assert Document.objects.count() == 2


@pytest.mark.parametrize(
    ("file", "status"),
    [
        (None, 400),
        (factories.SimpleUploadedFile("x.pdf", factories.MZ), 415),
        (factories.pdf(content=factories.PDF + b"0" * 500), 413),
    ],
)
def test_a_bad_replacement_is_refused_and_changes_nothing(
    client, draft_application, enterprise_user, media_root, settings, file, status
):
    client.force_login(enterprise_user)
    document = _upload(client, draft_application)
    settings.DOCUMENT_MAX_BYTES = 300
    data = {"file": file} if file is not None else {}
    response = client.post(f"/documents/{document.pk}/replace/", data, **XHR)
    assert response.status_code == status
    document.refresh_from_db()
    assert document.removed_at is None
    assert Document.objects.count() == 1
    assert len(stored_files(media_root)) == 1


# --- remove -----------------------------------------------------------------------------------


def test_removing_keeps_the_row_and_the_file_but_empties_the_slot(
    client, draft_application, enterprise_user, media_root
):
    client.force_login(enterprise_user)
    document = _upload(client, draft_application, doc_type="site_list")
    response = client.post(f"/documents/{document.pk}/remove/", {"next": "/applications/"})
    assert (response.status_code, response["Location"]) == (302, "/applications/")
    document.refresh_from_db()
    assert document.removed_at is not None and document.removed_by == enterprise_user
    assert "site_list" not in document_types_of(draft_application)
    assert current_documents_of(draft_application) == []
    assert len(stored_files(media_root)) == 1
    # Still downloadable by who may see it: the record stays.
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    entry = LogEntry.objects.for_object(draft_application).get(transition="document_removed")
    assert entry.actor == enterprise_user and "dia-diem.pdf" in entry.comment
    # The removal is the document's own `remove` transition, in its history.
    assert document.state == Document.State.REMOVED
    own = LogEntry.objects.for_object(document).get()
    assert (own.transition, own.source_state, own.target_state, own.actor) == (
        "remove",
        "kept",
        "removed",
        enterprise_user,
    )


def test_removing_the_newest_version_brings_back_the_one_before(
    client, draft_application, enterprise_user
):
    client.force_login(enterprise_user)
    first = _upload(client, draft_application, name="v1.pdf")
    second = _upload(client, draft_application, name="v2.pdf")
    assert client.post(f"/documents/{second.pk}/remove/", **XHR).status_code == 200
    assert current_documents_of(draft_application) == [first]


def test_the_panel_shows_a_removed_version_in_the_history_with_who_and_when(
    rf, draft_application, enterprise_user
):
    from django.template import Context, Template

    document = document_remove(
        document=factories_upload(draft_application, enterprise_user), by=enterprise_user
    )
    request = rf.get("/applications/1/")
    request.user = enterprise_user
    html = Template("{% load documents_tags %}{% documents_panel owner %}").render(
        Context({"request": request, "owner": draft_application})
    )
    assert 'data-removed="true"' in html
    assert document.removed_by.get_full_name() in html
    # Not among the current documents: no Replace/Remove for it.
    assert f'action="/documents/{document.pk}/remove/"' not in html


def factories_upload(owner, user, doc_type="site_list"):
    from documents.services import document_upload

    return document_upload(owner=owner, doc_type=doc_type, file=factories.pdf(), by=user)


# --- who may, and when ------------------------------------------------------------------------


def test_only_who_may_upload_may_replace_or_remove(
    client, draft_application, enterprise_user, regulator, other_enterprise_user
):
    document = factories_upload(draft_application, enterprise_user)
    # A draft is the enterprise's own: the regulator does not even see it.
    client.force_login(regulator)
    assert client.post(f"/documents/{document.pk}/remove/", **XHR).status_code == 404
    # Submitted and sent back for revision, the regulator sees the file but may not change it.
    type(draft_application).objects.filter(pk=draft_application.pk).update(
        state="revision_requested", submitted_at=timezone.now()
    )
    assert client.post(f"/documents/{document.pk}/remove/", **XHR).status_code == 403
    replace = client.post(f"/documents/{document.pk}/replace/", {"file": factories.pdf()}, **XHR)
    assert replace.status_code == 403
    # Another enterprise does not even see it.
    client.force_login(other_enterprise_user)
    assert client.post(f"/documents/{document.pk}/remove/", **XHR).status_code == 404
    document.refresh_from_db()
    assert document.removed_at is None
    assert Document.objects.count() == 1


def test_the_enterprise_may_not_change_documents_once_submitted_and_is_told_why(
    client, enterprise, body, enterprise_user, cb_staff, media_root
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user
    )
    document = factories_upload(application, enterprise_user)
    type(application).objects.filter(pk=application.pk).update(state="submitted")
    client.force_login(enterprise_user)
    removed = client.post(f"/documents/{document.pk}/remove/", **XHR)
    assert removed.status_code == 409
    assert "draft" in removed.json()["detail"] or "nháp" in removed.json()["detail"]
    replaced = client.post(f"/documents/{document.pk}/replace/", {"file": factories.pdf()}, **XHR)
    assert replaced.status_code == 409
    uploaded = client.post(UPLOAD, _form(application, factories.pdf()), **XHR)
    assert uploaded.status_code == 409
    assert Document.objects.count() == 1 and len(stored_files(media_root)) == 1
    # The body's officer still may (e.g. a paper document received later).
    client.force_login(cb_staff)
    assert client.post(f"/documents/{document.pk}/remove/", **XHR).status_code == 200


def test_a_plain_form_refused_for_the_state_shows_a_page_with_409(
    client, enterprise, body, enterprise_user
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user
    )
    document = factories_upload(application, enterprise_user)
    type(application).objects.filter(pk=application.pk).update(state="submitted")
    client.force_login(enterprise_user)
    response = client.post(f"/documents/{document.pk}/remove/")
    assert response.status_code == 409
    assert b"<html" in response.content.lower()


def test_a_removed_version_cannot_be_removed_or_replaced_again(draft_application, enterprise_user):
    document = document_remove(
        document=factories_upload(draft_application, enterprise_user), by=enterprise_user
    )
    with pytest.raises(DomainError):
        document_remove(document=document, by=enterprise_user)
    with pytest.raises(DomainError):
        document_replace(document=document, file=factories.pdf(), by=enterprise_user)


def test_a_generated_document_cannot_be_removed(issued_certificate, cb_staff):
    generated = document_generate(
        owner=issued_certificate,
        doc_type="certificate",
        source_key="certificate:test",
        name="gcn.docx",
        render=factories.docx_bytes,
    )
    with pytest.raises(PermissionDenied):
        document_remove(document=generated, by=cb_staff)
    generated.refresh_from_db()
    assert generated.removed_at is None


# --- preview ----------------------------------------------------------------------------------


def test_a_pdf_or_image_is_previewed_inline_by_who_may_see_it(
    client, draft_application, enterprise_user, other_enterprise_user
):
    document = factories_upload(draft_application, enterprise_user)
    client.force_login(enterprise_user)
    response = client.get(f"/documents/{document.pk}/preview/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    client.force_login(other_enterprise_user)
    assert client.get(f"/documents/{document.pk}/preview/").status_code == 404


def test_a_word_file_has_no_preview(client, draft_application, enterprise_user):
    from documents.services import document_upload

    word = factories.SimpleUploadedFile("quy-trinh.docx", factories.docx_bytes())
    document = document_upload(
        owner=draft_application, doc_type="general", file=word, by=enterprise_user
    )
    client.force_login(enterprise_user)
    assert client.get(f"/documents/{document.pk}/preview/").status_code == 404


# --- without JavaScript -----------------------------------------------------------------------


def test_the_component_is_a_set_of_plain_forms(rf, draft_application, enterprise_user):
    """Every action posts a multipart form with a submit button: nothing needs the script."""
    from django.template import Context, Template

    document = factories_upload(draft_application, enterprise_user)
    request = rf.get("/applications/1/")
    request.user = enterprise_user
    html = Template("{% load documents_tags %}{% documents_panel owner %}").render(
        Context({"request": request, "owner": draft_application})
    )
    assert 'action="/documents/upload/" enctype="multipart/form-data"' in html
    assert f'action="/documents/{document.pk}/replace/" enctype="multipart/form-data"' in html
    assert f'action="/documents/{document.pk}/remove/"' in html
    assert html.count('class="btn btn-sm btn-primary upload-submit" type="submit"') == 1
    assert 'name="file"' in html and " multiple" in html
    assert 'capture="environment"' in html
