"""Who is told about each event ("What users are told", workflow.md) — and nobody else — in
their own language. The cast fixture holds everyone; each test names who must be told."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit
from audits.services import finding_raise, finding_respond
from audits.tests import factories as af
from certification.services import (
    appeal_lodge,
    application_assign_decision_maker,
    application_create,
    application_grant,
    application_refuse,
    application_request_revision,
    application_resubmit,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    certificate_suspend,
    complaint_lodge,
    registration_create,
    registration_register,
    registration_start_review,
    registration_submit,
)
from certification.tests.factories import attach_documents
from core.clock import today
from core.models import LogEntry
from notifications.events import notify_log_entry
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(enterprise, body, scheme, enterprise_user, registration):
    return application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **af.SCOPE
    )


@pytest.fixture
def evaluated(in_evaluation, cb_staff, lead_assessor, member):
    """Stage 1 and stage 2 closed; `lead_assessor` leads both and `member` is on stage 2."""
    af.closed_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation, kind="stage1")
    af.closed_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=in_evaluation,
        kind="stage2",
        members=[(member, "member")],
    )
    in_evaluation.refresh_from_db()
    return in_evaluation


@pytest.fixture
def decision_pending(evaluated, cb_staff):
    return application_submit_for_decision(
        application=evaluated, by=cb_staff, technical_review_note="Hồ sơ đầy đủ."
    )


@pytest.fixture
def certificate(decision_pending, decider):
    return application_grant(application=decision_pending, by=decider)


@pytest.fixture
def stage1(in_evaluation, cb_staff, lead_assessor, member):
    return af.started_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=in_evaluation,
        kind=Audit.Kind.STAGE1,
        members=[(member, "member")],
    )


@pytest.fixture
def finding(stage1, lead_assessor):
    return finding_raise(
        audit=stage1, by=lead_assessor, severity="minor", description="Thiếu sổ ghi chép lô."
    )


# --- Applications ---------------------------------------------------------------------------


def test_a_submission_tells_the_body_staff_and_the_other_enterprise_users_each_in_their_language(
    cast, draft, enterprise_user, told
):
    people = told(lambda: application_submit(application=draft, by=enterprise_user))

    assert set(people) == {"ent_en", "staff", "staff2"}
    english = people["ent_en"][0]
    assert english.event == "application.submit"
    assert english.title == f"Application {draft.number} was submitted"
    assert "“Submitted”" in english.body
    assert english.url == f"/applications/{draft.pk}/"
    vietnamese = people["staff"][0]
    assert "Hồ sơ đăng ký" in vietnamese.body
    assert "“Đã nộp”" in vietnamese.body
    assert {m.to[0] for m in mail.outbox} == {
        "ent_en@example.vn",
        "staff@example.vn",
        "staff2@example.vn",
    }
    english_mail = next(m for m in mail.outbox if m.to == ["ent_en@example.vn"])
    assert english_mail.subject == f"[TXNG Cert] Application {draft.number} was submitted"
    assert "Choose which e-mails you receive" in english_mail.body


def test_a_resubmission_tells_the_body_staff_again(cast, draft, enterprise_user, cb_staff, told):
    application_submit(application=draft, by=enterprise_user)
    application_start_review(application=draft, by=cb_staff)
    application_request_revision(application=draft, by=cb_staff, comment="Bổ sung sơ đồ.")

    people = told(lambda: application_resubmit(application=draft, by=enterprise_user))

    assert set(people) == {"ent_en", "staff", "staff2"}
    assert people["staff"][0].event == "application.resubmit"


def test_a_revision_request_tells_the_enterprise_only_with_the_comment(
    cast, draft, enterprise_user, cb_staff, told
):
    application_submit(application=draft, by=enterprise_user)
    application_start_review(application=draft, by=cb_staff)

    people = told(
        lambda: application_request_revision(
            application=draft, by=cb_staff, comment="Bổ sung sơ đồ vùng trồng."
        )
    )

    assert set(people) == {"ent", "ent_en"}
    assert "Bổ sung sơ đồ vùng trồng." in people["ent"][0].body
    assert "Comment: Bổ sung sơ đồ vùng trồng." in people["ent_en"][0].body


def test_a_file_ready_for_decision_tells_the_enterprise_and_every_decision_maker_of_the_body(
    cast, evaluated, cb_staff, told
):
    people = told(
        lambda: application_submit_for_decision(
            application=evaluated, by=cb_staff, technical_review_note="Đạt."
        )
    )

    assert set(people) == {"ent", "ent_en", "decider", "decider2"}
    assert people["decider"][0].event == "application.submit_for_decision"


def test_a_file_with_an_assigned_decision_maker_tells_only_that_one(
    cast, evaluated, cb_staff, decider, told
):
    application_assign_decision_maker(application=evaluated, decision_maker=decider, by=cb_staff)

    people = told(
        lambda: application_submit_for_decision(
            application=evaluated, by=cb_staff, technical_review_note="Đạt."
        )
    )

    assert set(people) == {"ent", "ent_en", "decider"}


def test_assigning_a_decision_maker_tells_that_person(cast, evaluated, cb_staff, told):
    people = told(
        lambda: application_assign_decision_maker(
            application=evaluated, decision_maker=cast["decider2"], by=cb_staff
        )
    )

    assert set(people) == {"decider2"}
    assert people["decider2"][0].event == "application.assign_decision_maker"


def test_a_grant_tells_the_body_staff_and_the_enterprise_hears_of_its_certificate_once(
    cast, decision_pending, decider, told
):
    people = told(lambda: application_grant(application=decision_pending, by=decider))
    certificate = told.result

    assert set(people) == {"ent", "ent_en", "staff", "staff2"}
    assert [n.event for n in people["ent"]] == ["certificate.issue"]
    assert [n.event for n in people["staff"]] == ["application.grant"]
    english = people["ent_en"][0]
    assert english.title == f"Certificate {certificate.number} issued"
    assert certificate.valid_until.strftime("%Y") in english.body


def test_a_refusal_tells_the_enterprise_and_the_body_staff(cast, decision_pending, decider, told):
    people = told(
        lambda: application_refuse(application=decision_pending, by=decider, comment="Chưa đạt.")
    )

    assert set(people) == {"ent", "ent_en", "staff", "staff2"}


# --- Audits and findings --------------------------------------------------------------------


def test_starting_an_audit_tells_the_enterprise_and_the_rest_of_the_team(
    cast, in_evaluation, cb_staff, lead_assessor, member, told
):
    audit = af.planned_audit(
        staff=cb_staff, lead=lead_assessor, application=in_evaluation, members=[(member, "member")]
    )

    people = told(lambda: af.audit_start(audit=audit, by=lead_assessor))

    assert set(people) == {"ent", "ent_en", "member"}
    assert people["member"][0].event == "audit.start"


def test_a_submitted_report_tells_the_enterprise_the_team_and_the_body_staff(
    cast, stage1, lead_assessor, told
):
    people = told(lambda: af.submit_report(stage1, lead_assessor))

    assert set(people) == {"ent", "ent_en", "member", "staff", "staff2"}


def test_a_new_finding_tells_the_enterprise(cast, stage1, lead_assessor, told):
    people = told(
        lambda: finding_raise(
            audit=stage1, by=lead_assessor, severity="major", description="Không truy xuôi được."
        )
    )

    assert set(people) == {"ent", "ent_en"}
    assert people["ent"][0].event == "finding.raise"


def test_a_finding_response_tells_the_team_the_body_staff_and_the_other_enterprise_users(
    cast, finding, enterprise_user, told
):
    people = told(
        lambda: finding_respond(
            finding=finding,
            by=enterprise_user,
            root_cause="Chưa đào tạo.",
            correction="Ghi bổ sung.",
            corrective_action="Đào tạo lại.",
            planned_completion=today() + datetime.timedelta(days=20),
        )
    )

    assert set(people) == {"ent_en", "lead", "member", "staff", "staff2"}
    assert people["lead"][0].event == "finding.respond"


# --- Certificates ---------------------------------------------------------------------------


def test_a_suspension_tells_the_enterprise_the_body_and_the_regulators_of_its_province(
    cast, certificate, cb_staff, told
):
    people = told(
        lambda: certificate_suspend(
            certificate=certificate,
            by=cb_staff,
            comment="Không duy trì hồ sơ.",
            until=today() + datetime.timedelta(days=60),
        )
    )

    assert set(people) == {"ent", "ent_en", "staff2", "reg"}
    assert people["reg"][0].event == "certificate.suspend"
    assert "“Bị đình chỉ”" in people["reg"][0].body


# --- Registrations --------------------------------------------------------------------------


def test_a_registration_submission_tells_the_regulators_and_its_decision_tells_the_body_staff(
    cast, body, other_scheme, cb_staff, regulator, national_regulator, told
):
    """The national regulator decides; the body's provincial regulator is told too."""
    from certification.tests.factories import qualified_auditors

    qualified_auditors(body, other_scheme)
    registration = registration_create(body=body, scheme=other_scheme, by=cb_staff)
    attach_documents(
        registration, ["quality_manual", "assessor_list", "legal_documents"], by=cb_staff
    )

    submitted = told(lambda: registration_submit(registration=registration, by=cb_staff))
    registration_start_review(registration=registration, by=national_regulator)
    registered = told(
        lambda: registration_register(
            registration=registration, by=national_regulator, registration_number="02/2026/ĐK"
        )
    )

    assert set(submitted) == {"reg", "national"}
    assert submitted["reg"][0].event == "registration.submit"
    assert set(registered) == {"staff", "staff2"}
    assert "02/2026/ĐK" in registered["staff"][0].body


@pytest.fixture
def other_scheme(db):
    from certification.tests.factories import SchemeFactory

    return SchemeFactory(code="other-scheme", checklist_code="other")


# --- Appeals and complaints -----------------------------------------------------------------


def test_an_appeal_tells_the_body_staff_and_the_other_enterprise_users(
    cast, decision_pending, decider, enterprise_user, told
):
    refused = application_refuse(application=decision_pending, by=decider, comment="Chưa đạt.")

    people = told(
        lambda: appeal_lodge(
            by=enterprise_user,
            subject="refusal",
            grounds="Lô hàng đã được truy xuất đầy đủ.",
            application=refused,
        )
    )

    assert set(people) == {"ent_en", "staff", "staff2"}
    assert people["staff"][0].event == "appeal.lodge"


def test_a_complaint_from_the_public_tells_the_body_staff(cast, body, told):
    people = told(
        lambda: complaint_lodge(
            body=body,
            complainant_email="nguoimua@example.vn",
            subject="Tem truy xuất không đọc được",
            description="Mã QR trên bao cà phê không mở được trang truy xuất.",
        )
    )

    assert set(people) == {"staff", "staff2"}
    assert people["staff"][0].event == "complaint.lodge"


# --- Exactly once, cost ---------------------------------------------------------------------


def test_delivering_the_same_log_entry_twice_notifies_and_emails_each_person_once(
    cast, draft, enterprise_user, told
):
    told(lambda: application_submit(application=draft, by=enterprise_user))
    entry = LogEntry.objects.for_object(draft).get(transition="submit")

    again = told(lambda: notify_log_entry(log_entry_id=entry.pk))

    assert again == {}
    assert Notification.objects.filter(event="application.submit").count() == 3
    assert len(mail.outbox) == 3


def test_a_rolled_back_transition_tells_nobody(cast, draft, enterprise_user, told):
    from django.db import transaction

    class Abort(Exception):
        pass

    def submit_then_fail():
        with transaction.atomic():
            application_submit(application=draft, by=enterprise_user)
            raise Abort

    with pytest.raises(Abort):
        told(submit_then_fail)

    assert not Notification.objects.exists()


def test_resolving_recipients_costs_the_same_queries_for_two_or_ten_people(
    cast, draft, enterprise_user, body, admin_user, told
):
    from certification.models import Role
    from certification.tests.factories import UserFactory, grant

    told(lambda: application_submit(application=draft, by=enterprise_user))
    entry = LogEntry.objects.for_object(draft).get(transition="submit")
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as small:
        notify_log_entry(log_entry_id=entry.pk)
    Notification.objects.all().delete()
    for n in range(8):
        grant(UserFactory(username=f"more{n}"), Role.CB_STAFF, body, by=admin_user)

    with CaptureQueriesContext(connection) as large:
        notify_log_entry(log_entry_id=entry.pk)

    assert Notification.objects.count() == 11
    assert len(large) == len(small)
