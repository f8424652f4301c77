"""Complaints and appeals as TCVN ISO/IEC 17000 and 17065 §7.13 expect them (issue 15, problem
3): a complainant without an account is e-mailed on receipt, on every change and on the
outcome, in their language, with a private link to follow the case; the certified client is
told; a complaint can open a special audit or lead to a proposed suspension, linked both ways;
complaints about the body itself go to its management; appeals lie against every adverse
decision; the labels follow the standard's vocabulary."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audits.models import Audit
from certification.models import Appeal, Application, Certificate, Complaint, Membership, Role
from certification.models.appeals import people_involved
from certification.services import (
    appeal_lodge,
    appeal_start_consideration,
    application_reject,
    complaint_acknowledge,
    complaint_lodge,
    complaint_open_special_audit,
    complaint_propose_suspension,
    complaint_resolve,
)
from certification.tests.factories import UserFactory, grant
from core.clock import today
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of
from notifications.models import Notification

pytestmark = pytest.mark.django_db

TRACK = re.compile(r"https?://\S+/complaints/track/([A-Za-z0-9_\-]+)/")


def lodge_on_the_public_page(client, certificate, *, language="vi"):
    client.cookies["django_language"] = language
    response = client.post(
        "/complaints/new/",
        {
            "complainant_name": "Nguyễn Văn A",
            "complainant_email": "nguoimua@example.vn",
            "body": certificate.body_id,
            "certificate_number": certificate.number,
            "subject": "Mã QR trên bao bì không truy xuất được",
            "description": "Quét mã trên gói cà phê 500 g thì trang báo lỗi.",
        },
    )
    assert response.status_code == 302
    return Complaint.objects.get()


def test_a_complainant_without_an_account_is_emailed_on_receipt_change_and_outcome(
    client, certificate, cb_staff, enterprise_user, django_capture_on_commit_callbacks
):
    """Acceptance 2. Fails on the code before: the e-mail address was stored and never used,
    and the certified client was not told."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = lodge_on_the_public_page(client, certificate)
    [receipt] = [m for m in mail.outbox if m.to == ["nguoimua@example.vn"]]
    assert "đã được tiếp nhận" in receipt.subject
    link = TRACK.search(receipt.body)
    assert link and link.group(1) == complaint.tracking_token
    # The certified client is told of the complaint about it (in the application, and by
    # e-mail since it has an address).
    told = Notification.objects.filter(recipient=enterprise_user, event="complaint.lodge")
    assert told.count() == 1
    assert enterprise_user.email in [address for m in mail.outbox for address in m.to]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_acknowledge(complaint=complaint, by=cb_staff)
    [change] = [m for m in mail.outbox if m.to == ["nguoimua@example.vn"]]
    assert "đang được xác minh" in change.subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint_resolve(
            complaint=complaint, by=cb_staff, comment="Doanh nghiệp đã sửa mã QR trên bao bì."
        )
    [outcome] = [m for m in mail.outbox if m.to == ["nguoimua@example.vn"]]
    assert "đã được giải quyết" in outcome.subject
    assert "Doanh nghiệp đã sửa mã QR trên bao bì." in outcome.body

    page = client.get(f"/complaints/track/{complaint.tracking_token}/")
    assert page.status_code == 200
    assert "Doanh nghiệp đã sửa mã QR trên bao bì." in page.text
    assert "no-store" in page["Cache-Control"]


def test_the_complainants_emails_are_in_the_language_they_used(
    client, certificate, cb_staff, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = lodge_on_the_public_page(client, certificate, language="en")
    assert complaint.language == "en"
    [receipt] = [m for m in mail.outbox if m.to == ["nguoimua@example.vn"]]
    assert receipt.subject.startswith("[TXNG Cert] Your complaint has been received")


def test_the_tracking_page_answers_only_the_exact_token(client, certificate):
    complaint = complaint_lodge(
        body=certificate.body,
        certificate=certificate,
        complainant_email="a@example.vn",
        subject="Nhãn sai",
        description="Nhãn ghi sai vùng trồng.",
    )
    assert len(complaint.tracking_token) >= 40
    assert client.get(f"/complaints/track/{complaint.tracking_token}/").status_code == 200
    assert client.get(f"/complaints/track/{complaint.tracking_token[:-1]}x/").status_code == 404
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 302  # sign in first


def test_a_complainant_with_an_account_gets_one_receipt_and_later_news_in_the_application(
    certificate, outsider, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaint_lodge(
            body=certificate.body,
            certificate=certificate,
            complainant_email=outsider.email,
            subject="Nhãn sai",
            description="Nhãn ghi sai vùng trồng.",
            by=outsider,
        )
    assert [m.to for m in mail.outbox].count([outsider.email]) == 1
    assert not Notification.objects.filter(recipient=outsider).exists()


# --- special audit and suspension ---------------------------------------------------------


@pytest.fixture
def investigating(certificate, cb_staff):
    complaint = complaint_lodge(
        body=certificate.body,
        certificate=certificate,
        complainant_email="a@example.vn",
        subject="Sản phẩm ghi sai vùng trồng",
        description="Lô L-09 ghi Chư Sê nhưng thu mua ở tỉnh khác.",
    )
    return complaint_acknowledge(complaint=complaint, by=cb_staff)


def test_a_complaint_opens_a_special_audit_linked_both_ways(investigating, cb_staff):
    """Fails on the code before: a complaint could not open an audit."""
    start = today() + datetime.timedelta(days=3)
    audit = complaint_open_special_audit(
        complaint=investigating, by=cb_staff, planned_start=start, planned_end=start
    )
    investigating.refresh_from_db()
    assert audit.kind == Audit.Kind.SPECIAL
    assert audit.certificate_id == investigating.certificate_id
    assert investigating.special_audit == audit
    assert list(audit.complaints.all()) == [investigating]
    assert audit.complaint == investigating and audit.short_notice and audit.special_reason
    assert [e.transition for e in history_of(investigating)][-1] == "open_special_audit"
    assert history_of(audit).filter(transition="opened_by_complaint").exists()
    with pytest.raises(DomainError):
        complaint_open_special_audit(
            complaint=investigating, by=cb_staff, planned_start=start, planned_end=start
        )


def test_a_complaint_leads_an_officer_to_propose_a_suspension(investigating, cb_staff):
    proposed = complaint_propose_suspension(
        complaint=investigating, by=cb_staff, comment="Ghi sai nguồn gốc có hệ thống."
    )
    assert proposed.suspension_proposed_by == cb_staff
    entry = history_of(proposed.certificate).get(transition="suspension_proposed")
    assert entry.data["complaint"] == proposed.pk
    # The certificate itself is not suspended by the proposal.
    proposed.certificate.refresh_from_db()
    assert proposed.certificate.state == Certificate.State.ACTIVE
    with pytest.raises(ValidationError):
        complaint_propose_suspension(complaint=investigating, by=cb_staff, comment=" ")


def test_only_a_handler_of_the_complaint_follows_it_up(investigating, lead_assessor, outsider):
    start = today()
    for user in (lead_assessor, outsider):
        with pytest.raises(PermissionDenied):
            complaint_open_special_audit(
                complaint=investigating, by=user, planned_start=start, planned_end=start
            )
        with pytest.raises(PermissionDenied):
            complaint_propose_suspension(complaint=investigating, by=user, comment="x")
    assert not Audit.objects.filter(kind=Audit.Kind.SPECIAL).exists()


def test_a_complaint_not_yet_acknowledged_cannot_open_an_audit(certificate, cb_staff):
    complaint = complaint_lodge(
        body=certificate.body,
        certificate=certificate,
        complainant_email="a@example.vn",
        subject="s",
        description="d",
    )
    with pytest.raises(DomainError):
        complaint_open_special_audit(
            complaint=complaint, by=cb_staff, planned_start=today(), planned_end=today()
        )


def test_the_officer_opens_the_special_audit_from_the_complaint_page(
    client, investigating, cb_staff
):
    client.force_login(cb_staff)
    page = client.get(f"/complaints/{investigating.pk}/")
    assert "open_special_audit/" in page.text
    day = (today() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        f"/complaints/{investigating.pk}/transitions/open_special_audit/",
        {"planned_start": day, "planned_end": day},
    )
    assert response.status_code == 302
    investigating.refresh_from_db()
    assert investigating.special_audit is not None
    bad = client.post(
        f"/complaints/{investigating.pk}/transitions/propose_suspension/", {"comment": ""}
    )
    assert bad.status_code == 400


def test_the_certified_client_sees_the_complaint_about_it_but_not_who_lodged_it(
    client, investigating, enterprise_user, other_enterprise_user
):
    client.force_login(enterprise_user)
    page = client.get(f"/complaints/{investigating.pk}/")
    assert page.status_code == 200
    assert "Sản phẩm ghi sai vùng trồng" in page.text
    assert "a@example.vn" not in page.text
    client.force_login(other_enterprise_user)
    assert client.get(f"/complaints/{investigating.pk}/").status_code == 404


# --- complaints about the body itself -----------------------------------------------------


@pytest.fixture
def manager(body, admin_user):
    user = grant(UserFactory(username="director"), Role.DECISION_MAKER, body, by=admin_user)
    Membership.objects.filter(user=user, organisation=body).update(manages_body=True)
    return user


@pytest.fixture
def about_the_body(body, cb_staff):
    return complaint_lodge(
        body=body,
        complainant_email="a@example.vn",
        subject="Chuyên gia đánh giá thiếu khách quan",
        description="Cán bộ gợi ý thuê dịch vụ tư vấn của người quen.",
        people_concerned=[cb_staff],
    )


def test_a_complaint_about_the_body_is_handled_by_its_management_not_its_officers(
    about_the_body, cb_staff, manager
):
    """Fails on the code before: any officer — also the one complained of — handled it."""
    assert about_the_body.about == Complaint.About.BODY
    with pytest.raises(PermissionDenied, match="lãnh đạo"):
        complaint_acknowledge(complaint=about_the_body, by=cb_staff)
    acknowledged = complaint_acknowledge(complaint=about_the_body, by=manager)
    assert acknowledged.state == Complaint.State.INVESTIGATING


def test_a_manager_concerned_by_the_complaint_may_not_handle_it(body, manager):
    complaint = complaint_lodge(
        body=body,
        complainant_email="a@example.vn",
        subject="Lãnh đạo can thiệp quyết định",
        description="…",
        people_concerned=[manager],
    )
    with pytest.raises(PermissionDenied, match="công việc của chính bạn"):
        complaint_acknowledge(complaint=complaint, by=manager)


def test_the_management_sees_the_complaint_about_the_body(client, about_the_body, manager):
    client.force_login(manager)
    assert client.get(f"/complaints/{about_the_body.pk}/").status_code == 200


# --- appeals against every adverse decision -----------------------------------------------


def test_a_rejected_application_may_be_appealed(under_review, cb_staff, enterprise_user):
    """Fails on the code before: only refusals, suspensions and withdrawals were appealable."""
    rejected = application_reject(
        application=under_review, by=cb_staff, comment="Ngoài phạm vi đăng ký."
    )
    assert rejected.state == Application.State.REJECTED
    appeal = appeal_lodge(
        by=enterprise_user,
        subject=Appeal.Subject.REJECTION,
        grounds="Phạm vi nằm trong lĩnh vực đã đăng ký.",
        application=rejected,
    )
    assert appeal.subject == Appeal.Subject.REJECTION
    # The officer who rejected it may not consider it (same independence rule).
    assert cb_staff.pk in people_involved(rejected, None)


def test_the_wrong_kind_of_decision_cannot_be_appealed(under_review, enterprise_user):
    with pytest.raises(ValidationError):
        appeal_lodge(
            by=enterprise_user,
            subject=Appeal.Subject.REJECTION,
            grounds="…",
            application=under_review,
        )


def test_an_appeal_of_a_rejection_is_handed_only_to_an_uninvolved_decision_maker(
    under_review, cb_staff, enterprise_user, other_decider
):
    rejected = application_reject(application=under_review, by=cb_staff, comment="Ngoài phạm vi.")
    appeal = appeal_lodge(
        by=enterprise_user, subject=Appeal.Subject.REJECTION, grounds="…", application=rejected
    )
    considered = appeal_start_consideration(appeal=appeal, by=cb_staff, handler=other_decider)
    assert considered.handler == other_decider


def _reissue_after(kind, certificate, *, cb_staff, decider, **scope):
    """Decide a scope change of `certificate` of `kind` through the services and return the
    version it re-issues."""
    from certification.services import (
        application_accept,
        application_create,
        application_grant,
        application_start_review,
        application_submit,
        application_submit_for_decision,
    )

    change = application_create(
        enterprise=certificate.enterprise,
        body=certificate.body,
        scheme=certificate.scheme,
        by=cb_staff,
        kind=kind,
        renews=certificate,
        products=scope.get("products", certificate.products),
        sites=scope.get("sites", certificate.sites),
        stages=scope.get("stages", certificate.stages),
    )
    application_submit(application=change, by=cb_staff)
    application_start_review(application=change, by=cb_staff)
    application_accept(
        application=change, by=cb_staff, contract_reference="HĐ-2", scope_within_competence=True
    )
    application_submit_for_decision(
        application=change, by=cb_staff, technical_review_note="Đã xem xét phạm vi."
    )
    return application_grant(application=change, by=decider)


def test_a_certificate_whose_scope_was_reduced_may_be_appealed_from_the_reduction_decision(
    certificate, cb_staff, decider, enterprise_user
):
    """Issue 15: the appeal names the reduction's own decision (its day starts the time
    limit), and the decision maker of the reduction is among those involved."""
    reduced = _reissue_after(
        Application.Kind.SCOPE_REDUCTION,
        certificate,
        cb_staff=cb_staff,
        decider=decider,
        stages=["primary_production", "processing"],
    )
    assert reduced.version == 1 and reduced.application.kind == "scope_reduction"
    appeal = appeal_lodge(
        by=enterprise_user,
        subject=Appeal.Subject.SCOPE_REDUCTION,
        grounds="Phạm vi bị thu hẹp không có căn cứ.",
        certificate=reduced,
    )
    assert appeal.certificate == reduced
    assert decider.pk in people_involved(None, reduced)


def test_a_certificate_reissued_for_another_reason_is_no_scope_reduction_to_appeal(
    certificate, decider, enterprise_user
):
    """Before: any re-issue counted as a scope reduction; a certificate re-issued for another
    reason (here on its own initial decision, as for a correction), or its first issue, now
    has no reduction to appeal."""
    from certification.services import certificate_reissue

    reissued = certificate_reissue(
        certificate=certificate,
        by=decider,
        application=certificate.application,
        decision=certificate.decision,
    )
    assert reissued.version == 1 and reissued.state == Certificate.State.ACTIVE
    certificate.refresh_from_db()
    for target in (reissued, certificate):
        with pytest.raises(ValidationError) as refused:
            appeal_lodge(
                by=enterprise_user,
                subject=Appeal.Subject.SCOPE_REDUCTION,
                grounds="Phạm vi bị thu hẹp.",
                certificate=target,
            )
        assert "subject" in refused.value.message_dict
    assert not Appeal.objects.exists()


# --- vocabulary -------------------------------------------------------------------------


def test_labels_follow_tcvn_iso_iec_17000_and_restore_differs_from_reinstate():
    """Fails on the code before: an appeal was called "Khiếu nại", a complaint "Phản ánh", and
    restore and reinstate both read "Khôi phục…"."""
    from certification.models.certificates import Certificate as C
    from core.workflow import transition_label

    with translation.override("vi"):
        assert str(Appeal._meta.verbose_name).lower() == "yêu cầu xem xét lại"
        assert str(Complaint._meta.verbose_name).lower() == "khiếu nại"
        restore = transition_label(C(state="expired"), "restore")
        reinstate = transition_label(C(state="suspended"), "reinstate")
        assert restore != reinstate
        assert not (restore.startswith("Khôi phục") and reinstate.startswith("Khôi phục"))
    assert LogEntry.objects.count() == 0
