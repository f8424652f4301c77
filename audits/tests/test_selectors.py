import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from audits.models import Audit, AuditTeamMember, TraceTest
from audits.selectors import (
    application_ids_on_team,
    audit_get_for_user,
    audited_enterprise_ids,
    audits_visible_to,
    decision_blockers,
    finding_get_for_user,
    findings_visible_to,
    recertification_completed,
    team_user_ids,
)
from audits.services import (
    audit_approve_report,
    audit_cancel,
    audit_team_remove,
    finding_accept_plan,
    finding_raise,
    finding_respond,
    finding_verify,
)
from audits.tests.factories import (
    application_in_evaluation,
    closed_audit,
    planned_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import Role
from certification.services import application_submit_for_decision
from certification.tests.factories import UserFactory, attach_documents, grant
from core.clock import as_of, today
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db


def codes(application) -> list[str]:
    return [code for code, _message in decision_blockers(application)]


def raise_on(audit, by, severity):
    return finding_raise(audit=audit, by=by, severity=severity, description="Thiếu mã lô.")


def respond(finding, by):
    return finding_respond(
        finding=finding,
        by=by,
        root_cause="Biểu mẫu thiếu cột.",
        correction="Bổ sung.",
        corrective_action="Sửa biểu mẫu.",
        planned_completion=today() + datetime.timedelta(days=10),
    )


def stage2_in_progress(application, staff, lead):
    closed_audit(staff=staff, lead=lead, application=application, kind="stage1")
    stage2 = started_audit(staff=staff, lead=lead, application=application, kind="stage2")
    record_trace_test(stage2, lead)
    return stage2


def close(audit, lead, staff):
    submit_report(audit, lead)
    return audit_approve_report(audit=audit, by=staff)


# --- team and impartiality ----------------------------------------------------------------


def test_the_team_of_an_application_is_everyone_on_its_audits_except_cancelled_ones(
    planned_stage1, application, cb_staff, other_assessor, lead_assessor, member, observer
):
    special = planned_audit(
        staff=cb_staff,
        application=application,
        kind="special",
        members=[(other_assessor, "member")],
    )
    assert team_user_ids(application) == {
        lead_assessor.pk,
        member.pk,
        observer.pk,
        other_assessor.pk,
    }
    audit_cancel(audit=special, by=cb_staff, comment="Không cần.")
    with CaptureQueriesContext(connection) as queries:
        assert team_user_ids(application) == {lead_assessor.pk, member.pk, observer.pk}
    assert len(queries) == 1


def test_the_team_of_an_application_includes_surveillance_audits_of_its_certificate(
    certificate, application, cb_staff, other_assessor, lead_assessor
):
    planned_audit(
        staff=cb_staff,
        certificate=certificate,
        kind="surveillance",
        members=[(other_assessor, "member")],
    )
    assert team_user_ids(application) == {lead_assessor.pk, other_assessor.pk}


def test_audited_enterprises_are_those_whose_audit_teams_the_user_was_on(
    planned_stage1, enterprise, lead_assessor, other_assessor, outsider
):
    assert audited_enterprise_ids(lead_assessor) == {enterprise.pk}
    assert audited_enterprise_ids(other_assessor) == set()
    assert audited_enterprise_ids(outsider) == set()


# --- decision blockers --------------------------------------------------------------------


def test_a_new_application_needs_its_audits_closed(application):
    [(code, message)] = decision_blockers(application)
    assert code == "audit_missing"
    assert str(Audit.Kind.STAGE1.label) in message and str(Audit.Kind.STAGE2.label) in message


def test_with_both_stages_closed_and_findings_settled_the_application_goes_to_decision(
    application, cb_staff, lead_assessor, enterprise_user, member
):
    stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
    minor = raise_on(stage2, lead_assessor, "minor")
    raise_on(stage2, lead_assessor, "observation")
    close(stage2, lead_assessor, cb_staff)
    assert codes(application) == ["minor_without_plan"]
    with pytest.raises(DomainError) as exc:
        application_submit_for_decision(
            application=application, by=cb_staff, technical_review_note="Đủ."
        )
    assert exc.value.code == "minor_without_plan"
    respond(minor, enterprise_user)
    finding_accept_plan(finding=minor, by=lead_assessor)
    assert decision_blockers(application) == []
    application = application_submit_for_decision(
        application=application, by=cb_staff, technical_review_note="Đủ."
    )
    assert application.state == "decision_pending"


def test_a_decision_needs_the_trace_test_of_the_stage2(application, cb_staff, lead_assessor):
    stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
    close(stage2, lead_assessor, cb_staff)
    # A file whose trace test record was lost (e.g. taken over from paper) cannot be decided.
    TraceTest.objects.filter(audit=stage2).delete()
    assert codes(application) == ["trace_test_missing"]


def test_an_open_major_finding_blocks_the_decision_until_it_is_closed(
    application, cb_staff, lead_assessor, enterprise_user
):
    stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
    major = raise_on(stage2, lead_assessor, "major")
    close(stage2, lead_assessor, cb_staff)
    assert codes(application) == ["major_open"]
    respond(major, enterprise_user)
    attach_documents(major, ["evidence"], by=enterprise_user)
    finding_verify(finding=major, by=lead_assessor)
    assert codes(application) == []


def test_a_major_still_open_past_the_limit_needs_a_new_stage2(
    application, cb_staff, lead_assessor, scheme
):
    stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
    raise_on(stage2, lead_assessor, "major")
    close(stage2, lead_assessor, cb_staff)
    limit = today() + relativedelta(months=scheme.major_verify_months)
    with as_of(limit):
        assert codes(application) == ["major_open"]
    with as_of(limit + datetime.timedelta(days=1)):
        assert codes(application) == ["new_stage2_required", "major_open"]


def test_a_major_closed_after_the_limit_still_needs_a_new_stage2(
    application, cb_staff, lead_assessor, enterprise_user, scheme
):
    with as_of(today() - relativedelta(months=scheme.major_verify_months, days=3)):
        stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
        major = raise_on(stage2, lead_assessor, "major")
        close(stage2, lead_assessor, cb_staff)
    respond(major, enterprise_user)
    attach_documents(major, ["evidence"], by=enterprise_user)
    finding_verify(finding=major, by=lead_assessor)
    assert codes(application) == ["new_stage2_required"]


def test_reading_the_blockers_takes_the_same_queries_however_many_findings(
    application, cb_staff, lead_assessor
):
    stage2 = stage2_in_progress(application, cb_staff, lead_assessor)
    raise_on(stage2, lead_assessor, "minor")
    with CaptureQueriesContext(connection) as few:
        decision_blockers(application)
    for _ in range(5):
        raise_on(stage2, lead_assessor, "major")
    with CaptureQueriesContext(connection) as many:
        decision_blockers(application)
    assert len(few) == len(many)


@pytest.fixture
def renewal(certificate, enterprise, body, scheme, enterprise_user, cb_staff):
    return application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
        kind="recertification",
        renews=certificate,
    )


def test_a_recertification_needs_a_closed_recertification_audit(
    renewal, certificate, cb_staff, lead_assessor
):
    assert codes(renewal) == ["audit_missing"]
    assert not recertification_completed(certificate)
    closed_audit(staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification")
    assert codes(renewal) == []
    assert recertification_completed(certificate)


def test_a_recertification_with_an_open_major_is_not_completed(
    renewal, certificate, cb_staff, lead_assessor
):
    audit = started_audit(
        staff=cb_staff, lead=lead_assessor, application=renewal, kind="recertification"
    )
    record_trace_test(audit, lead_assessor)
    raise_on(audit, lead_assessor, "major")
    close(audit, lead_assessor, cb_staff)
    assert not recertification_completed(certificate)
    assert codes(renewal) == ["major_open"]


# --- visibility ---------------------------------------------------------------------------


@pytest.fixture
def regulator_elsewhere(other_province, admin_user):
    return grant(UserFactory(username="reg2"), Role.REGULATOR, other_province, by=admin_user)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("lead_assessor", True),
        ("member", True),
        ("observer", True),
        ("cb_staff", True),
        ("decider", True),
        ("enterprise_user", True),
        ("regulator", True),
        ("other_enterprise_user", False),
        ("other_assessor", False),
        ("regulator_elsewhere", False),
        ("outsider", False),
        ("admin_user", False),
    ],
)
def test_who_sees_an_audit_and_its_findings(stage1, lead_assessor, who, sees, request):
    finding = raise_on(stage1, lead_assessor, "minor")
    user = request.getfixturevalue(who)
    assert list(audits_visible_to(user)) == ([stage1] if sees else [])
    assert list(audits_visible_to(user, pk=stage1.pk)) == ([stage1] if sees else [])
    assert list(findings_visible_to(user)) == ([finding] if sees else [])
    if sees:
        assert audit_get_for_user(user, stage1.pk) == stage1
        assert finding_get_for_user(user, finding.pk) == finding
    else:
        with pytest.raises(Http404):
            audit_get_for_user(user, stage1.pk)
        with pytest.raises(Http404):
            finding_get_for_user(user, finding.pk)


def test_asking_about_one_audit_gives_that_one_only(
    planned_stage1, application, cb_staff, lead_assessor, member
):
    stage2 = planned_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind=Audit.Kind.STAGE2
    )
    # The lead sees both; asked about one, that one (not every audit of their teams).
    assert set(audits_visible_to(lead_assessor)) == {planned_stage1, stage2}
    assert list(audits_visible_to(lead_assessor, pk=stage2.pk)) == [stage2]
    assert list(audits_visible_to(lead_assessor, pk=planned_stage1.pk)) == [planned_stage1]
    # The member is on the first team only.
    assert list(audits_visible_to(member, pk=stage2.pk)) == []
    with pytest.raises(Http404):
        audit_get_for_user(member, stage2.pk)


def test_a_member_taken_off_the_team_no_longer_sees_the_audit(planned_stage1, member, cb_staff):
    assert audit_get_for_user(member, planned_stage1.pk) == planned_stage1
    audit_team_remove(
        member=AuditTeamMember.objects.get(audit=planned_stage1, user=member), by=cb_staff
    )
    assert not audits_visible_to(member).exists()


def test_an_anonymous_visitor_sees_no_audit(planned_stage1):
    from django.contrib.auth.models import AnonymousUser

    assert not audits_visible_to(AnonymousUser()).exists()
    assert audited_enterprise_ids(AnonymousUser()) == set()


def test_assessors_see_the_applications_whose_audits_they_are_on(
    planned_stage1, application, lead_assessor, other_assessor
):
    from certification.selectors import applications_visible_to

    assert set(application_ids_on_team(lead_assessor)) == {application.pk}
    assert list(applications_visible_to(lead_assessor)) == [application]
    assert list(applications_visible_to(other_assessor)) == []


def test_an_assessor_on_a_surveillance_team_sees_the_certified_application(
    certificate, application, cb_staff, other_assessor
):
    planned_audit(
        staff=cb_staff,
        certificate=certificate,
        kind="surveillance",
        members=[(other_assessor, "member")],
    )
    assert set(application_ids_on_team(other_assessor)) == {application.pk}
