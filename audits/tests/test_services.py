"""Planning, teams, declarations, the audit's transitions and trace tests."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError

from audits.models import Audit, AuditTeamMember, Finding, TraceTest
from audits.services import (
    audit_approve_report,
    audit_cancel,
    audit_plan,
    audit_return_report,
    audit_start,
    audit_submit_report,
    audit_team_add,
    audit_team_remove,
    declaration_sign,
    finding_raise,
)
from audits.tests.conftest import CAST
from audits.tests.factories import (
    BAD_GTIN,
    QualificationFactory,
    closed_audit,
    planned_audit,
    record_trace_test,
    sign,
    started_audit,
    submit_report,
)
from certification.models import Application, ConflictDeclaration, Role
from certification.services import certificate_withdraw
from certification.tests.factories import grant
from checklists.importer import DATA_DIR
from checklists.selectors import unanswered_count
from checklists.services import template_import
from core.clock import as_of, today
from core.exceptions import DomainError
from core.services import history_of

pytestmark = pytest.mark.django_db

NOT_STAFF = [*(n for n in CAST if n != "cb_staff"), "lead_assessor"]
NOT_LEAD = [*CAST, "member"]
NOT_BODY_STAFF_WITH_TEAM = [*NOT_STAFF, "member"]


def transitions(obj) -> list[str]:
    return [entry.transition for entry in history_of(obj)]


def assert_refused_and_unchanged(call, obj) -> None:
    state, logged = obj.state, history_of(obj).count()
    with pytest.raises(PermissionDenied):
        call()
    obj.refresh_from_db()
    assert obj.state == state
    assert history_of(obj).count() == logged


def plan_stage1(application, by, **extra):
    return audit_plan(
        application=application,
        kind=extra.pop("kind", "stage1"),
        mode="on_site",
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=2),
        by=by,
        **extra,
    )


# --- Planning -----------------------------------------------------------------------------


def test_an_officer_of_the_body_plans_an_audit_and_it_is_logged(application, cb_staff):
    audit = plan_stage1(application, cb_staff)
    assert (audit.state, audit.kind, audit.created_by) == ("planned", "stage1", cb_staff)
    [entry] = history_of(audit)
    assert (entry.transition, entry.target_state, entry.actor) == ("plan", "planned", cb_staff)


@pytest.mark.parametrize("who", NOT_STAFF)
def test_planning_an_audit_is_refused_to_anyone_but_the_bodys_officers(application, who, request):
    with pytest.raises(PermissionDenied):
        plan_stage1(application, request.getfixturevalue(who))
    assert not Audit.objects.exists()


def test_a_stage2_audit_is_planned_only_after_a_stage1_audit(application, cb_staff):
    with pytest.raises(DomainError) as exc:
        plan_stage1(application, cb_staff, kind="stage2")
    assert exc.value.code == "stage1_missing"
    plan_stage1(application, cb_staff)
    assert plan_stage1(application, cb_staff, kind="stage2").kind == "stage2"


def test_a_second_open_audit_of_the_same_kind_is_refused(application, cb_staff):
    first = plan_stage1(application, cb_staff)
    with pytest.raises(DomainError) as exc:
        plan_stage1(application, cb_staff)
    assert exc.value.code == "audit_open"
    audit_cancel(audit=first, by=cb_staff, comment="Đổi lịch.")
    assert plan_stage1(application, cb_staff).state == "planned"


def test_audits_are_planned_only_for_an_application_in_evaluation(
    enterprise, body, scheme, enterprise_user, cb_staff
):
    from certification.services import application_create

    draft = application_create(enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user)
    with pytest.raises(DomainError) as exc:
        plan_stage1(draft, cb_staff)
    assert exc.value.code == "application_not_in_evaluation"


def test_a_kind_of_audit_that_does_not_fit_is_refused(application, certificate, cb_staff):
    with pytest.raises(ValidationError) as exc:
        plan_stage1(application, cb_staff, kind="surveillance")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError):
        audit_plan(
            certificate=certificate,
            kind="stage2",
            planned_start=today(),
            planned_end=today(),
            by=cb_staff,
        )


def test_an_audit_cannot_end_before_it_starts(application, cb_staff):
    with pytest.raises(ValidationError) as exc:
        audit_plan(
            application=application,
            kind="stage1",
            planned_start=today(),
            planned_end=today() - datetime.timedelta(days=1),
            by=cb_staff,
        )
    assert "planned_end" in exc.value.message_dict


def test_a_surveillance_audit_needs_a_valid_or_suspended_certificate(certificate, cb_staff):
    audit = audit_plan(
        certificate=certificate,
        kind="surveillance",
        planned_start=today(),
        planned_end=today(),
        by=cb_staff,
    )
    assert audit.client == certificate.enterprise
    audit_cancel(audit=audit, by=cb_staff, comment="Dời lịch.")
    certificate_withdraw(certificate=certificate, by=cb_staff, comment="Vi phạm nghiêm trọng.")
    with pytest.raises(DomainError) as exc:
        audit_plan(
            certificate=certificate,
            kind="surveillance",
            planned_start=today(),
            planned_end=today(),
            by=cb_staff,
        )
    assert exc.value.code == "certificate_not_active"


# --- Team ---------------------------------------------------------------------------------


def test_adding_an_assessor_to_the_team_gives_access_and_is_logged(application, cb_staff, member):
    audit = plan_stage1(application, cb_staff)
    assert not member.has_perm("audits.view_audit", audit)
    audit_team_add(audit=audit, user=member, role="member", by=cb_staff)
    assert member.has_perm("audits.view_audit", audit)
    assert transitions(audit) == ["plan", "team_add"]
    assert history_of(audit).last().data["user"] == member.pk


def test_removing_a_member_withdraws_access_and_is_logged(planned_stage1, cb_staff, member):
    team_member = AuditTeamMember.objects.get(audit=planned_stage1, user=member)
    audit_team_remove(member=team_member, by=cb_staff)
    assert not AuditTeamMember.objects.filter(pk=team_member.pk).exists()
    assert not member.has_perm("audits.view_audit", planned_stage1)
    assert transitions(planned_stage1)[-1] == "team_remove"


@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_the_bodys_officers_change_a_team(
    planned_stage1, other_assessor, member, who, request
):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        audit_team_add(audit=planned_stage1, user=other_assessor, role="member", by=actor)
    team_member = AuditTeamMember.objects.get(audit=planned_stage1, user=member)
    with pytest.raises(PermissionDenied):
        audit_team_remove(member=team_member, by=actor)
    assert set(planned_stage1.team.values_list("user__username", flat=True)) == {
        "lead",
        "member",
        "observer",
    }


def test_only_assessors_of_the_body_join_a_team(application, cb_staff, decider, enterprise_user):
    audit = plan_stage1(application, cb_staff)
    for user in (decider, enterprise_user, cb_staff):
        with pytest.raises(ValidationError) as exc:
            audit_team_add(audit=audit, user=user, role="member", by=cb_staff)
        assert "user" in exc.value.message_dict
    assert not audit.team.exists()


def test_a_person_is_on_a_team_once_and_a_team_has_one_lead(
    planned_stage1, cb_staff, member, other_assessor, scheme
):
    with pytest.raises(ValidationError) as exc:
        audit_team_add(audit=planned_stage1, user=member, role="expert", by=cb_staff)
    assert "user" in exc.value.message_dict
    QualificationFactory(user=other_assessor, scheme=scheme)
    with pytest.raises(ValidationError) as exc:
        audit_team_add(audit=planned_stage1, user=other_assessor, role="lead", by=cb_staff)
    assert "role" in exc.value.message_dict
    assert planned_stage1.team.count() == 3


@pytest.mark.competence_as_recorded
def test_a_lead_without_a_valid_lead_qualification_is_refused(
    application, cb_staff, other_assessor, scheme
):
    audit = plan_stage1(application, cb_staff)
    QualificationFactory(user=other_assessor, scheme=scheme, function="auditor")
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=other_assessor, role="lead", by=cb_staff)
    assert exc.value.code == "lead_not_qualified"
    audit_team_add(audit=audit, user=other_assessor, role="member", by=cb_staff)


def test_the_technical_reviewer_or_decision_maker_of_the_application_may_not_audit_it(
    application, cb_staff, decider, admin_user
):
    grant(decider, Role.ASSESSOR, application.body, by=admin_user)
    Application.objects.filter(pk=application.pk).update(decision_maker=decider)
    audit = plan_stage1(application, cb_staff)
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=decider, role="member", by=cb_staff)
    assert exc.value.code == "impartiality_conflict"
    Application.objects.filter(pk=application.pk).update(
        decision_maker=None, technical_reviewer=decider
    )
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=decider, role="member", by=cb_staff)
    assert exc.value.code == "impartiality_conflict"


def test_someone_who_declared_a_conflict_with_the_client_may_not_join(
    application, cb_staff, other_assessor
):
    ConflictDeclaration.objects.create(
        user=other_assessor, enterprise=application.enterprise, description="Từng tư vấn."
    )
    audit = plan_stage1(application, cb_staff)
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=other_assessor, role="member", by=cb_staff)
    assert exc.value.code == "conflict_declared"


def test_the_team_cannot_change_once_the_audit_started(stage1, cb_staff, other_assessor, member):
    with pytest.raises(DomainError):
        audit_team_add(audit=stage1, user=other_assessor, role="member", by=cb_staff)
    with pytest.raises(DomainError):
        audit_team_remove(
            member=AuditTeamMember.objects.get(audit=stage1, user=member), by=cb_staff
        )


# --- Declarations -------------------------------------------------------------------------


def test_a_team_member_signs_their_declaration_and_it_is_logged(application, cb_staff, member):
    audit = plan_stage1(application, cb_staff)
    audit_team_add(audit=audit, user=member, role="member", by=cb_staff)
    declaration = sign(audit, member, clean=False)
    assert not declaration.is_clean
    declaration = sign(audit, member)
    assert declaration.is_clean
    assert audit.declarations.count() == 1
    assert transitions(audit)[-2:] == ["declaration_sign", "declaration_sign"]
    assert history_of(audit).last().data["clean"] is True


@pytest.mark.parametrize("who", CAST)
def test_only_team_members_sign_a_declaration(planned_stage1, who, request):
    with pytest.raises(PermissionDenied):
        sign(planned_stage1, request.getfixturevalue(who))
    assert planned_stage1.declarations.count() == 3


def test_declarations_are_signed_before_the_audit_starts(stage1, member):
    with pytest.raises(DomainError):
        declaration_sign(
            audit=stage1,
            by=member,
            no_consultancy=True,
            no_employment=True,
            no_financial_interest=True,
            no_family_ties=True,
        )


# --- start --------------------------------------------------------------------------------


def test_the_lead_starts_the_audit_and_it_is_logged(planned_stage1, lead_assessor):
    audit = audit_start(audit=planned_stage1, by=lead_assessor)
    assert (audit.state, audit.actual_start) == ("in_progress", today())
    entry = history_of(audit).last()
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor) == (
        "start",
        "planned",
        "in_progress",
        lead_assessor,
    )


@pytest.mark.parametrize("who", NOT_LEAD)
def test_starting_is_refused_to_anyone_but_the_lead(planned_stage1, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(
        lambda: audit_start(audit=planned_stage1, by=actor), planned_stage1
    )
    assert planned_stage1.actual_start is None


def test_start_needs_every_member_to_sign_a_clean_declaration(
    application, cb_staff, lead_assessor, member
):
    audit = planned_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=application,
        members=[(member, "member")],
        signed=False,
    )
    sign(audit, lead_assessor)
    sign(audit, member, clean=False)
    with pytest.raises(DomainError) as exc:
        audit_start(audit=audit, by=lead_assessor)
    assert exc.value.code == "declarations_missing"
    assert member.get_full_name() in exc.value.message
    assert lead_assessor.get_full_name() not in exc.value.message


def test_start_needs_a_lead(application, cb_staff, member, lead_assessor):
    audit = planned_audit(staff=cb_staff, application=application, members=[(member, "member")])
    with pytest.raises(DomainError) as exc:
        audit_start(audit=audit, by=member)
    assert exc.value.code == "lead_missing"


@pytest.mark.competence_as_recorded
def test_start_needs_the_lead_qualified_on_the_day_it_starts(
    application, cb_staff, lead_assessor, scheme
):
    QualificationFactory(user=lead_assessor, scheme=scheme, valid_until=today())
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=application)
    with as_of(today() + datetime.timedelta(days=1)), pytest.raises(DomainError) as exc:
        audit_start(audit=audit, by=lead_assessor)
    assert exc.value.code == "lead_not_qualified"
    assert audit_start(audit=audit, by=lead_assessor).state == "in_progress"


def test_a_stage2_starts_only_after_the_stage1_is_closed(
    planned_stage1, cb_staff, lead_assessor, application
):
    stage2 = planned_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
    )
    with pytest.raises(DomainError) as exc:
        audit_start(audit=stage2, by=lead_assessor)
    assert exc.value.code == "stage1_not_closed"


def test_a_stage2_needs_a_new_stage1_when_the_last_ended_too_long_ago(
    application, cb_staff, lead_assessor, scheme
):
    with as_of(today() - relativedelta(months=scheme.stage2_within_months, days=1)):
        closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    stage2 = planned_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
    )
    with pytest.raises(DomainError) as exc:
        audit_start(audit=stage2, by=lead_assessor)
    assert exc.value.code == "stage1_too_old"
    with as_of(today() - datetime.timedelta(days=1)):
        assert audit_start(audit=stage2, by=lead_assessor).state == "in_progress"


# --- submit_report ------------------------------------------------------------------------


def test_the_lead_submits_the_report_and_it_is_logged(stage1, lead_assessor):
    audit = submit_report(stage1, lead_assessor)
    assert (audit.state, audit.actual_end) == ("report_submitted", today())
    assert audit.conclusion == "Đề nghị chứng nhận."
    entry = history_of(audit).last()
    assert (entry.transition, entry.actor) == ("submit_report", lead_assessor)


@pytest.mark.parametrize("who", NOT_LEAD)
def test_submitting_the_report_is_refused_to_anyone_but_the_lead(stage1, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(lambda: submit_report(stage1, actor), stage1)
    assert stage1.actual_end is None


def test_a_report_needs_a_summary_and_a_conclusion(stage1, lead_assessor):
    with pytest.raises(ValidationError) as exc:
        audit_submit_report(audit=stage1, by=lead_assessor, report_summary=" ", conclusion="")
    assert set(exc.value.message_dict) == {"report_summary", "conclusion"}
    stage1.refresh_from_db()
    assert stage1.state == "in_progress"


def test_a_stage2_report_needs_a_trace_test(application, cb_staff, lead_assessor):
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    stage2 = started_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind="stage2"
    )
    with pytest.raises(DomainError) as exc:
        submit_report(stage2, lead_assessor)
    assert exc.value.code == "trace_test_missing"
    record_trace_test(stage2, lead_assessor)
    assert submit_report(stage2, lead_assessor).state == "report_submitted"


def test_planning_pins_the_published_checklist_version(application, cb_staff):
    template_import(paths=[DATA_DIR / "tcvn-12850-2019-system.v1.yaml"])
    audit = plan_stage1(application, cb_staff)
    assert audit.checklist.template.code == "tcvn-12850-2019-system"


def test_a_report_needs_every_checklist_item_answered(application, cb_staff, lead_assessor):
    template_import(paths=[DATA_DIR / "tcvn-12850-2019-system.v1.yaml"])
    audit = started_audit(staff=cb_staff, lead=lead_assessor, application=application)
    remaining = unanswered_count(audit)
    assert remaining > 0
    with pytest.raises(DomainError) as exc:
        submit_report(audit, lead_assessor)
    assert exc.value.code == "checklist_incomplete"
    assert str(remaining) in exc.value.message


def test_a_report_needs_a_finding_for_every_minor_or_major_answer(
    stage1, lead_assessor, monkeypatch
):
    monkeypatch.setattr(
        "audits.models.audits.optional_function",
        lambda module, name: (
            (lambda audit: ["C-10"]) if name == "answers_without_finding" else None
        ),
    )
    with pytest.raises(DomainError) as exc:
        submit_report(stage1, lead_assessor)
    assert exc.value.code == "finding_missing"
    assert "1" in exc.value.message


def test_findings_raised_during_the_audit_are_due_from_its_last_day(
    planned_stage1, lead_assessor, scheme
):
    first_day = today() - datetime.timedelta(days=2)
    with as_of(first_day):
        audit = audit_start(audit=planned_stage1, by=lead_assessor)
        major = finding_raise(
            audit=audit, by=lead_assessor, severity="major", description="Không có mã lô."
        )
        minor = finding_raise(
            audit=audit, by=lead_assessor, severity="minor", description="Nhật ký thiếu chữ ký."
        )
    assert major.due_date == first_day + datetime.timedelta(days=scheme.major_close_days)
    submit_report(audit, lead_assessor)
    major.refresh_from_db()
    minor.refresh_from_db()
    assert major.due_date == today() + datetime.timedelta(days=scheme.major_close_days)
    assert minor.due_date == today() + datetime.timedelta(days=scheme.minor_plan_days)


# --- approve_report / return_report / cancel ---------------------------------------------


@pytest.fixture
def submitted(stage1, lead_assessor):
    return submit_report(stage1, lead_assessor)


def test_an_officer_approves_the_report_and_the_audit_closes(submitted, cb_staff):
    audit = audit_approve_report(audit=submitted, by=cb_staff)
    assert audit.state == "closed"
    assert history_of(audit).last().transition == "approve_report"


@pytest.mark.parametrize("who", NOT_BODY_STAFF_WITH_TEAM)
def test_approving_or_returning_a_report_is_refused_to_anyone_but_the_bodys_officers(
    submitted, who, request
):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(lambda: audit_approve_report(audit=submitted, by=actor), submitted)
    assert_refused_and_unchanged(
        lambda: audit_return_report(audit=submitted, by=actor, comment="Bổ sung."), submitted
    )


def test_an_officer_returns_the_report_with_a_comment(submitted, cb_staff):
    with pytest.raises(ValidationError):
        audit_return_report(audit=submitted, by=cb_staff, comment="")
    audit = audit_return_report(audit=submitted, by=cb_staff, comment="Bổ sung bằng chứng C-10.")
    assert (audit.state, audit.actual_end) == ("in_progress", None)
    entry = history_of(audit).last()
    assert (entry.transition, entry.comment) == ("return_report", "Bổ sung bằng chứng C-10.")


def test_closing_a_surveillance_audit_schedules_the_next_surveillance(
    certificate, cb_staff, lead_assessor
):
    due = certificate.next_surveillance_due
    closed_audit(staff=cb_staff, lead=lead_assessor, certificate=certificate, kind="surveillance")
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due > due
    assert history_of(certificate).last().transition == "surveillance_done"


def test_an_officer_cancels_a_planned_audit_with_a_reason(planned_stage1, cb_staff):
    with pytest.raises(ValidationError):
        audit_cancel(audit=planned_stage1, by=cb_staff, comment=" ")
    audit = audit_cancel(audit=planned_stage1, by=cb_staff, comment="Doanh nghiệp xin dời lịch.")
    assert audit.state == "cancelled"
    assert history_of(audit).last().transition == "cancel"


@pytest.mark.parametrize("who", NOT_BODY_STAFF_WITH_TEAM)
def test_cancelling_is_refused_to_anyone_but_the_bodys_officers(planned_stage1, who, request):
    actor = request.getfixturevalue(who)
    assert_refused_and_unchanged(
        lambda: audit_cancel(audit=planned_stage1, by=actor, comment="Hủy."), planned_stage1
    )


def test_an_audit_that_started_cannot_be_cancelled(stage1, cb_staff):
    with pytest.raises(DomainError) as exc:
        audit_cancel(audit=stage1, by=cb_staff, comment="Hủy.")
    assert exc.value.code == "invalid_state"


# --- Trace tests --------------------------------------------------------------------------


def test_a_passing_trace_test_is_recorded_and_logged(stage1, member):
    trace = record_trace_test(stage1, member)
    assert (trace.result, trace.within_target, trace.finding) == ("pass", True, None)
    entry = history_of(stage1).last()
    assert (entry.transition, entry.data["trace_test"]) == ("trace_test_record", trace.pk)
    assert not Finding.objects.exists()


def test_a_failed_trace_test_raises_a_major_finding(stage1, lead_assessor, scheme):
    trace = record_trace_test(stage1, lead_assessor, result="fail", lot="L-404")
    finding = trace.finding
    assert (finding.severity, finding.state, finding.audit) == ("major", "open", stage1)
    assert "L-404" in finding.description and trace.gtin in finding.description
    assert finding.due_date == today() + datetime.timedelta(days=scheme.major_close_days)
    assert [e.transition for e in history_of(finding)] == ["raise"]


def test_a_trace_test_with_a_wrong_gtin_check_digit_is_refused_and_nothing_is_stored(
    stage1, lead_assessor
):
    with pytest.raises(ValidationError) as exc:
        record_trace_test(stage1, lead_assessor, gtin=BAD_GTIN, result="fail")
    assert "gtin" in exc.value.message_dict
    assert not TraceTest.objects.exists()
    assert not Finding.objects.exists()


def test_a_trace_test_ending_before_it_starts_is_refused(stage1, lead_assessor):
    start = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as exc:
        record_trace_test(
            stage1,
            lead_assessor,
            started_at=start,
            ended_at=start - datetime.timedelta(minutes=5),
        )
    assert "ended_at" in exc.value.message_dict


@pytest.mark.parametrize("who", [*CAST, "observer"])
def test_only_assessors_of_the_team_record_trace_tests(stage1, who, request):
    with pytest.raises(PermissionDenied):
        record_trace_test(stage1, request.getfixturevalue(who), result="fail")
    assert not TraceTest.objects.exists()
    assert not Finding.objects.exists()


def test_a_trace_test_is_recorded_only_during_the_audit(planned_stage1, lead_assessor):
    with pytest.raises(DomainError):
        record_trace_test(planned_stage1, lead_assessor)
