"""Documents of audits and findings: who may attach and see them, and the generated reports."""

import io

import docx
import pytest
from django.core.exceptions import PermissionDenied

from certification.models import Role
from certification.tests.factories import UserFactory, grant
from core.models import OutboxMessage
from core.outbox import outbox_deliver_pending, outbox_retry
from core.services import log_transition
from documents.models import Document
from documents.selectors import documents_visible_to
from documents.services import document_upload, may_upload
from documents.tasks import generate_audit_report_document, generate_findings_report_document
from documents.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(body, admin_user):
    return grant(UserFactory(username="member"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def audit(enterprise, body, enterprise_user, cb_staff, lead_assessor, member):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user, state="in_evaluation"
    )
    return factories.audit(
        application=application,
        created_by=cb_staff,
        team=[(lead_assessor, "lead"), (member, "member")],
    )


@pytest.fixture
def finding(audit, lead_assessor):
    return factories.finding(audit=audit, raised_by=lead_assessor)


@pytest.fixture
def assessor_off_the_team(body, admin_user):
    return grant(UserFactory(username="elsewhere"), Role.ASSESSOR, body, by=admin_user)


def test_assessors_of_the_team_may_upload_to_the_audit_and_its_findings(
    audit, finding, lead_assessor, member
):
    for user in (lead_assessor, member):
        assert may_upload(audit, user)
        assert may_upload(finding, user)


def test_an_assessor_off_the_team_may_not_upload_to_the_audit(
    audit, finding, assessor_off_the_team
):
    assert not may_upload(audit, assessor_off_the_team)
    assert not may_upload(finding, assessor_off_the_team)


def test_the_audited_enterprise_may_upload_evidence_to_a_finding_not_to_the_audit(
    audit, finding, enterprise_user
):
    document = document_upload(
        owner=finding, doc_type="evidence", file=factories.pdf("bang-chung.pdf"), by=enterprise_user
    )
    assert document.owner == finding
    with pytest.raises(PermissionDenied):
        document_upload(owner=audit, doc_type="general", file=factories.pdf(), by=enterprise_user)


def test_another_enterprise_may_not_upload_to_the_finding(finding, other_enterprise_user):
    assert not may_upload(finding, other_enterprise_user)


def test_audit_and_finding_documents_are_seen_by_the_enterprise_and_the_body_not_outsiders(
    audit,
    finding,
    enterprise_user,
    lead_assessor,
    cb_staff,
    regulator,
    other_enterprise_user,
    outsider,
):
    on_audit = document_upload(
        owner=audit, doc_type="general", file=factories.pdf(), by=lead_assessor
    )
    on_finding = document_upload(
        owner=finding, doc_type="evidence", file=factories.pdf(), by=enterprise_user
    )
    for user in (enterprise_user, lead_assessor, cb_staff, regulator):
        assert set(documents_visible_to(user)) == {on_audit, on_finding}, user.username
    for user in (other_enterprise_user, outsider):
        assert not documents_visible_to(user).exists()


def test_a_surveillance_audits_documents_are_seen_through_its_certificate(
    issued_certificate, cb_staff, lead_assessor, enterprise_user, other_enterprise_user
):
    from audits.models import Audit, AuditTeamMember

    surveillance = Audit.objects.create(
        certificate=issued_certificate,
        kind="surveillance",
        planned_start=issued_certificate.valid_from,
        planned_end=issued_certificate.valid_from,
        created_by=cb_staff,
    )
    AuditTeamMember.objects.create(audit=surveillance, user=lead_assessor, role="lead")
    document = document_upload(
        owner=surveillance, doc_type="general", file=factories.pdf(), by=lead_assessor
    )
    assert list(documents_visible_to(enterprise_user)) == [document]
    assert not documents_visible_to(other_enterprise_user).exists()


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_audit_report_shows_team_checklist_trace_test_findings_and_conclusion(
    audit, finding, lead_assessor, media_root
):
    factories.trace_test(audit=audit, recorded_by=lead_assessor)
    factories.checklist_answer(audit=audit, answered_by=lead_assessor)
    document_id = generate_audit_report_document.delay(audit.pk).get()
    document = Document.objects.get(pk=document_id)
    assert (document.owner, document.doc_type, document.generated) == (audit, "audit_report", True)
    with document.file.open("rb") as stored:
        text = _text(docx.Document(io.BytesIO(stored.read())))
    for expected in (
        "BÁO CÁO ĐÁNH GIÁ",
        "Công ty TNHH Cà phê Chư Sê",
        lead_assessor.get_full_name(),
        "Trưởng đoàn",
        "C-05",
        "Với mỗi lô nhận vào",
        "L2026-01",
        "Thiếu hồ sơ lô hàng nhập.",
        "Đề nghị cấp giấy chứng nhận sau khi khắc phục.",
    ):
        assert expected in text, expected


def test_the_findings_report_gives_each_finding_with_its_evidence(audit, finding, media_root):
    document_id = generate_findings_report_document.delay(audit.pk).get()
    with Document.objects.get(pk=document_id).file.open("rb") as stored:
        text = _text(docx.Document(io.BytesIO(stored.read())))
    assert "BÁO CÁO CÁC PHÁT HIỆN" in text
    assert "Lô 2026-01 không có phiếu nhập." in text
    assert "Không phù hợp nhẹ" in text


def test_an_approved_report_generates_both_reports_once(
    audit, finding, cb_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log_transition(audit, "approve_report", by=cb_staff, previous="report_submitted")
    # The sweeper running afterwards (a redelivery) adds nothing.
    outbox_deliver_pending()
    outbox_retry(message=OutboxMessage.objects.get(kind="documents.audit_report"))
    outbox_deliver_pending()
    kinds = sorted(Document.objects.filter(generated=True).values_list("doc_type", flat=True))
    assert kinds == ["audit_report", "findings_report"]
