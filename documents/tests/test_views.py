from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document
from documents.services import document_upload
from documents.tests import factories
from documents.tests.conftest import stored_files

pytestmark = pytest.mark.django_db

UPLOAD = "/documents/upload/"
JSON = {"HTTP_ACCEPT": "application/json"}


def _form(owner, file, doc_type="general", owner_type="application"):
    return {"owner_type": owner_type, "owner_id": owner.pk, "doc_type": doc_type, "file": file}


def test_the_upload_url_is_documents_upload():
    assert reverse("documents:upload") == UPLOAD


def test_an_upload_by_fetch_answers_201_with_the_document(
    client, draft_application, enterprise_user
):
    client.force_login(enterprise_user)
    response = client.post(
        UPLOAD, _form(draft_application, factories.pdf("Hồ sơ.pdf"), "site_list"), **JSON
    )
    assert response.status_code == 201
    body = response.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert (body["version"], body["doc_type"], body["name"]) == (1, "site_list", "Hồ sơ.pdf")
    assert body["download_url"] == f"/documents/{document.pk}/download/"


def test_an_htmx_upload_answers_201_json(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        UPLOAD, _form(draft_application, factories.pdf()), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 201
    assert response.json()["version"] == 1


def test_a_plain_form_upload_redirects_back(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    form = _form(draft_application, factories.pdf()) | {"next": "/some/page/"}
    response = client.post(UPLOAD, form)
    assert response.status_code == 302
    assert response["Location"] == "/some/page/"
    assert Document.objects.count() == 1


def test_a_plain_form_never_redirects_to_another_site(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    form = _form(draft_application, factories.pdf()) | {"next": "https://evil.example/"}
    response = client.post(UPLOAD, form)
    assert response["Location"] == reverse("home")


def test_missing_fields_answer_400_naming_them(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        UPLOAD, {"owner_type": "application", "owner_id": draft_application.pk}, **JSON
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"doc_type", "file"}


def test_an_unknown_owner_type_answers_400(client, draft_application, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        UPLOAD, _form(draft_application, factories.pdf(), owner_type="planet"), **JSON
    )
    assert response.status_code == 400
    assert "owner_type" in response.json()["errors"]


def test_an_executable_renamed_pdf_answers_415_and_stores_nothing(
    client, draft_application, enterprise_user, media_root
):
    client.force_login(enterprise_user)
    file = SimpleUploadedFile("bao-cao.pdf", factories.ELF, "application/pdf")
    response = client.post(UPLOAD, _form(draft_application, file), **JSON)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type"
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_an_oversized_upload_answers_413_and_stores_nothing(
    client, draft_application, enterprise_user, media_root, settings
):
    settings.DOCUMENT_MAX_BYTES = 100
    client.force_login(enterprise_user)
    file = factories.pdf(content=factories.PDF + b"0" * 200)
    response = client.post(UPLOAD, _form(draft_application, file), **JSON)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_a_request_far_over_the_limit_is_refused_before_its_body_is_read(
    client, draft_application, enterprise_user, settings, media_root
):
    settings.DOCUMENT_MAX_BYTES = 10
    client.force_login(enterprise_user)
    file = factories.pdf(content=factories.PDF + b"0" * 200_000)
    response = client.post(UPLOAD, _form(draft_application, file), **JSON)
    assert response.status_code == 413
    assert stored_files(media_root) == []


def test_a_plain_form_refusal_shows_a_page_with_the_status(
    client, draft_application, enterprise_user
):
    client.force_login(enterprise_user)
    file = SimpleUploadedFile("bao-cao.pdf", factories.ELF)
    response = client.post(UPLOAD, _form(draft_application, file))
    assert response.status_code == 415
    assert "documents/upload_error.html" in [t.name for t in response.templates]


def test_an_upload_to_an_application_the_user_cannot_see_answers_404(
    client, draft_application, other_enterprise_user, media_root
):
    client.force_login(other_enterprise_user)
    response = client.post(UPLOAD, _form(draft_application, factories.pdf()), **JSON)
    assert response.status_code == 404
    assert stored_files(media_root) == []


def test_an_upload_to_an_unknown_owner_answers_404(client, enterprise_user):
    client.force_login(enterprise_user)
    form = {"owner_type": "application", "owner_id": 999999, "doc_type": "general"}
    response = client.post(UPLOAD, form | {"file": factories.pdf()}, **JSON)
    assert response.status_code == 404


def test_an_upload_by_someone_who_sees_but_may_not_add_answers_403(
    client, draft_application, regulator, media_root
):
    factories.submitted(draft_application)
    client.force_login(regulator)
    response = client.post(UPLOAD, _form(draft_application, factories.pdf()), **JSON)
    assert response.status_code == 403
    assert stored_files(media_root) == []


def test_an_anonymous_upload_is_sent_to_sign_in(client, draft_application):
    response = client.post(UPLOAD, _form(draft_application, factories.pdf()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.fixture
def document(draft_application, enterprise_user):
    return document_upload(
        owner=draft_application,
        doc_type="general",
        file=factories.pdf("Báo cáo tự đánh giá.pdf"),
        by=enterprise_user,
    )


def test_a_download_streams_the_file_as_an_attachment_with_its_original_name(
    client, document, cb_staff
):
    factories.submitted(document.owner)
    client.force_login(cb_staff)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == factories.PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote("Báo cáo tự đánh giá.pdf") in disposition
    assert "no-store" in response["Cache-Control"]


def test_an_outsiders_download_answers_404(client, document, outsider, other_enterprise_user):
    for user in (outsider, other_enterprise_user):
        client.force_login(user)
        assert client.get(f"/documents/{document.pk}/download/").status_code == 404


def test_an_anonymous_download_is_sent_to_sign_in(client, document):
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_media_files_are_not_served_from_a_public_url(client, document, cb_staff):
    client.force_login(cb_staff)
    assert client.get(f"/media-not-public/{document.file.name}").status_code == 404


def test_the_documents_panel_lists_current_versions_and_offers_the_form_to_uploaders(
    rf, draft_application, enterprise_user, regulator
):
    from django.template import Context, Template

    document_upload(
        owner=draft_application,
        doc_type="site_list",
        file=factories.pdf("Địa điểm.pdf"),
        by=enterprise_user,
    )
    template = Template("{% load documents_tags %}{% documents_panel owner %}")
    for user, form_shown in ((enterprise_user, True), (regulator, False)):
        request = rf.get("/applications/1/")
        request.user = user
        html = template.render(Context({"request": request, "owner": draft_application}))
        assert "Địa điểm.pdf" in html
        assert ('action="/documents/upload/"' in html) is form_shown
        assert 'value="certificate"' not in html
