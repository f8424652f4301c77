"""The decision on an application: technical review (submit_for_decision), return to
evaluation, grant (decision and certificate), refusal, and who is assigned to decide
(../shared/spec/workflow.md, Application). Audits are made through the audits app's services."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from audits.models import Audit, TraceTest
from audits.services import (
    audit_approve_report,
    finding_accept_plan,
    finding_raise,
    finding_respond,
    finding_verify,
)
from audits.tests.factories import (
    application_in_evaluation,
    certify,
    closed_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import (
    Application,
    Certificate,
    ConflictDeclaration,
    Decision,
    Role,
)
from certification.services import (
    application_assign_decision_maker,
    application_grant,
    application_refuse,
    application_return_to_evaluation,
    application_submit_for_decision,
)
from certification.tests.conftest import CAST, SCOPE, refused_and_unchanged
from certification.tests.factories import (
    BodyFactory,
    UserFactory,
    attach_documents,
    grant,
)
from core.clock import as_of, today
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of

pytestmark = pytest.mark.django_db

NOTE = "Hồ sơ đầy đủ, đề nghị cấp."


def others(allowed: str) -> list[str]:
    return [role for role in CAST if role != allowed]


def review(application, by, note: str = NOTE):
    return application_submit_for_decision(
        application=application, by=by, technical_review_note=note
    )


def last_entry(obj) -> tuple:
    entry = history_of(obj).last()
    return (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.comment)


def blocked_with(application, by) -> str:
    """The guard code that stops the technical review; nothing changes."""
    logged = LogEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        review(application, by)
    application.refresh_from_db()
    assert application.state == Application.State.IN_EVALUATION
    assert application.technical_reviewer is None
    assert LogEntry.objects.count() == logged
    return exc.value.code


def stage2_with_findings(application, *, staff, lead, severities):
    """Close a stage 1, then a stage 2 in which the lead raises findings of `severities`."""
    closed_audit(staff=staff, lead=lead, application=application, kind=Audit.Kind.STAGE1)
    audit = started_audit(staff=staff, lead=lead, application=application, kind=Audit.Kind.STAGE2)
    record_trace_test(audit, lead)
    findings = [
        finding_raise(
            audit=audit,
            by=lead,
            severity=severity,
            description="Sổ nhập kho không ghi số lô nguyên liệu.",
            evidence="Phiếu nhập kho ngày 12/3.",
        )
        for severity in severities
    ]
    submit_report(audit, lead)
    audit_approve_report(audit=audit, by=staff)
    return findings


def respond(finding, by):
    return finding_respond(
        finding=finding,
        by=by,
        root_cause="Biểu mẫu không có cột số lô.",
        correction="Bổ sung số lô cho các phiếu đã lập.",
        corrective_action="Sửa biểu mẫu BM-07, đào tạo thủ kho.",
        planned_completion=today() + datetime.timedelta(days=20),
    )


def close_with_evidence(finding, *, enterprise_user, assessor):
    finding = respond(finding, enterprise_user)
    attach_documents(finding, ["evidence"], by=enterprise_user)
    return finding_verify(finding=finding, by=assessor)


@pytest.fixture
def team_decider(lead_assessor, body, admin_user):
    """The lead assessor of the file's audits who is also a decision maker of the body."""
    return grant(lead_assessor, Role.DECISION_MAKER, body, by=admin_user)


@pytest.fixture
def reviewer_decider(body, admin_user):
    """An officer of the body who is also one of its decision makers (on no audit team)."""
    user = grant(UserFactory(username="staff_dm"), Role.CB_STAFF, body, by=admin_user)
    return grant(user, Role.DECISION_MAKER, body, by=admin_user)


# --- submit_for_decision (technical review) -----------------------------------------------------


def test_an_officer_on_no_audit_team_reviews_the_file_technically_and_it_is_logged(
    evaluated, cb_staff
):
    pending = application_submit_for_decision(
        application=evaluated, by=cb_staff, technical_review_note=NOTE, comment="Trình ký."
    )
    assert pending.state == Application.State.DECISION_PENDING
    pending.refresh_from_db()
    assert (pending.technical_reviewer, pending.technical_review_note) == (cb_staff, NOTE)
    assert last_entry(pending) == (
        "submit_for_decision",
        "in_evaluation",
        "decision_pending",
        cb_staff,
        "Trình ký.",
    )
    assert history_of(pending).last().data["technical_review_note"] == NOTE


@pytest.mark.parametrize("role", others("cb_staff"))
def test_the_technical_review_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    request, role, evaluated
):
    refused_and_unchanged(
        request.getfixturevalue(role), evaluated, lambda user: review(evaluated, user)
    )
    assert evaluated.technical_reviewer is None


def test_an_officer_of_another_body_may_not_review_the_file(evaluated, admin_user, province):
    stranger = grant(UserFactory(), Role.CB_STAFF, BodyFactory(province=province), by=admin_user)
    refused_and_unchanged(stranger, evaluated, lambda user: review(evaluated, user))


def test_a_member_of_an_audit_team_may_not_review_that_file_technically(
    evaluated, lead_assessor, body, admin_user
):
    grant(lead_assessor, Role.CB_STAFF, body, by=admin_user)
    refused_and_unchanged(lead_assessor, evaluated, lambda user: review(evaluated, user))
    assert evaluated.technical_reviewer is None


def test_the_technical_review_needs_its_note(evaluated, cb_staff):
    with pytest.raises(ValidationError) as exc:
        review(evaluated, cb_staff, note="   ")
    assert "technical_review_note" in exc.value.message_dict
    evaluated.refresh_from_db()
    assert evaluated.state == Application.State.IN_EVALUATION
    assert evaluated.technical_reviewer is None


def test_the_technical_review_waits_for_the_audits(in_evaluation, cb_staff, lead_assessor):
    assert blocked_with(in_evaluation, cb_staff) == "audit_missing"
    closed_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation, kind="stage1")
    assert blocked_with(in_evaluation, cb_staff) == "audit_missing"


def test_a_recertification_waits_for_its_recertification_audit(
    certificate, enterprise, body, scheme, enterprise_user, cb_staff, lead_assessor
):
    renewal = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
        kind=Application.Kind.RECERTIFICATION,
        renews=certificate,
    )
    assert blocked_with(renewal, cb_staff) == "audit_missing"
    closed_audit(staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification")
    assert review(renewal, cb_staff).state == Application.State.DECISION_PENDING


def test_the_technical_review_needs_a_trace_test_in_the_decisive_audit(
    evaluated, cb_staff, lead_assessor
):
    # A trace test recorded against the wrong audit and removed (by an administrator).
    TraceTest.objects.filter(audit__application=evaluated).delete()
    assert blocked_with(evaluated, cb_staff) == "trace_test_missing"


def test_an_open_major_finding_stops_the_technical_review(
    in_evaluation, cb_staff, lead_assessor, enterprise_user
):
    [major] = stage2_with_findings(
        in_evaluation, staff=cb_staff, lead=lead_assessor, severities=["major"]
    )
    assert blocked_with(in_evaluation, cb_staff) == "major_open"
    # A plan accepted is not enough for a major: it must be verified closed.
    finding_accept_plan(finding=respond(major, enterprise_user), by=lead_assessor)
    assert blocked_with(in_evaluation, cb_staff) == "major_open"


def test_a_minor_finding_without_an_accepted_plan_stops_the_technical_review(
    in_evaluation, cb_staff, lead_assessor, enterprise_user
):
    [minor] = stage2_with_findings(
        in_evaluation, staff=cb_staff, lead=lead_assessor, severities=["minor"]
    )
    assert blocked_with(in_evaluation, cb_staff) == "minor_without_plan"
    responded = respond(minor, enterprise_user)
    assert blocked_with(in_evaluation, cb_staff) == "minor_without_plan"
    finding_accept_plan(finding=responded, by=lead_assessor)
    assert review(in_evaluation, cb_staff).state == Application.State.DECISION_PENDING


def test_a_closed_major_and_a_minor_with_an_accepted_plan_let_the_file_go_to_decision(
    in_evaluation, cb_staff, lead_assessor, enterprise_user
):
    minor, major, _observation = stage2_with_findings(
        in_evaluation,
        staff=cb_staff,
        lead=lead_assessor,
        severities=["minor", "major", "observation"],
    )
    finding_accept_plan(finding=respond(minor, enterprise_user), by=lead_assessor)
    close_with_evidence(major, enterprise_user=enterprise_user, assessor=lead_assessor)
    assert review(in_evaluation, cb_staff).state == Application.State.DECISION_PENDING


def test_a_major_still_open_six_months_after_stage2_requires_a_new_stage2(
    in_evaluation, cb_staff, lead_assessor
):
    stage2_with_findings(in_evaluation, staff=cb_staff, lead=lead_assessor, severities=["major"])
    stage2 = Audit.objects.get(application=in_evaluation, kind=Audit.Kind.STAGE2)
    limit = stage2.actual_end + relativedelta(months=in_evaluation.scheme.major_verify_months)
    with as_of(limit):
        assert blocked_with(in_evaluation, cb_staff) == "major_open"
    with as_of(limit + datetime.timedelta(days=1)):
        assert blocked_with(in_evaluation, cb_staff) == "new_stage2_required"


def test_a_major_verified_closed_after_six_months_still_requires_a_new_stage2(
    in_evaluation, cb_staff, lead_assessor, enterprise_user
):
    with as_of(today() - relativedelta(months=7)):
        [major] = stage2_with_findings(
            in_evaluation, staff=cb_staff, lead=lead_assessor, severities=["major"]
        )
    # Verified today, seven months after the stage 2 audit ended.
    close_with_evidence(major, enterprise_user=enterprise_user, assessor=lead_assessor)
    assert blocked_with(in_evaluation, cb_staff) == "new_stage2_required"


# --- return_to_evaluation -----------------------------------------------------------------------


def test_the_decision_maker_returns_the_file_to_evaluation_with_a_comment(
    decision_pending, decider, cb_staff
):
    returned = application_return_to_evaluation(
        application=decision_pending, by=decider, comment="Cần làm rõ kết quả thử truy xuất."
    )
    assert returned.state == Application.State.IN_EVALUATION
    assert last_entry(returned) == (
        "return_to_evaluation",
        "decision_pending",
        "in_evaluation",
        decider,
        "Cần làm rõ kết quả thử truy xuất.",
    )
    # The technical review can then be made again.
    assert review(returned, cb_staff, "Đã làm rõ.").state == Application.State.DECISION_PENDING


def test_returning_to_evaluation_needs_a_comment(decision_pending, decider):
    logged = LogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        application_return_to_evaluation(application=decision_pending, by=decider, comment=" ")
    assert "comment" in exc.value.message_dict
    decision_pending.refresh_from_db()
    assert decision_pending.state == Application.State.DECISION_PENDING
    assert LogEntry.objects.count() == logged


@pytest.mark.parametrize("role", others("decider"))
def test_returning_to_evaluation_by_anyone_but_a_decision_maker_is_refused(
    request, role, decision_pending
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        decision_pending,
        lambda user: application_return_to_evaluation(
            application=decision_pending, by=user, comment="Xem lại."
        ),
    )


# --- grant ----------------------------------------------------------------------------------


def test_the_decision_maker_grants_and_the_decision_is_recorded(decision_pending, decider):
    certificate = application_grant(application=decision_pending, by=decider, comment="Đạt.")
    decision_pending.refresh_from_db()
    assert decision_pending.state == Application.State.CERTIFIED
    assert last_entry(decision_pending) == (
        "grant",
        "decision_pending",
        "certified",
        decider,
        "Đạt.",
    )
    decision = Decision.objects.get(application=decision_pending)
    assert (
        decision.outcome,
        decision.decision_maker,
        decision.decided_on,
        decision.reasons,
        decision.technical_review_note,
    ) == (Decision.Outcome.GRANTED, decider, today(), "Đạt.", NOTE)
    assert certificate.decision == decision


def test_the_grant_issues_the_certificate_with_its_number_dates_token_and_scope(
    decision_pending, decider, enterprise, body, scheme
):
    day = datetime.date(2027, 3, 15)
    with as_of(day):
        certificate = application_grant(application=decision_pending, by=decider)
    certificate.refresh_from_db()
    assert certificate.number == "GLCERT-TXNG-2027-0001"
    assert (certificate.base_number, certificate.version) == ("GLCERT-TXNG-2027-0001", 0)
    assert certificate.state == Certificate.State.ACTIVE
    assert (certificate.issued_on, certificate.valid_from) == (day, day)
    assert certificate.valid_until == day + relativedelta(months=scheme.validity_months)
    assert certificate.valid_until == datetime.date(2030, 3, 15)
    assert certificate.original_valid_until == certificate.valid_until
    assert certificate.next_surveillance_due == datetime.date(2028, 3, 15)
    assert (certificate.enterprise, certificate.body, certificate.scheme) == (
        enterprise,
        body,
        scheme,
    )
    assert certificate.standard == scheme.standard
    assert (certificate.products, certificate.sites, certificate.stages) == (
        SCOPE["products"],
        SCOPE["sites"],
        SCOPE["stages"],
    )
    assert len(certificate.verification_token) >= 32
    [entry] = history_of(certificate)
    assert (entry.transition, entry.target_state, entry.actor) == ("issue", "active", decider)


def test_later_edits_of_the_application_never_change_the_certificates_scope(
    certificate, decision_pending
):
    Application.objects.filter(pk=decision_pending.pk).update(products=[], sites=[])
    certificate.refresh_from_db()
    assert certificate.products == SCOPE["products"]
    assert certificate.sites == SCOPE["sites"]


def test_two_certificates_get_consecutive_numbers_and_different_tokens(
    certificate,
    other_enterprise,
    other_enterprise_user,
    body,
    scheme,
    cb_staff,
    lead_assessor,
    decider,
):
    application = application_in_evaluation(
        enterprise=other_enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=other_enterprise_user,
        cb_staff=cb_staff,
    )
    second = certify(application, staff=cb_staff, lead=lead_assessor, decider=decider)
    year = today().year
    assert (certificate.number, second.number) == (
        f"GLCERT-TXNG-{year}-0001",
        f"GLCERT-TXNG-{year}-0002",
    )
    assert certificate.verification_token != second.verification_token


@pytest.mark.parametrize("role", others("decider"))
def test_the_grant_by_anyone_but_a_decision_maker_is_refused_and_changes_nothing(
    request, role, decision_pending
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        decision_pending,
        lambda user: application_grant(application=decision_pending, by=user),
    )
    assert not Decision.objects.exists()
    assert not Certificate.objects.exists()


def test_a_member_of_an_audit_team_may_not_grant_or_refuse_that_file(
    decision_pending, team_decider
):
    refused_and_unchanged(
        team_decider,
        decision_pending,
        lambda user: application_grant(application=decision_pending, by=user),
    )
    refused_and_unchanged(
        team_decider,
        decision_pending,
        lambda user: application_refuse(application=decision_pending, by=user, comment="Không."),
    )
    assert not Decision.objects.exists()
    assert not Certificate.objects.exists()


def test_the_technical_reviewer_may_not_decide_the_file(evaluated, reviewer_decider):
    pending = review(evaluated, reviewer_decider)
    refused_and_unchanged(
        reviewer_decider, pending, lambda user: application_grant(application=pending, by=user)
    )
    refused_and_unchanged(
        reviewer_decider,
        pending,
        lambda user: application_refuse(application=pending, by=user, comment="Không."),
    )
    assert not Decision.objects.exists()


def test_a_decision_maker_other_than_the_assigned_one_may_not_decide(
    decision_pending, decider, other_decider, cb_staff
):
    application_assign_decision_maker(
        application=decision_pending, decision_maker=other_decider, by=cb_staff
    )
    refused_and_unchanged(
        decider,
        decision_pending,
        lambda user: application_grant(application=decision_pending, by=user),
    )
    certificate = application_grant(application=decision_pending, by=other_decider)
    assert certificate.decision.decision_maker == other_decider


def test_a_decision_maker_of_another_body_may_not_decide(decision_pending, admin_user, province):
    stranger = grant(
        UserFactory(), Role.DECISION_MAKER, BodyFactory(province=province), by=admin_user
    )
    refused_and_unchanged(
        stranger,
        decision_pending,
        lambda user: application_grant(application=decision_pending, by=user),
    )


def test_a_decision_maker_with_a_declared_conflict_may_not_decide_even_unassigned(
    decision_pending, decider, enterprise
):
    ConflictDeclaration.objects.create(
        user=decider, enterprise=enterprise, description="Từng tư vấn cho doanh nghiệp."
    )
    refused_and_unchanged(
        decider,
        decision_pending,
        lambda user: application_grant(application=decision_pending, by=user),
    )
    refused_and_unchanged(
        decider,
        decision_pending,
        lambda user: application_refuse(application=decision_pending, by=user, comment="Không."),
    )


def test_the_grant_is_a_state_conflict_before_the_technical_review(evaluated, decider):
    with pytest.raises(DomainError) as exc:
        application_grant(application=evaluated, by=decider)
    assert exc.value.code == "invalid_state"
    assert not Certificate.objects.exists()


# --- refuse ---------------------------------------------------------------------------------


def test_the_decision_maker_refuses_with_reasons_and_the_decision_is_recorded(
    decision_pending, decider
):
    refused = application_refuse(
        application=decision_pending, by=decider, comment="Không truy xuất được lô L-07."
    )
    assert refused.state == Application.State.REFUSED
    assert last_entry(refused) == (
        "refuse",
        "decision_pending",
        "refused",
        decider,
        "Không truy xuất được lô L-07.",
    )
    decision = Decision.objects.get(application=decision_pending)
    assert (decision.outcome, decision.reasons, decision.decision_maker, decision.decided_on) == (
        Decision.Outcome.REFUSED,
        "Không truy xuất được lô L-07.",
        decider,
        today(),
    )
    assert not Certificate.objects.exists()


def test_a_refusal_needs_its_reasons(decision_pending, decider):
    with pytest.raises(ValidationError) as exc:
        application_refuse(application=decision_pending, by=decider, comment="")
    assert "comment" in exc.value.message_dict
    decision_pending.refresh_from_db()
    assert decision_pending.state == Application.State.DECISION_PENDING
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", others("decider"))
def test_the_refusal_by_anyone_but_a_decision_maker_is_refused_and_changes_nothing(
    request, role, decision_pending
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        decision_pending,
        lambda user: application_refuse(application=decision_pending, by=user, comment="Không."),
    )
    assert not Decision.objects.exists()


def test_a_refusal_is_final(refused_application, decider):
    for call in (
        lambda: application_return_to_evaluation(
            application=refused_application, by=decider, comment="Xem lại."
        ),
        lambda: application_grant(application=refused_application, by=decider),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "invalid_state"


# --- assign the decision maker --------------------------------------------------------------


def test_an_officer_assigns_the_decision_maker_and_it_is_logged(
    decision_pending, decider, cb_staff
):
    assigned = application_assign_decision_maker(
        application=decision_pending, decision_maker=decider, by=cb_staff
    )
    assigned.refresh_from_db()
    assert assigned.decision_maker == decider
    entry = history_of(assigned).last()
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor) == (
        "assign_decision_maker",
        "decision_pending",
        "decision_pending",
        cb_staff,
    )
    assert entry.data == {"decision_maker": decider.pk}


def test_a_decision_maker_may_be_assigned_while_the_file_is_in_evaluation(
    in_evaluation, decider, cb_staff
):
    assigned = application_assign_decision_maker(
        application=in_evaluation, decision_maker=decider, by=cb_staff
    )
    assert assigned.decision_maker == decider


@pytest.mark.parametrize("role", others("cb_staff"))
def test_assigning_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    request, role, decision_pending, decider
):
    refused_and_unchanged(
        request.getfixturevalue(role),
        decision_pending,
        lambda user: application_assign_decision_maker(
            application=decision_pending, decision_maker=decider, by=user
        ),
    )
    assert decision_pending.decision_maker is None


def assignment_refused(application, person, by) -> None:
    logged = LogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        application_assign_decision_maker(application=application, decision_maker=person, by=by)
    assert "decision_maker" in exc.value.message_dict
    application.refresh_from_db()
    assert application.decision_maker is None
    assert LogEntry.objects.count() == logged


def test_a_decision_maker_with_a_declared_conflict_cannot_be_assigned(
    decision_pending, decider, enterprise, cb_staff
):
    ConflictDeclaration.objects.create(
        user=decider, enterprise=enterprise, description="Anh ruột là giám đốc doanh nghiệp."
    )
    assignment_refused(decision_pending, decider, cb_staff)


def test_a_conflict_that_ends_in_the_future_still_prevents_the_assignment(
    decision_pending, decider, enterprise, cb_staff
):
    ConflictDeclaration.objects.create(
        user=decider,
        enterprise=enterprise,
        description="Hợp đồng tư vấn đến hết tháng sau.",
        ended_on=today() + datetime.timedelta(days=30),
    )
    assignment_refused(decision_pending, decider, cb_staff)


def test_a_conflict_that_ended_within_the_cooling_off_still_prevents_the_assignment(
    decision_pending, decider, enterprise, cb_staff
):
    """Issue 15, problem 2: a consultancy that ended last month used to block no one; the
    scheme's cooling-off (2 years by default) now counts from the end of the relation."""
    conflict = ConflictDeclaration.objects.create(
        user=decider,
        enterprise=enterprise,
        description="Tư vấn xây dựng hệ thống truy xuất.",
        ended_on=today() - datetime.timedelta(days=30),
    )
    with pytest.raises(ValidationError) as exc:
        application_assign_decision_maker(
            application=decision_pending, decision_maker=decider, by=cb_staff
        )
    assert "decision_maker" in exc.value.message_dict
    conflict.ended_on = today() - relativedelta(years=2, days=1)
    conflict.save(update_fields=["ended_on"])
    assigned = application_assign_decision_maker(
        application=decision_pending, decision_maker=decider, by=cb_staff
    )
    assert assigned.decision_maker == decider


def test_a_conflict_with_another_enterprise_does_not_prevent_the_assignment(
    decision_pending, decider, other_enterprise, cb_staff
):
    ConflictDeclaration.objects.create(
        user=decider, enterprise=other_enterprise, description="Tư vấn cho công ty khác."
    )
    assigned = application_assign_decision_maker(
        application=decision_pending, decision_maker=decider, by=cb_staff
    )
    assert assigned.decision_maker == decider


def test_a_member_of_an_audit_team_cannot_be_assigned_to_decide(
    decision_pending, team_decider, cb_staff
):
    assignment_refused(decision_pending, team_decider, cb_staff)


def test_the_technical_reviewer_cannot_be_assigned_to_decide(evaluated, reviewer_decider, cb_staff):
    pending = review(evaluated, reviewer_decider)
    assignment_refused(pending, reviewer_decider, cb_staff)


@pytest.mark.parametrize("role", ["cb_staff", "lead_assessor", "enterprise_user", "outsider"])
def test_only_a_decision_maker_of_the_body_can_be_assigned(
    request, role, decision_pending, cb_staff
):
    assignment_refused(decision_pending, request.getfixturevalue(role), cb_staff)


@pytest.mark.parametrize("state", ["under_review", "refused_application"])
def test_a_decision_maker_is_not_assigned_before_evaluation_or_after_the_decision(
    request, state, decider, cb_staff
):
    application = request.getfixturevalue(state)
    with pytest.raises(DomainError) as exc:
        application_assign_decision_maker(
            application=application, decision_maker=decider, by=cb_staff
        )
    assert exc.value.code == "invalid_state"
