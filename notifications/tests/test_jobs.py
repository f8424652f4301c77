"""The daily jobs and their reminders: each acts once per day (or per its period), however
often it runs."""

import datetime
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from audits.models import Audit, Finding
from audits.services import audit_approve_report, finding_raise
from audits.tests import factories as af
from certification.models import Certificate
from certification.services import certificate_suspend
from core.clock import today
from core.models import LogEntry
from notifications.jobs import run_daily_jobs
from notifications.models import Notification
from notifications.reminders import (
    remind_majors_past_six_month_rule,
    remind_registrations_expiring,
    remind_suspensions_ending,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(in_evaluation, cb_staff, lead_assessor, decider):
    return af.certify(in_evaluation, staff=cb_staff, lead=lead_assessor, decider=decider)


@pytest.fixture
def jobs(told):
    """`jobs(day)` runs the daily jobs for `day` with their commits delivered; returns
    (summary, {username: [events]})."""

    def run(day):
        people = told(lambda: run_daily_jobs(day))
        return told.result, {name: [n.event for n in ns] for name, ns in people.items()}

    return run


def test_running_the_jobs_twice_on_the_expiry_day_expires_the_certificate_once_and_tells_once(
    cast, certificate, jobs
):
    day = certificate.valid_until

    first, told_first = jobs(day)
    second, told_second = jobs(day)

    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.EXPIRED
    assert certificate.expired_on == day
    assert LogEntry.objects.for_object(certificate).filter(transition="expire").count() == 1
    assert first["certificates_expired"] == 1
    assert second["certificates_expired"] == 0
    expired = {name for name, events in told_first.items() if "certificate.expire" in events}
    assert expired == {"ent", "ent_en", "staff", "staff2", "reg"}
    assert told_second == {}
    assert Notification.objects.filter(event="certificate.expire").count() == 5


def test_a_day_before_expiry_nothing_expires(cast, certificate, jobs):
    summary, _told = jobs(certificate.valid_until - datetime.timedelta(days=1))

    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE
    assert summary["certificates_expired"] == 0


def test_expiry_reminders_come_at_90_and_at_30_days_once_each(cast, certificate, jobs):
    until = certificate.valid_until

    _s, at_120 = jobs(until - datetime.timedelta(days=120))
    s90, at_90 = jobs(until - datetime.timedelta(days=90))
    s90_again, at_90_again = jobs(until - datetime.timedelta(days=90))
    _s, at_60 = jobs(until - datetime.timedelta(days=60))
    s30, at_30 = jobs(until - datetime.timedelta(days=30))

    def expiring(told):
        return {n for n, events in told.items() if "reminder.certificate_expiring" in events}

    assert expiring(at_120) == set()
    assert expiring(at_90) == {"ent", "ent_en", "staff", "staff2"}
    assert s90["reminders_certificates_expiring"] == 4
    assert expiring(at_90_again) == set()
    assert s90_again["reminders_certificates_expiring"] == 0
    assert expiring(at_60) == set()
    assert expiring(at_30) == {"ent", "ent_en", "staff", "staff2"}
    assert s30["reminders_certificates_expiring"] == 4
    assert Notification.objects.filter(event="reminder.certificate_expiring").count() == 8


def test_a_missed_night_is_caught_up_the_next_day_without_a_second_reminder(
    cast, certificate, jobs
):
    until = certificate.valid_until

    _s, late = jobs(until - datetime.timedelta(days=88))
    _s, later = jobs(until - datetime.timedelta(days=87))

    assert "reminder.certificate_expiring" in late["ent"]
    assert "reminder.certificate_expiring" not in later.get("ent", [])


def test_surveillance_reminders_tell_the_body_when_due_and_also_the_regulator_when_overdue(
    cast, certificate, jobs
):
    due = certificate.next_surveillance_due

    _s, soon = jobs(due - datetime.timedelta(days=30))
    _s, soon_again = jobs(due - datetime.timedelta(days=29))
    _s, overdue = jobs(due + datetime.timedelta(days=1))
    _s, overdue_same_week = jobs(due + datetime.timedelta(days=1))
    _s, overdue_next_week = jobs(due + datetime.timedelta(days=8))

    def of(told, event):
        return {n for n, events in told.items() if event in events}

    assert of(soon, "reminder.surveillance_due") == {"staff", "staff2"}
    assert of(soon_again, "reminder.surveillance_due") == set()
    assert of(overdue, "reminder.surveillance_overdue") == {"staff", "staff2", "reg"}
    assert of(overdue_same_week, "reminder.surveillance_overdue") == set()
    assert of(overdue_next_week, "reminder.surveillance_overdue") == {"staff", "staff2", "reg"}


def test_the_end_of_a_suspension_reminds_the_body_staff_once(cast, certificate, cb_staff, told):
    until = today() + datetime.timedelta(days=40)
    certificate_suspend(certificate=certificate, by=cb_staff, comment="Tạm dừng.", until=until)

    before = told(lambda: remind_suspensions_ending(until - datetime.timedelta(days=1)))
    on_the_day = told(lambda: remind_suspensions_ending(until))
    after = told(lambda: remind_suspensions_ending(until + datetime.timedelta(days=3)))

    assert before == {}
    assert set(on_the_day) == {"staff", "staff2"}
    assert on_the_day["staff"][0].event == "reminder.suspension_end"
    assert after == {}


def test_a_body_registration_expiring_reminds_its_staff_and_the_regulator_at_90_and_30_days(
    cast, registration, told
):
    until = registration.valid_until

    at_90 = told(lambda: remind_registrations_expiring(until - datetime.timedelta(days=90)))
    at_90_again = told(lambda: remind_registrations_expiring(until - datetime.timedelta(days=85)))
    at_30 = told(lambda: remind_registrations_expiring(until - datetime.timedelta(days=30)))

    # The body's officers, the national authority that registered it, the province's regulator.
    assert set(at_90) == {"staff", "staff2", "national-registrar", "reg"}
    assert at_90_again == {}
    assert set(at_30) == {"staff", "staff2", "national-registrar", "reg"}


def test_a_body_registration_expires_once_on_its_date(cast, registration, jobs):
    first, told_first = jobs(registration.valid_until)
    second, _told = jobs(registration.valid_until)

    registration.refresh_from_db()
    assert registration.state == "expired"
    assert (first["registrations_expired"], second["registrations_expired"]) == (1, 0)
    expired = {n for n, events in told_first.items() if "registration.expire" in events}
    assert expired == {"staff", "staff2", "national-registrar", "reg"}


# --- Findings -------------------------------------------------------------------------------


@pytest.fixture
def minor(in_evaluation, cb_staff, lead_assessor, member):
    audit = af.started_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=in_evaluation,
        kind=Audit.Kind.STAGE1,
        members=[(member, "member")],
    )
    return finding_raise(
        audit=audit, by=lead_assessor, severity="minor", description="Thiếu sổ ghi chép lô."
    )


def test_a_finding_due_within_a_week_reminds_the_enterprise_and_the_team_once(cast, minor, jobs):
    due = minor.due_date

    _s, eight_days = jobs(due - datetime.timedelta(days=8))
    _s, seven_days = jobs(due - datetime.timedelta(days=7))
    _s, six_days = jobs(due - datetime.timedelta(days=6))

    def of(told):
        return {n for n, events in told.items() if "reminder.finding_due" in events}

    assert of(eight_days) == set()
    assert of(seven_days) == {"ent", "ent_en", "lead", "member"}
    assert of(six_days) == set()


def test_an_overdue_minor_is_raised_to_major_once_and_everyone_concerned_is_told(cast, minor, jobs):
    day = minor.due_date + datetime.timedelta(days=1)

    first, told_first = jobs(day)
    second, told_second = jobs(day)

    minor.refresh_from_db()
    assert minor.severity == Finding.Severity.MAJOR
    assert (first["findings_escalated"], second["findings_escalated"]) == (1, 0)
    escalated = {n for n, events in told_first.items() if "finding.escalate" in events}
    assert escalated == {"ent", "ent_en", "lead", "member", "staff", "staff2"}
    assert told_second == {}


def test_an_overdue_major_reminds_the_enterprise_the_team_and_the_officers_once_a_week(
    cast, in_evaluation, cb_staff, lead_assessor, member, jobs
):
    audit = af.started_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=in_evaluation,
        kind=Audit.Kind.STAGE1,
        members=[(member, "member")],
    )
    major = finding_raise(audit=audit, by=lead_assessor, severity="major", description="Lỗi.")
    monday = major.due_date + datetime.timedelta(days=7 - major.due_date.weekday())

    _s, first = jobs(monday)
    _s, same_week = jobs(monday + datetime.timedelta(days=4))
    _s, next_week = jobs(monday + datetime.timedelta(days=7))

    def of(told):
        return {n for n, events in told.items() if "reminder.finding_overdue" in events}

    # The body's officers too: an overdue major is a ground for suspension (issue 14).
    assert of(first) == {"ent", "ent_en", "lead", "member", "staff", "staff2"}
    assert of(same_week) == set()
    assert of(next_week) == {"ent", "ent_en", "lead", "member", "staff", "staff2"}


def test_a_major_past_the_six_month_rule_is_flagged_once_a_month_to_everyone_concerned(
    cast, in_evaluation, cb_staff, lead_assessor, member, told
):
    af.closed_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation, kind="stage1")
    stage2 = af.started_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=in_evaluation,
        kind=Audit.Kind.STAGE2,
        members=[(member, "member")],
    )
    finding_raise(audit=stage2, by=lead_assessor, severity="major", description="Không truy xuôi.")
    af.record_trace_test(stage2, lead_assessor)
    af.submit_report(stage2, lead_assessor)
    stage2 = audit_approve_report(audit=stage2, by=cb_staff)
    late = stage2.actual_end + relativedelta(months=6) + datetime.timedelta(days=1)

    first = told(lambda: remind_majors_past_six_month_rule(late))
    same_month = told(lambda: remind_majors_past_six_month_rule(late + datetime.timedelta(days=1)))
    next_month = told(lambda: remind_majors_past_six_month_rule(late + relativedelta(months=1)))

    assert set(first) == {"ent", "ent_en", "lead", "member", "staff", "staff2"}
    assert first["ent_en"][0].title.startswith("A new stage 2 audit is needed")
    assert same_month == {}
    assert set(next_month) == set(first)


# --- The command ----------------------------------------------------------------------------


def test_the_command_runs_the_jobs_for_the_given_day_and_prints_the_summary(
    cast, certificate, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_daily_jobs", "--date", certificate.valid_until.isoformat(), stdout=out)

    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.EXPIRED
    assert f"Công việc hằng ngày của ngày {certificate.valid_until.isoformat()}:" in out.getvalue()
    assert "certificates_expired" in out.getvalue()
    assert any(m.to == ["ent_en@example.vn"] and m.subject.endswith("expired") for m in mail.outbox)


def test_the_command_refuses_a_date_it_cannot_read(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_daily_jobs", "--date", "31/12/2026")


def test_in_the_third_year_a_recertification_is_due_not_a_surveillance(certificate, told):
    """Issue 14, problem 6: after two surveillances the next audit due is the recertification."""
    from notifications.reminders import remind_surveillance_due, remind_surveillance_overdue

    Certificate.objects.filter(pk=certificate.pk).update(
        next_surveillance_due=certificate.valid_until
    )
    certificate.refresh_from_db()
    assert certificate.recertification_due
    soon = told(
        lambda: remind_surveillance_due(certificate.valid_until - datetime.timedelta(days=10))
    )
    late = told(
        lambda: remind_surveillance_overdue(certificate.valid_until + datetime.timedelta(days=1))
    )
    assert (soon, late) == ({}, {})
