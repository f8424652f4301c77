"""The audits API: planning, team, declarations, trace tests, the audit's and the findings'
transitions, and assessor qualifications."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from audits.models import AssessorQualification, Audit, Finding
from audits.services import finding_raise
from audits.tests.factories import BAD_GTIN, GTIN, QualificationFactory
from certification.models import Application
from core.clock import today
from core.tests.api_helpers import API, api_as, queries_of
from documents.tests import factories as rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def plan(api, **fields):
    day = today().isoformat()
    return api.post(
        f"{API}/audits/",
        {"kind": "stage1", "planned_start": day, "planned_end": day, **fields},
        format="json",
    )


def test_a_body_officer_plans_an_audit_and_forms_its_team(
    cb_staff, lead_assessor, member, application
):
    staff = api_as(cb_staff)
    planned = plan(staff, application=application.pk)
    assert planned.status_code == 201, planned.json()
    audit = planned.json()
    assert (audit["state"], audit["kind"], audit["subject_number"]) == (
        "planned",
        "stage1",
        application.number,
    )
    QualificationFactory(user=lead_assessor, scheme=application.scheme)
    team = f"{API}/audits/{audit['id']}/team/"
    assert (
        staff.post(team, {"user": lead_assessor.pk, "role": "lead"}, format="json").status_code
        == 201
    )
    added = staff.post(team, {"user": member.pk, "role": "member"}, format="json")
    assert added.status_code == 201
    assert [(m["user"], m["role"]) for m in staff.get(team).json()] == [
        (lead_assessor.pk, "lead"),
        (member.pk, "member"),
    ]
    removed = staff.delete(f"{team}{added.json()['id']}/")
    assert removed.status_code == 204
    assert [m["user"] for m in staff.get(team).json()] == [lead_assessor.pk]
    assert staff.delete(f"{team}999999/").status_code == 404


def test_planning_is_refused_to_the_enterprise_and_in_the_wrong_state(
    enterprise_user, cb_staff, application, draft_of_same_enterprise
):
    assert plan(api_as(enterprise_user), application=application.pk).status_code == 403
    # A draft is the enterprise's own: for the body it does not exist yet.
    hidden = plan(api_as(cb_staff), application=draft_of_same_enterprise.pk)
    assert (hidden.status_code, list(hidden.json()["errors"])) == (400, ["application"])
    Application.objects.filter(pk=draft_of_same_enterprise.pk).update(
        state=Application.State.SUBMITTED, submitted_at=timezone.now()
    )
    early = plan(api_as(cb_staff), application=draft_of_same_enterprise.pk)
    assert (early.status_code, early.json()["code"]) == (409, "application_not_in_evaluation")
    unknown = plan(api_as(cb_staff), application=999999)
    assert (unknown.status_code, list(unknown.json()["errors"])) == (400, ["application"])


def test_a_special_audit_at_short_notice_is_planned_over_the_api_with_its_reason(
    cb_staff, certificate
):
    planned = plan(
        api_as(cb_staff),
        certificate=certificate.pk,
        kind="special",
        short_notice=True,
        special_reason="Khiếu nại về tem truy xuất.",
    )
    assert planned.status_code == 201, planned.json()
    audit = planned.json()
    assert (audit["kind"], audit["short_notice"], audit["special_reason"]) == (
        "special",
        True,
        "Khiếu nại về tem truy xuất.",
    )
    assert audit["computed_man_days"] == audit["planned_man_days"]
    assert audit["man_day_reduction"] == "0.0" and audit["complaint"] is None


@pytest.fixture
def draft_of_same_enterprise(application, enterprise_user):
    from certification.services import application_create

    return application_create(
        enterprise=application.enterprise,
        body=application.body,
        scheme=application.scheme,
        by=enterprise_user,
    )


def test_the_team_cannot_change_once_the_audit_started(cb_staff, stage1, other_assessor):
    response = api_as(cb_staff).post(
        f"{API}/audits/{stage1.pk}/team/",
        {"user": other_assessor.pk, "role": "member"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")


def test_a_team_member_signs_a_declaration_and_others_may_not(
    application, cb_staff, lead_assessor, other_assessor
):
    from audits.tests.factories import planned_audit

    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=application, signed=False)
    path = f"{API}/audits/{audit.pk}/declarations/"
    answers = {
        "no_consultancy": True,
        "no_employment": True,
        "no_financial_interest": True,
        "no_family_ties": True,
    }
    signed = api_as(lead_assessor).post(path, answers, format="json")
    assert signed.status_code == 201
    assert (signed.json()["user"], signed.json()["is_clean"]) == (lead_assessor.pk, True)
    assert api_as(other_assessor).post(path, answers, format="json").status_code == 404
    assert [d["user"] for d in api_as(cb_staff).get(path).json()] == [lead_assessor.pk]
    incomplete = api_as(lead_assessor).post(path, {"no_consultancy": True}, format="json")
    assert incomplete.status_code == 400


def test_only_the_lead_starts_the_audit(planned_stage1, lead_assessor, member):
    path = f"{API}/audits/{planned_stage1.pk}/transitions/start/"
    assert api_as(member).post(path, {}, format="json").status_code == 403
    started = api_as(lead_assessor).post(path, {}, format="json")
    assert started.status_code == 200
    assert (started.json()["state"], started.json()["actual_start"]) == (
        "in_progress",
        today().isoformat(),
    )


def test_the_report_needs_a_summary_and_a_conclusion(stage1, lead_assessor):
    path = f"{API}/audits/{stage1.pk}/transitions/submit_report/"
    missing = api_as(lead_assessor).post(path, {}, format="json")
    assert (missing.status_code, set(missing.json()["errors"])) == (
        400,
        {"report_summary", "conclusion"},
    )
    submitted = api_as(lead_assessor).post(
        path, {"report_summary": "Đạt.", "conclusion": "Đề nghị chứng nhận."}, format="json"
    )
    assert submitted.json()["state"] == "report_submitted"


def test_a_trace_test_is_recorded_during_the_audit_with_a_valid_gtin(stage1, lead_assessor):
    path = f"{API}/audits/{stage1.pk}/trace-tests/"
    trace = {
        "gtin": GTIN,
        "lot": "L2026-040",
        "direction": "backward",
        "started_at": "2026-03-02T08:00:00+07:00",
        "ended_at": "2026-03-02T09:30:00+07:00",
        "quantity_in": "500.000",
        "quantity_out": "498.000",
        "result": "pass",
    }
    recorded = api_as(lead_assessor).post(path, trace, format="json")
    assert recorded.status_code == 201, recorded.json()
    assert (recorded.json()["duration_hours"], recorded.json()["within_target"]) == ("1.50", True)
    wrong = api_as(lead_assessor).post(path, {**trace, "gtin": BAD_GTIN}, format="json")
    assert (wrong.status_code, list(wrong.json()["errors"])) == (400, ["gtin"])
    assert len(api_as(lead_assessor).get(path).json()) == 1


def test_a_finding_is_raised_answered_and_accepted_through_the_api(
    stage1, lead_assessor, enterprise_user
):
    raised = api_as(lead_assessor).post(
        f"{API}/findings/",
        {"audit": stage1.pk, "severity": "minor", "description": "Thiếu số lô trên phiếu xuất."},
        format="json",
    )
    assert raised.status_code == 201, raised.json()
    finding = raised.json()
    path = f"{API}/findings/{finding['id']}/transitions"
    missing = api_as(enterprise_user).post(f"{path}/respond/", {}, format="json")
    assert (missing.status_code, set(missing.json()["errors"])) == (
        400,
        {"root_cause", "correction", "corrective_action", "planned_completion"},
    )
    response = {
        "root_cause": "Mẫu phiếu cũ không có ô số lô.",
        "correction": "Bổ sung số lô cho các phiếu tháng 2.",
        "corrective_action": "Ban hành mẫu phiếu mới.",
        "planned_completion": (today() + datetime.timedelta(days=20)).isoformat(),
    }
    responded = api_as(enterprise_user).post(f"{path}/respond/", response, format="json")
    assert responded.status_code == 200
    assert responded.json()["state"] == "responded"
    assert (
        api_as(enterprise_user).post(f"{path}/accept_plan/", {}, format="json").status_code == 403
    )
    verify = api_as(lead_assessor).post(f"{path}/verify/", {}, format="json")
    assert (verify.status_code, verify.json()["code"]) == (409, "evidence_missing")
    accepted = api_as(lead_assessor).post(f"{path}/accept_plan/", {}, format="json")
    assert accepted.json()["state"] == "plan_accepted"
    history = api_as(enterprise_user).get(f"{API}/findings/{finding['id']}/history/").json()
    assert [e["transition"] for e in history] == ["raise", "respond", "accept_plan"]


def test_the_enterprise_cannot_raise_findings(stage1, enterprise_user):
    response = api_as(enterprise_user).post(
        f"{API}/findings/",
        {"audit": stage1.pk, "severity": "major", "description": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert not Finding.objects.exists()


def test_audit_and_finding_lists_do_not_grow_in_queries(
    application, cb_staff, lead_assessor, enterprise_user
):
    counts = []
    for total in (3, 15):
        for _ in range(Audit.objects.count(), total):
            audit = rows.audit(
                application=application, created_by=cb_staff, team=[(lead_assessor, "lead")]
            )
            rows.finding(audit=audit, raised_by=lead_assessor)
        for user in (cb_staff, enterprise_user):
            api = api_as(user)
            for collection in ("audits", "findings"):
                counts.append(queries_of(lambda api=api, c=collection: api.get(f"{API}/{c}/")))
        assert api_as(cb_staff).get(f"{API}/findings/").json()["count"] == total
    assert counts[:4] == counts[4:]


# --- Assessor qualifications -------------------------------------------------------------------


@pytest.mark.competence_as_recorded
def test_body_staff_read_and_write_their_peoples_competence_records(
    cb_staff, lead_assessor, outsider, admin_user, scheme
):
    """Officers of the body record the competence of its people (before: administrators
    only); a person of no body of theirs stays out of reach."""
    qualification = QualificationFactory(user=lead_assessor, scheme=scheme)
    QualificationFactory(user=outsider, scheme=scheme)
    listed = api_as(cb_staff).get(f"{API}/assessor-qualifications/").json()
    assert [q["id"] for q in listed["results"]] == [qualification.pk]
    assert listed["results"][0]["function"] == "lead"
    stranger = {"user": outsider.pk, "scheme": scheme.pk, "valid_from": "2026-01-01"}
    refused = api_as(cb_staff).post(f"{API}/assessor-qualifications/", stranger, format="json")
    assert refused.status_code == 403
    new = {
        "user": lead_assessor.pk,
        "scheme": scheme.pk,
        "function": "technical_expert",
        "technical_area": "aquaculture",
        "valid_from": "2026-01-01",
    }
    created = api_as(cb_staff).post(f"{API}/assessor-qualifications/", new, format="json")
    assert created.status_code == 201
    assert created.json()["technical_area"] == "aquaculture"
    backwards = api_as(admin_user).patch(
        f"{API}/assessor-qualifications/{created.json()['id']}/",
        {"valid_until": "2025-01-01"},
        format="json",
    )
    assert backwards.status_code == 400
    assert AssessorQualification.objects.filter(valid_until__isnull=False).count() == 0
    gone = api_as(admin_user).delete(f"{API}/assessor-qualifications/{created.json()['id']}/")
    assert gone.status_code == 204


def test_an_observation_is_acknowledged_by_the_enterprise(stage1, lead_assessor, enterprise_user):
    finding = finding_raise(
        audit=stage1, by=lead_assessor, severity="observation", description="Nên số hoá sổ."
    )
    response = api_as(enterprise_user).post(
        f"{API}/findings/{finding.pk}/transitions/acknowledge/", {}, format="json"
    )
    assert (response.status_code, response.json()["state"]) == (200, "closed")


@pytest.mark.competence_as_recorded
def test_qualification_list_queries_do_not_grow(cb_staff, body, scheme, admin_user):
    from certification.models import Role
    from certification.tests.factories import UserFactory, grant

    counts = []
    for total in (3, 15):
        while AssessorQualification.objects.count() < total:
            assessor = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
            QualificationFactory(user=assessor, scheme=scheme)
        api = api_as(cb_staff)
        counts.append(queries_of(lambda api=api: api.get(f"{API}/assessor-qualifications/")))
        assert api.get(f"{API}/assessor-qualifications/").json()["count"] == total
    assert counts[0] == counts[1]
