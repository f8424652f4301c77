"""The competence matrix and impartiality (issue 15, problems 1, 2 and 6): who may join a team,
review and decide, checked on the day it matters, with the reason shown on the page and in
the API; the team picker; the enterprise's objection to a team member; nobody approves the
report of an audit they were on.

Every test here records the competence it relies on (no standing records for the cast)."""

import datetime
import html
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format

from audits.models import Audit, TeamObjection
from audits.services import (
    audit_approve_report,
    audit_plan,
    audit_start,
    audit_team_add,
)
from audits.services_people import objection_raise, objection_uphold
from audits.tests.factories import (
    QualificationFactory,
    closed_audit,
    planned_audit,
    sign,
    started_audit,
    submit_report,
)
from certification.models import BodyConflict, ConflictDeclaration, Role
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_start_review,
    application_submit,
    application_submit_for_decision,
)
from certification.tests.factories import UserFactory, grant
from core.clock import as_of, today
from core.exceptions import DomainError
from core.services import history_of
from core.tests.api_helpers import API, api_as

pytestmark = [pytest.mark.django_db, pytest.mark.competence_as_recorded]


def competent(user, scheme, function="auditor", **fields):
    fields.setdefault("witnessed_on", today() - datetime.timedelta(days=100))
    return QualificationFactory(user=user, scheme=scheme, function=function, **fields)


def plan(application, staff):
    return audit_plan(
        application=application,
        kind=Audit.Kind.STAGE1,
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=1),
        by=staff,
    )


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


# --- Problem 1: every team member, the reviewer and the decision maker ----------------------


def test_a_team_member_without_a_competence_record_is_refused_with_the_reason(
    application, cb_staff, member, scheme
):
    """Issue 15, problem 1: only the lead's competence was checked; a member with no record
    at all used to join the team."""
    audit = plan(application, cb_staff)
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=member, role="member", by=cb_staff)
    assert exc.value.code == "member_not_qualified"
    assert member.get_full_name() in exc.value.message
    assert not audit.team.exists()
    competent(member, scheme)
    audit_team_add(audit=audit, user=member, role="member", by=cb_staff)
    assert audit.team.get().user == member


def test_a_technical_expert_needs_a_record_in_the_clients_technical_area(
    application, cb_staff, member, scheme, enterprise
):
    """Issue 15, problem 1: technical areas (the client's sector) were not used for
    competence."""
    assert enterprise.sector == "crop"
    audit = plan(application, cb_staff)
    competent(member, scheme, "technical_expert", technical_area="aquaculture")
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=member, role="expert", by=cb_staff)
    assert exc.value.code == "member_not_qualified"
    assert "Crop production" in exc.value.message or "Trồng trọt" in exc.value.message
    competent(member, scheme, "technical_expert", technical_area="crop")
    assert audit_team_add(audit=audit, user=member, role="expert", by=cb_staff).role == "expert"


def test_an_auditor_not_witnessed_for_three_years_is_refused(application, cb_staff, member, scheme):
    """Issue 15, problem 1: there were no records of witnessing; an auditor must have been
    witnessed auditing within 3 years."""
    audit = plan(application, cb_staff)
    record = competent(
        member, scheme, witnessed_on=today() - relativedelta(years=3) - datetime.timedelta(days=1)
    )
    with pytest.raises(DomainError) as exc:
        audit_team_add(audit=audit, user=member, role="member", by=cb_staff)
    assert exc.value.code == "member_not_qualified"
    assert "3" in exc.value.message
    record.witnessed_on = today() - relativedelta(years=3)
    record.save(update_fields=["witnessed_on"])
    audit_team_add(audit=audit, user=member, role="member", by=cb_staff)


def test_competence_is_checked_again_at_the_declaration_and_at_the_start(
    application, cb_staff, lead_assessor, member, scheme
):
    """Issue 15, problem 1: a member whose record ends before the audit starts is stopped at
    the declaration and at the start, with the reason."""
    competent(lead_assessor, scheme, "lead")
    competent(member, scheme, valid_until=today())
    audit = planned_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=application,
        members=[(member, "member")],
        signed=False,
    )
    sign(audit, lead_assessor)
    tomorrow = today() + datetime.timedelta(days=1)
    with as_of(tomorrow), pytest.raises(DomainError) as exc:
        sign(audit, member)
    assert exc.value.code == "member_not_qualified"
    sign(audit, member)
    with as_of(tomorrow), pytest.raises(DomainError) as exc:
        audit_start(audit=audit, by=lead_assessor)
    assert exc.value.code == "member_not_qualified"
    assert member.get_full_name() in exc.value.message
    assert audit_start(audit=audit, by=lead_assessor).state == "in_progress"


@pytest.fixture
def evaluated(application, cb_staff, lead_assessor, scheme):
    """The application with its stage 1 and stage 2 closed: ready for the technical review."""
    competent(lead_assessor, scheme, "lead")
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage1")
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind="stage2")
    return application


def test_the_technical_reviewer_and_the_decision_maker_need_a_competence_record(
    evaluated, cb_staff, decider, scheme
):
    """Issue 15, problem 1: technical reviewers and decision makers had no competence
    records; now each is checked at their step (API: 409 with the reason)."""
    url = f"{API}/applications/{evaluated.pk}/transitions/submit_for_decision/"
    refused = api_as(cb_staff).post(url, {"technical_review_note": "Đầy đủ."}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "technical_reviewer_not_qualified"
    assert cb_staff.get_full_name() in refused.json()["detail"]
    evaluated.refresh_from_db()
    assert evaluated.state == "in_evaluation"
    competent(cb_staff, scheme, "technical_reviewer")
    done = api_as(cb_staff).post(url, {"technical_review_note": "Đầy đủ."}, format="json")
    assert done.status_code == 200

    grant_url = f"{API}/applications/{evaluated.pk}/transitions/grant/"
    refused = api_as(decider).post(grant_url, {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "decision_maker_not_qualified")
    assert decider.get_full_name() in refused.json()["detail"]
    competent(decider, scheme, "decision_maker", technical_area="crop")
    assert application_grant(application=evaluated, by=decider).state == "active"


def test_the_decision_page_shows_why_the_decision_maker_is_refused(
    evaluated, cb_staff, decider, scheme, client
):
    competent(cb_staff, scheme, "technical_reviewer")
    application_submit_for_decision(
        application=evaluated, by=cb_staff, technical_review_note="Hồ sơ đầy đủ."
    )
    client.force_login(decider)
    response = client.post(f"/applications/{evaluated.pk}/transitions/grant/")
    assert response.status_code == 409
    assert decider.get_full_name() in _text(response)
    evaluated.refresh_from_db()
    assert evaluated.state == "decision_pending"


# --- Acceptance 4: the team picker refuses, with the reason (page and API) ------------------


@pytest.fixture
def cooling_off_member(member, enterprise, scheme):
    """A qualified assessor whose consultancy for the client ended last month."""
    competent(member, scheme)
    ConflictDeclaration.objects.create(
        user=member,
        enterprise=enterprise,
        description="Tư vấn xây dựng hệ thống truy xuất",
        ended_on=today() - datetime.timedelta(days=30),
    )
    return member


def test_the_team_page_refuses_an_unqualified_member_with_the_reason(
    application, cb_staff, other_assessor, client
):
    audit = plan(application, cb_staff)
    client.force_login(cb_staff)
    response = client.post(
        f"/audits/{audit.pk}/team/", {"user": other_assessor.pk, "role": "member"}
    )
    assert response.status_code == 409
    text = _text(response)
    assert other_assessor.get_full_name() in text
    assert "năng lực" in text or "competence record" in text
    assert not audit.team.exists()


def test_the_team_page_refuses_a_member_in_cooling_off_with_the_reason(
    application, cb_staff, cooling_off_member, client
):
    """Issue 15, problem 2: a consultancy that ended last month blocked no one."""
    audit = plan(application, cb_staff)
    client.force_login(cb_staff)
    response = client.post(
        f"/audits/{audit.pk}/team/", {"user": cooling_off_member.pk, "role": "member"}
    )
    assert response.status_code == 409
    text = _text(response)
    assert "Tư vấn xây dựng hệ thống truy xuất" in text
    until = today() - datetime.timedelta(days=30) + relativedelta(years=2)
    with translation.override("vi"):
        assert date_format(until, "SHORT_DATE_FORMAT") in text
    assert not audit.team.exists()


def test_the_team_api_refuses_an_unqualified_member_and_one_in_cooling_off(
    application, cb_staff, other_assessor, cooling_off_member
):
    audit = plan(application, cb_staff)
    api = api_as(cb_staff)
    url = f"{API}/audits/{audit.pk}/team/"
    unqualified = api.post(url, {"user": other_assessor.pk, "role": "member"}, format="json")
    assert unqualified.status_code == 409
    assert unqualified.json()["code"] == "member_not_qualified"
    assert other_assessor.get_full_name() in unqualified.json()["detail"]
    cooling = api.post(url, {"user": cooling_off_member.pk, "role": "member"}, format="json")
    assert cooling.status_code == 409
    assert cooling.json()["code"] == "conflict_declared"
    assert "Tư vấn xây dựng hệ thống truy xuất" in cooling.json()["detail"]
    assert not audit.team.exists()


def test_a_tie_that_ended_before_the_cooling_off_no_longer_bars(
    application, cb_staff, cooling_off_member, scheme
):
    scheme.cooling_off_years = 1
    scheme.save(update_fields=["cooling_off_years"])
    ConflictDeclaration.objects.filter(user=cooling_off_member).update(
        ended_on=today() - relativedelta(years=1, days=1)
    )
    audit = plan(application, cb_staff)
    audit_team_add(audit=audit, user=cooling_off_member, role="member", by=cb_staff)


def test_the_team_picker_shows_qualification_conflicts_and_other_audits(
    application, cb_staff, lead_assessor, cooling_off_member, other_assessor, scheme, client
):
    competent(lead_assessor, scheme, "lead")
    audit = plan(application, cb_staff)
    client.force_login(cb_staff)
    response = client.get(f"/audits/{audit.pk}/")
    picker = _text(response).split('id="candidates"')[1].split("</table>")[0]
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r'<tr data-user="(\d+)">(.*?)</tr>', picker)
    }
    assert (
        "Lead auditor" in rows[str(lead_assessor.pk)]
        or "Trưởng đoàn" in rows[str(lead_assessor.pk)]
    )
    assert "Tư vấn xây dựng hệ thống truy xuất" in rows[str(cooling_off_member.pk)]
    assert other_assessor.get_full_name() in rows[str(other_assessor.pk)]
    data = api_as(cb_staff).get(f"{API}/audits/{audit.pk}/candidates/").json()
    by_user = {c["user"]: c for c in data}
    assert by_user[other_assessor.pk]["refusals"]["member"]
    assert by_user[cooling_off_member.pk]["conflicts"]
    assert by_user[lead_assessor.pk]["refusals"]["lead"] == ""


def test_the_team_picker_lists_other_audits_on_the_same_dates_in_constant_queries(
    application,
    other_enterprise,
    cb_staff,
    lead_assessor,
    body,
    scheme,
    admin_user,
    other_enterprise_user,
    client,
    registration,
):
    """The picker's queries do not grow with the number of candidates (no N+1)."""
    from audits.tests.factories import application_in_evaluation

    competent(lead_assessor, scheme, "lead")
    other = application_in_evaluation(
        enterprise=other_enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=other_enterprise_user,
        cb_staff=cb_staff,
    )
    busy = planned_audit(staff=cb_staff, lead=lead_assessor, application=other, signed=False)
    audit = plan(application, cb_staff)
    client.force_login(cb_staff)

    def count() -> int:
        client.get(f"/audits/{audit.pk}/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/audits/{audit.pk}/")
        assert response.status_code == 200
        return len(captured.captured_queries), _text(response)

    small, page = count()
    assert f"/audits/{busy.pk}/" in page.split('id="candidates"')[1]
    for n in range(6):
        person = grant(UserFactory(username=f"assessor-x{n}"), Role.ASSESSOR, body, by=admin_user)
        competent(person, scheme)
        ConflictDeclaration.objects.create(
            user=person, enterprise=application.enterprise, description=f"Quan hệ {n}"
        )
    before = page.count("<tr data-user=")  # the lead and the auditors the registration needs
    large, page = count()
    assert page.count("<tr data-user=") == before + 6
    assert large == small
    api = api_as(cb_staff)
    api.get(f"{API}/audits/{audit.pk}/candidates/")
    with CaptureQueriesContext(connection) as captured:
        assert len(api.get(f"{API}/audits/{audit.pk}/candidates/").json()) == before + 6
    api_large = len(captured.captured_queries)
    assert api_large <= small


# --- Problem 2: the reviewer's conflicts, body-level conflicts ------------------------------


def test_the_technical_reviewers_declared_conflict_is_checked(
    evaluated, cb_staff, enterprise, scheme
):
    """Issue 15, problem 2: the technical reviewer's declared conflicts were never checked."""
    competent(cb_staff, scheme, "technical_reviewer")
    ConflictDeclaration.objects.create(
        user=cb_staff,
        enterprise=enterprise,
        description="Từng làm kế toán cho doanh nghiệp",
        ended_on=today() - relativedelta(months=6),
    )
    with pytest.raises(PermissionDenied) as exc:
        application_submit_for_decision(
            application=evaluated, by=cb_staff, technical_review_note="Đầy đủ."
        )
    assert "conflict" in str(exc.value) or "xung đột" in str(exc.value)
    evaluated.refresh_from_db()
    assert evaluated.state == "in_evaluation"


def _under_review(enterprise, body, scheme, enterprise_user, cb_staff):
    from audits.tests.factories import SCOPE

    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )
    application = application_submit(application=application, by=enterprise_user)
    return application_start_review(application=application, by=cb_staff)


def test_a_body_conflict_blocks_accepting_the_application(
    enterprise, body, scheme, enterprise_user, cb_staff, registration, client
):
    """Issue 15, problem 2: there were no body-level conflicts; a related body's consultancy
    within the cooling-off now blocks acceptance, with the reason."""
    conflict = BodyConflict.objects.create(
        body=body,
        enterprise=enterprise,
        kind=BodyConflict.Kind.RELATED_CONSULTANCY,
        related_body_name="Công ty Tư vấn Chất lượng Tây Nguyên",
        description="Tư vấn xây dựng hệ thống truy xuất năm 2025",
        ended_on=today() - relativedelta(years=1),
        recorded_by=cb_staff,
    )
    application = _under_review(enterprise, body, scheme, enterprise_user, cb_staff)
    with pytest.raises(DomainError) as exc:
        application_accept(
            application=application,
            by=cb_staff,
            contract_reference="HĐ-1",
            scope_within_competence=True,
        )
    assert exc.value.code == "body_conflict"
    assert "Tư vấn xây dựng hệ thống truy xuất năm 2025" in exc.value.message
    client.force_login(cb_staff)
    response = client.post(
        f"/applications/{application.pk}/transitions/accept/",
        {"contract_reference": "HĐ-1", "scope_within_competence": "on"},
    )
    assert response.status_code == 409
    assert "Tư vấn xây dựng hệ thống truy xuất năm 2025" in _text(response)
    conflict.ended_on = today() - relativedelta(years=2, days=1)
    conflict.save(update_fields=["ended_on"])
    accepted = application_accept(
        application=application,
        by=cb_staff,
        contract_reference="HĐ-1",
        scope_within_competence=True,
    )
    assert accepted.state == "in_evaluation"


# --- Objections of the enterprise -----------------------------------------------------------


def test_the_enterprise_objects_to_a_team_member_and_the_officer_must_resolve_it(
    application, cb_staff, lead_assessor, member, scheme, enterprise_user
):
    competent(lead_assessor, scheme, "lead")
    competent(member, scheme)
    audit = planned_audit(
        staff=cb_staff, lead=lead_assessor, application=application, members=[(member, "member")]
    )
    response = api_as(enterprise_user).post(
        f"{API}/audits/{audit.pk}/objections/",
        {"member": member.pk, "reason": "Từng làm việc cho đối thủ cạnh tranh trực tiếp."},
        format="json",
    )
    assert response.status_code == 201
    objection = TeamObjection.objects.get(pk=response.json()["id"])
    with pytest.raises(DomainError) as exc:
        audit_start(audit=audit, by=lead_assessor)
    assert exc.value.code == "objection_open"
    refused = api_as(lead_assessor).post(
        f"{API}/audits/{audit.pk}/objections/{objection.pk}/uphold/",
        {"comment": "Đồng ý."},
        format="json",
    )
    assert refused.status_code == 403
    upheld = api_as(cb_staff).post(
        f"{API}/audits/{audit.pk}/objections/{objection.pk}/uphold/",
        {"comment": "Thay chuyên gia khác."},
        format="json",
    )
    assert (upheld.status_code, upheld.json()["state"]) == (200, "upheld")
    assert not audit.team.filter(user=member).exists()
    assert [e.transition for e in history_of(objection)] == ["raise", "uphold"]
    assert audit_start(audit=audit, by=lead_assessor).state == "in_progress"
    with pytest.raises(DomainError):
        objection_raise(audit=audit, member=lead_assessor, reason="Muộn.", by=enterprise_user)


def test_only_the_audited_enterprise_objects_and_a_dismissal_keeps_the_member(
    application, cb_staff, lead_assessor, scheme, enterprise_user, other_enterprise_user, client
):
    competent(lead_assessor, scheme, "lead")
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=application)
    with pytest.raises(PermissionDenied):
        objection_raise(audit=audit, member=lead_assessor, reason="?", by=other_enterprise_user)
    client.force_login(enterprise_user)
    response = client.post(
        f"/audits/{audit.pk}/objections/",
        {"member": lead_assessor.pk, "reason": "Quen biết giám đốc."},
    )
    assert response.status_code == 302
    objection = audit.objections.get()
    client.force_login(cb_staff)
    page = client.get(f"/audits/{audit.pk}/")
    assert "Quen biết giám đốc." in _text(page)
    response = client.post(
        f"/audits/{audit.pk}/objections/{objection.pk}/dismiss/",
        {"comment": "Không có quan hệ lợi ích."},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.resolution) == ("dismissed", "Không có quan hệ lợi ích.")
    assert audit.team.filter(user=lead_assessor).exists()
    with pytest.raises(DomainError):
        objection_uphold(objection=objection, by=cb_staff, comment="x")


# --- Problem 6: nobody approves a report of an audit they were on ---------------------------


@pytest.fixture
def officer_on_team(body, admin_user, cb_staff, scheme):
    """An officer of the body who is also one of its assessors."""
    grant(cb_staff, Role.ASSESSOR, body, by=admin_user)
    competent(cb_staff, scheme)
    return cb_staff


@pytest.fixture
def submitted_with_officer(application, officer_on_team, lead_assessor, scheme):
    competent(lead_assessor, scheme, "lead")
    audit = started_audit(
        staff=officer_on_team,
        lead=lead_assessor,
        application=application,
        members=[(officer_on_team, "member")],
    )
    return submit_report(audit, lead_assessor)


def test_an_officer_may_not_approve_the_report_of_an_audit_they_were_on(
    submitted_with_officer, officer_on_team, body, admin_user
):
    """Issue 15, problem 6: an officer who was on the team could approve its report."""
    with pytest.raises(PermissionDenied) as exc:
        audit_approve_report(audit=submitted_with_officer, by=officer_on_team)
    assert "team" in str(exc.value) or "thành viên đoàn" in str(exc.value)
    submitted_with_officer.refresh_from_db()
    assert submitted_with_officer.state == "report_submitted"
    colleague = grant(UserFactory(username="staff2"), Role.CB_STAFF, body, by=admin_user)
    assert audit_approve_report(audit=submitted_with_officer, by=colleague).state == "closed"


def test_the_page_and_the_api_refuse_the_approval_with_the_reason(
    submitted_with_officer, officer_on_team, client
):
    client.force_login(officer_on_team)
    page = client.get(f"/audits/{submitted_with_officer.pk}/")
    reasons = (
        "You were on this audit's team, so you may not approve its report.",
        "Bạn là thành viên đoàn của cuộc đánh giá này nên không được phê duyệt báo cáo của nó.",
    )
    assert any(reason in _text(page) for reason in reasons)
    response = client.post(f"/audits/{submitted_with_officer.pk}/transitions/approve_report/")
    assert response.status_code == 403
    api = api_as(officer_on_team).post(
        f"{API}/audits/{submitted_with_officer.pk}/transitions/approve_report/", {}, format="json"
    )
    assert api.status_code == 403
    assert api.json()["detail"] in _text(response)
    submitted_with_officer.refresh_from_db()
    assert submitted_with_officer.state == "report_submitted"
