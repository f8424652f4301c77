"""Findings: raising, the enterprise's response, verification, and the scheduled rules."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError

from audits.models import Finding
from audits.services import (
    audit_approve_report,
    audit_submit_report,
    finding_accept_plan,
    finding_acknowledge,
    finding_escalate_overdue,
    finding_raise,
    finding_reject_response,
    finding_respond,
    finding_verify,
    findings_past_six_month_rule,
)
from audits.tests.conftest import CAST
from audits.tests.factories import closed_audit, record_trace_test, started_audit
from certification.tests.factories import attach_documents
from core.clock import as_of, today
from core.exceptions import DomainError
from core.services import history_of
from core.workflow import execute

pytestmark = pytest.mark.django_db

NOT_TEAM_ASSESSOR = [*CAST, "observer"]
NOT_ENTERPRISE = [*(n for n in CAST if n != "enterprise_user"), "lead_assessor", "member"]


def raise_finding(audit, by, severity="minor", **fields):
    return finding_raise(
        audit=audit,
        by=by,
        severity=severity,
        description=fields.pop("description", "Nhật ký nhập kho không ghi số lô nguyên liệu."),
        evidence="Phiếu nhập kho ngày 12/3/2026.",
        clause_reference="TCVN 12850:2019 §5.4",
        **fields,
    )


def respond(finding, by):
    return finding_respond(
        finding=finding,
        by=by,
        root_cause="Biểu mẫu nhật ký không có cột số lô.",
        correction="Bổ sung số lô cho các phiếu tháng 3.",
        corrective_action="Sửa biểu mẫu BM-07 và đào tạo thủ kho.",
        planned_completion=today() + datetime.timedelta(days=20),
    )


def assert_refused_and_unchanged(call, obj) -> None:
    state, logged = obj.state, history_of(obj).count()
    with pytest.raises(PermissionDenied):
        call()
    obj.refresh_from_db()
    assert obj.state == state
    assert history_of(obj).count() == logged


@pytest.fixture
def minor(stage1, member):
    return raise_finding(stage1, member)


@pytest.fixture
def responded(minor, enterprise_user):
    return respond(minor, enterprise_user)


@pytest.fixture
def observation(stage1, lead_assessor):
    return raise_finding(stage1, lead_assessor, "observation", description="Có thể số hóa sổ.")


# --- raise --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "days"), [("major", 90), ("minor", 30), ("observation", None)]
)
def test_an_assessor_of_the_team_raises_a_finding_due_by_the_schemes_deadline(
    stage1, member, severity, days
):
    finding = raise_finding(stage1, member, severity, checklist_item_code="B-02")
    expected = today() + datetime.timedelta(days=days) if days else None
    assert (finding.state, finding.due_date, finding.raised_by) == ("open", expected, member)
    assert finding.checklist_item_code == "B-02"
    [entry] = history_of(finding)
    assert (entry.transition, entry.target_state, entry.actor) == ("raise", "open", member)


@pytest.mark.parametrize("who", NOT_TEAM_ASSESSOR)
def test_raising_a_finding_is_refused_to_observers_and_anyone_off_the_team(stage1, who, request):
    with pytest.raises(PermissionDenied):
        raise_finding(stage1, request.getfixturevalue(who))
    assert not Finding.objects.exists()


def test_findings_are_raised_only_while_the_audit_runs_or_its_report_awaits_approval(
    planned_stage1, lead_assessor, cb_staff
):
    with pytest.raises(DomainError):
        raise_finding(planned_stage1, lead_assessor)
    from audits.services import audit_start

    audit = audit_start(audit=planned_stage1, by=lead_assessor)
    audit_submit_report(audit=audit, by=lead_assessor, report_summary="Tóm tắt", conclusion="Đạt")
    assert raise_finding(audit, lead_assessor).state == "open"
    audit_approve_report(audit=audit, by=cb_staff)
    with pytest.raises(DomainError):
        raise_finding(audit, lead_assessor)


def test_a_finding_needs_a_known_severity_and_a_description(stage1, lead_assessor):
    with pytest.raises(ValidationError) as exc:
        raise_finding(stage1, lead_assessor, "critical", description="")
    assert {"severity", "description"} <= set(exc.value.message_dict)
    assert not Finding.objects.exists()


# --- respond ------------------------------------------------------------------------------


def test_the_enterprise_responds_and_the_response_is_recorded(minor, enterprise_user):
    finding = respond(minor, enterprise_user)
    assert finding.state == "responded"
    assert finding.corrective_action == "Sửa biểu mẫu BM-07 và đào tạo thủ kho."
    assert (finding.responded_by, finding.planned_completion) == (
        enterprise_user,
        today() + datetime.timedelta(days=20),
    )
    entry = history_of(finding).last()
    assert (entry.transition, entry.source_state, entry.actor) == (
        "respond",
        "open",
        enterprise_user,
    )


@pytest.mark.parametrize("who", NOT_ENTERPRISE)
def test_responding_is_refused_to_anyone_but_the_audited_enterprise(minor, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(lambda: respond(minor, actor), minor)
    assert minor.root_cause == ""


def test_a_response_needs_root_cause_correction_action_and_completion_date(minor, enterprise_user):
    with pytest.raises(ValidationError) as exc:
        finding_respond(
            finding=minor,
            by=enterprise_user,
            root_cause="",
            correction=" ",
            corrective_action="",
            planned_completion=None,
        )
    assert set(exc.value.message_dict) == {
        "root_cause",
        "correction",
        "corrective_action",
        "planned_completion",
    }
    minor.refresh_from_db()
    assert minor.state == "open"


# --- accept_plan / reject_response --------------------------------------------------------


def test_an_assessor_of_the_team_accepts_the_plan(responded, member):
    finding = finding_accept_plan(finding=responded, by=member)
    assert finding.state == "plan_accepted"
    assert history_of(finding).last().transition == "accept_plan"


@pytest.mark.parametrize("who", NOT_TEAM_ASSESSOR)
def test_accepting_or_rejecting_a_plan_is_refused_off_the_team(responded, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(
        lambda: finding_accept_plan(finding=responded, by=actor), responded
    )
    assert_refused_and_unchanged(
        lambda: finding_reject_response(finding=responded, by=actor, comment="Chưa đủ."), responded
    )


def test_an_assessor_rejects_a_response_with_a_comment_and_it_reopens(responded, lead_assessor):
    with pytest.raises(ValidationError):
        finding_reject_response(finding=responded, by=lead_assessor, comment="")
    finding = finding_reject_response(
        finding=responded, by=lead_assessor, comment="Nguyên nhân gốc chưa đúng."
    )
    assert finding.state == "open"
    entry = history_of(finding).last()
    assert (entry.transition, entry.comment) == ("reject_response", "Nguyên nhân gốc chưa đúng.")


# --- verify -------------------------------------------------------------------------------


def test_verifying_needs_an_evidence_document(responded, member):
    with pytest.raises(DomainError) as exc:
        finding_verify(finding=responded, by=member)
    assert exc.value.code == "evidence_missing"
    responded.refresh_from_db()
    assert responded.state == "responded"


@pytest.mark.parametrize("accept_first", [False, True])
def test_an_assessor_verifies_the_evidence_and_closes_the_finding(
    responded, member, enterprise_user, accept_first
):
    if accept_first:
        responded = finding_accept_plan(finding=responded, by=member)
    attach_documents(responded, ["evidence"], by=enterprise_user)
    finding = finding_verify(finding=responded, by=member, comment="Đã kiểm tra BM-07 mới.")
    assert (finding.state, finding.verified_by) == ("closed", member)
    assert finding.verified_at is not None
    assert history_of(finding).last().transition == "verify"


@pytest.mark.parametrize("who", NOT_TEAM_ASSESSOR)
def test_verifying_is_refused_off_the_team(responded, enterprise_user, who, request):
    attach_documents(responded, ["evidence"], by=enterprise_user)
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(lambda: finding_verify(finding=responded, by=actor), responded)
    assert responded.verified_by is None


# --- acknowledge --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["enterprise_user", "member"])
def test_the_enterprise_or_an_assessor_acknowledges_an_observation(observation, who, request):
    actor = request.getfixturevalue(who)
    finding = finding_acknowledge(finding=observation, by=actor)
    assert finding.state == "closed"
    entry = history_of(finding).last()
    assert (entry.transition, entry.actor) == ("acknowledge", actor)


@pytest.mark.parametrize("who", [*(n for n in NOT_TEAM_ASSESSOR if n != "enterprise_user")])
def test_acknowledging_is_refused_to_others(observation, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(
        lambda: finding_acknowledge(finding=observation, by=actor), observation
    )


def test_only_an_observation_is_acknowledged(minor, enterprise_user):
    with pytest.raises(DomainError) as exc:
        finding_acknowledge(finding=minor, by=enterprise_user)
    assert exc.value.code == "not_observation"


# --- escalation ---------------------------------------------------------------------------


def test_overdue_minors_are_raised_to_major_once_however_often_the_job_runs(minor, scheme):
    day = minor.due_date + datetime.timedelta(days=1)
    assert finding_escalate_overdue(today=day) == 1
    assert finding_escalate_overdue(today=day) == 0
    minor.refresh_from_db()
    assert (minor.severity, minor.state, minor.escalated_from_minor) == ("major", "open", True)
    assert minor.due_date == day + datetime.timedelta(days=scheme.major_close_days)
    escalations = [e for e in history_of(minor) if e.transition == "escalate"]
    assert len(escalations) == 1
    assert (escalations[0].actor, escalations[0].actor_name) == (None, "system")


def test_a_responded_minor_keeps_its_response_when_escalated(responded):
    assert finding_escalate_overdue(today=responded.due_date + datetime.timedelta(days=1)) == 1
    responded.refresh_from_db()
    assert (responded.severity, responded.state) == ("major", "responded")


def test_minors_with_an_accepted_plan_or_not_yet_due_are_not_escalated(responded, member, stage1):
    finding_accept_plan(finding=responded, by=member)
    fresh = raise_finding(stage1, member)
    assert finding_escalate_overdue(today=fresh.due_date) == 0
    assert set(Finding.objects.values_list("severity", flat=True)) == {"minor"}


def test_no_escalation_where_the_scheme_turns_it_off(minor, scheme):
    scheme.escalate_overdue_minors = False
    scheme.save(update_fields=["escalate_overdue_minors"])
    assert finding_escalate_overdue(today=minor.due_date + datetime.timedelta(days=30)) == 0


def test_only_the_system_escalates(minor, cb_staff):
    with as_of(minor.due_date + datetime.timedelta(days=1)), pytest.raises(PermissionDenied):
        execute(minor, "escalate", by=cb_staff)
    with pytest.raises(DomainError) as exc:
        execute(minor, "escalate", by=None)
    assert exc.value.code == "not_overdue"


# --- six-month rule -----------------------------------------------------------------------


def test_majors_of_a_stage2_still_open_past_the_limit_are_reported(
    application, cb_staff, lead_assessor, enterprise_user, scheme
):
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    stage2 = started_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
    )
    record_trace_test(stage2, lead_assessor)
    late = raise_finding(stage2, lead_assessor, "major")
    closed = raise_finding(stage2, lead_assessor, "major")
    raise_finding(stage2, lead_assessor, "minor")
    respond(closed, enterprise_user)
    attach_documents(closed, ["evidence"], by=enterprise_user)
    finding_verify(finding=closed, by=lead_assessor)
    audit_submit_report(audit=stage2, by=lead_assessor, report_summary="Tóm tắt", conclusion="Đạt")
    limit = today() + relativedelta(months=scheme.major_verify_months)
    assert findings_past_six_month_rule(today=limit) == []
    assert findings_past_six_month_rule(today=limit + datetime.timedelta(days=1)) == [late]
    late.refresh_from_db()
    assert late.state == "open"
