"""The application's documents on its page (issue 17): one slot per document the scheme
requires, a removed document no longer fills its slot, and the new-application form starts
from what the system already knows (contact, the only body and scheme)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.services import application_submit
from certification.tests.factories import attach_documents
from core.exceptions import DomainError
from documents.models import Document
from documents.services import document_remove, document_replace

pytestmark = pytest.mark.django_db

REQUIRED = ["business_registration", "traceability_procedure"]
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def requiring(scheme):
    scheme.required_document_types = REQUIRED
    scheme.save()
    return scheme


def _slot_states(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'id="slot-application-\d+-(\w+)" data-upload-refresh data-state="(\w+)"', html)
    )


def test_a_removed_document_no_longer_counts_for_submitting(draft, requiring, enterprise_user):
    attach_documents(draft, REQUIRED, by=enterprise_user)
    assert draft.missing_document_types() == []
    document_remove(
        document=Document.objects.get(doc_type="traceability_procedure"), by=enterprise_user
    )
    assert draft.missing_document_types() == ["traceability_procedure"]
    with pytest.raises(DomainError) as refused:
        application_submit(application=draft, by=enterprise_user)
    assert refused.value.code == "documents_missing"


def test_a_replaced_document_still_fills_its_slot(draft, requiring, enterprise_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    attach_documents(draft, REQUIRED, by=enterprise_user)
    wrong = Document.objects.get(doc_type="business_registration")
    document_replace(document=wrong, file=SimpleUploadedFile("dkkd.pdf", PDF), by=enterprise_user)
    assert draft.missing_document_types() == []


def test_the_page_shows_one_slot_per_required_document_with_its_state(
    client, draft, requiring, enterprise_user
):
    attach_documents(draft, ["business_registration"], by=enterprise_user)
    client.force_login(enterprise_user)
    html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert _slot_states(html) == {
        "business_registration": "attached",
        "traceability_procedure": "missing",
        "general": "missing",
    }
    # The missing slot takes its file in one choice: its type is fixed, no select.
    slot = html.split('data-doc-type="traceability_procedure"', 1)[1].split("</li>", 1)[0]
    assert 'name="doc_type" value="traceability_procedure"' in slot
    assert "<select" not in slot


def test_a_removed_document_shows_its_slot_missing_and_keeps_it_in_the_history(
    client, draft, requiring, enterprise_user
):
    attach_documents(draft, REQUIRED, by=enterprise_user)
    document_remove(
        document=Document.objects.get(doc_type="business_registration"), by=enterprise_user
    )
    client.force_login(enterprise_user)
    html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert _slot_states(html)["business_registration"] == "missing"
    assert 'data-removed="true"' in html
    assert "business_registration.pdf" in html


def _page_queries(client, application) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/applications/{application.pk}/").status_code == 200
    return len(queries)


def test_the_slots_cost_the_same_queries_whatever_the_number_of_documents(
    client, draft, requiring, enterprise_user
):
    client.force_login(enterprise_user)
    attach_documents(draft, ["business_registration"], by=enterprise_user)
    few = _page_queries(client, draft)
    # More versions, removed ones, other documents: the same number of queries.
    attach_documents(draft, [*REQUIRED, *REQUIRED, "general", "general"], by=enterprise_user)
    document_remove(
        document=Document.objects.filter(doc_type="general").first(), by=enterprise_user
    )
    assert _page_queries(client, draft) == few


def test_the_new_application_form_starts_from_the_user_and_the_only_body_and_scheme(
    client, enterprise_user, body, scheme
):
    enterprise_user.full_name = "Nguyễn Thị Hạnh"
    enterprise_user.email = "hanh@caphechuse.example.vn"
    enterprise_user.save()
    client.force_login(enterprise_user)
    form = client.get("/applications/new/").context["form"]
    assert form["contact_name"].value() == "Nguyễn Thị Hạnh"
    assert form["contact_email"].value() == "hanh@caphechuse.example.vn"
    assert form["body"].value() == body.pk or form["body"].value() == body
    assert form["kind"].value() == "initial"


def test_an_officer_filing_on_paper_gets_no_contact_of_their_own(client, cb_staff, body):
    client.force_login(cb_staff)
    form = client.get("/applications/new/").context["form"]
    assert not form["contact_name"].value()
    assert not form["contact_email"].value()


def test_the_page_still_lists_what_the_system_wrote_besides_the_slots(
    client, draft, requiring, enterprise_user
):
    from documents.services import document_generate

    document_generate(
        owner=draft,
        doc_type="decision",
        source_key=f"decision:test-{draft.pk}",
        name="quyet-dinh.docx",
        render=lambda: b"PK",
    )
    client.force_login(enterprise_user)
    html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert "quyet-dinh.docx" in html
    # Nobody replaces or removes what the system wrote.
    generated = Document.objects.get(doc_type="decision")
    assert f"/documents/{generated.pk}/remove/" not in html
