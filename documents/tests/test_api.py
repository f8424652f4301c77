"""The documents API: multipart upload (400/403/404/413/415), list and download."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.api_helpers import API, api_as, queries_of
from documents.models import Document
from documents.services import document_upload
from documents.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def upload(user, owner, *, doc_type="traceability_procedure", file=None, owner_type="application"):
    return api_as(user).post(
        f"{API}/documents/",
        {
            "owner_type": owner_type,
            "owner_id": owner.pk,
            "doc_type": doc_type,
            "file": file or factories.pdf(),
        },
        format="multipart",
    )


def test_an_enterprise_user_uploads_a_document_to_its_draft(enterprise_user, draft_application):
    response = upload(enterprise_user, draft_application)
    assert response.status_code == 201, response.json()
    document = response.json()
    assert (document["owner_type"], document["owner_id"], document["version"]) == (
        "application",
        draft_application.pk,
        1,
    )
    assert document["mime_type"] == "application/pdf"
    listed = api_as(enterprise_user).get(
        f"{API}/documents/?owner_type=application&owner_id={draft_application.pk}"
    )
    assert [d["id"] for d in listed.json()["results"]] == [document["id"]]


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(
    settings, enterprise_user, draft_application
):
    settings.DOCUMENT_MAX_BYTES = 20
    response = upload(enterprise_user, draft_application)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert not Document.objects.exists()


def test_a_file_whose_bytes_are_not_an_accepted_type_is_415(enterprise_user, draft_application):
    program = SimpleUploadedFile("quy-trinh.pdf", factories.ELF, content_type="application/pdf")
    response = upload(enterprise_user, draft_application, file=program)
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_type")
    assert not Document.objects.exists()


def test_missing_or_wrong_fields_are_400(enterprise_user, draft_application):
    api = api_as(enterprise_user)
    empty = api.post(f"{API}/documents/", {}, format="multipart")
    assert empty.status_code == 400
    assert {"owner_type", "owner_id", "doc_type", "file"} <= set(empty.json()["errors"])
    system_type = upload(enterprise_user, draft_application, doc_type="certificate")
    assert (system_type.status_code, list(system_type.json()["errors"])) == (400, ["doc_type"])


def test_uploading_where_the_user_may_not_is_409_403_or_404(
    enterprise_user, other_enterprise_user, enterprise, body
):
    submitted = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user, state="submitted"
    )
    # The enterprise may add documents, but not in this state: 409 with the reason.
    refused = upload(enterprise_user, submitted)
    assert refused.status_code == 409
    assert refused.json()["detail"]
    assert upload(other_enterprise_user, submitted).status_code == 404
    assert not Document.objects.exists()


def test_a_document_is_downloaded_by_who_may_see_its_owner(
    enterprise_user, other_enterprise_user, cb_staff, draft_application
):
    document = document_upload(
        owner=draft_application,
        doc_type="scope_statement",
        file=factories.pdf(),
        by=enterprise_user,
    )
    factories.submitted(draft_application)  # the body sees the file once it is submitted
    for user in (enterprise_user, cb_staff):
        response = api_as(user).get(f"{API}/documents/{document.pk}/download/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == factories.PDF
        assert response["Cache-Control"] == "private, no-store"
    assert (
        api_as(other_enterprise_user).get(f"{API}/documents/{document.pk}/download/").status_code
        == 404
    )


def test_document_list_queries_do_not_grow(enterprise_user, draft_application):
    counts = []
    for total in (3, 15):
        while Document.objects.count() < total:
            document_upload(
                owner=draft_application,
                doc_type="general",
                file=factories.pdf(),
                by=enterprise_user,
            )
        api = api_as(enterprise_user)
        counts.append(queries_of(lambda api=api: api.get(f"{API}/documents/?page_size=100")))
        assert api.get(f"{API}/documents/").json()["count"] == total
    assert counts[0] == counts[1]
