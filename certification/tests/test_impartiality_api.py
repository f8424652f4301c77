"""The impartiality register through the API (issue 15): the body's officers list, read and
record risks and committee meetings with their decisions; the body's decision makers and the
regulators of the body's province read them; everyone else sees nothing (404 on detail)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import CommitteeDecision, CommitteeMeeting, ImpartialityRisk, Role
from certification.services.impartiality import meeting_record, risk_record
from certification.tests.factories import BodyFactory, UserFactory, grant
from core.tests.api_helpers import API, api_as

pytestmark = pytest.mark.django_db

RISK = {
    "title": "Chuyên gia từng tư vấn cho khách hàng",
    "source": "self_review",
    "description": "Một chuyên gia đánh giá đã tư vấn cho doanh nghiệp năm 2024.",
    "likelihood": "medium",
    "impact": "high",
    "controls": "Không phân công chuyên gia này trong 2 năm.",
    "identified_on": "2026-03-01",
}


def a_risk(body, by, **fields):
    data = {**RISK, "identified_on": datetime.date(2026, 3, 1), **fields}
    return risk_record(body=body, by=by, **data)


def a_meeting(body, by):
    return meeting_record(
        body=body, by=by, held_on=datetime.date(2026, 6, 1), attendees="Ông A (hiệp hội)"
    )


def test_an_officer_records_a_risk_and_a_meeting_with_a_decision(cb_staff, body):
    api = api_as(cb_staff)
    created = api.post(f"{API}/impartiality-risks/", {**RISK, "body": body.pk}, format="json")
    assert created.status_code == 201, created.content
    risk = ImpartialityRisk.objects.get()
    assert (risk.body, risk.recorded_by, risk.state) == (body, cb_staff, "open")
    meeting = api.post(
        f"{API}/impartiality-meetings/",
        {"body": body.pk, "held_on": "2026-06-01", "attendees": "Bà B (người tiêu dùng)"},
        format="json",
    )
    assert meeting.status_code == 201, meeting.content
    decided = api.post(
        f"{API}/impartiality-meetings/{meeting.json()['id']}/decisions/",
        {"text": "Rà soát lại phân công.", "risk": risk.pk, "due_on": "2026-07-01"},
        format="json",
    )
    assert decided.status_code == 201, decided.content
    assert [d["text"] for d in decided.json()["decisions"]] == ["Rà soát lại phân công."]
    closed = api.post(
        f"{API}/impartiality-risks/{risk.pk}/transitions/close/",
        {"comment": "Chuyên gia đã nghỉ việc."},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = api.post(
        f"{API}/impartiality-risks/{risk.pk}/transitions/close/", {"comment": "…"}, format="json"
    )
    assert again.status_code == 409


def test_the_regulator_of_the_bodys_province_and_its_decision_maker_only_read(
    cb_staff, decider, regulator, body
):
    risk = a_risk(body, cb_staff)
    meeting = a_meeting(body, cb_staff)
    for reader in (decider, regulator):
        api = api_as(reader)
        assert [r["id"] for r in api.get(f"{API}/impartiality-risks/").json()["results"]] == [
            risk.pk
        ]
        assert api.get(f"{API}/impartiality-meetings/{meeting.pk}/").status_code == 200
        refused = api.post(f"{API}/impartiality-risks/", {**RISK, "body": body.pk}, format="json")
        assert refused.status_code == 403
        refused = api.post(
            f"{API}/impartiality-meetings/{meeting.pk}/decisions/", {"text": "…"}, format="json"
        )
        assert refused.status_code == 403
        refused = api.post(
            f"{API}/impartiality-risks/{risk.pk}/transitions/close/",
            {"comment": "…"},
            format="json",
        )
        assert refused.status_code == 403
    assert ImpartialityRisk.objects.count() == 1 and not CommitteeDecision.objects.exists()
    assert ImpartialityRisk.objects.get().state == "open"


def test_others_see_nothing(
    cb_staff, body, other_province, enterprise_user, lead_assessor, outsider, admin_user
):
    risk = a_risk(body, cb_staff)
    meeting = a_meeting(body, cb_staff)
    elsewhere = grant(UserFactory(username="reg-kt"), Role.REGULATOR, other_province, by=admin_user)
    other_body = BodyFactory(province=other_province, code="KTCERT")
    other_staff = grant(UserFactory(username="kt-staff"), Role.CB_STAFF, other_body, by=admin_user)
    for user in (elsewhere, other_staff, enterprise_user, lead_assessor, outsider):
        api = api_as(user)
        assert api.get(f"{API}/impartiality-risks/").json()["results"] == []
        assert api.get(f"{API}/impartiality-meetings/").json()["results"] == []
        assert api.get(f"{API}/impartiality-risks/{risk.pk}/").status_code == 404
        assert api.get(f"{API}/impartiality-meetings/{meeting.pk}/").status_code == 404
    assert api_as().get(f"{API}/impartiality-risks/").status_code == 401
    # An officer of another body may not write into this body's register.
    refused = api_as(other_staff).post(
        f"{API}/impartiality-risks/", {**RISK, "body": body.pk}, format="json"
    )
    assert refused.status_code == 403 and ImpartialityRisk.objects.count() == 1


def test_a_decision_names_only_a_risk_of_the_same_body(cb_staff, body, admin_user):
    other_body = BodyFactory(code="KTCERT")
    other_staff = grant(UserFactory(username="kt-staff"), Role.CB_STAFF, other_body, by=admin_user)
    foreign = a_risk(other_body, other_staff)
    meeting = a_meeting(body, cb_staff)
    refused = api_as(cb_staff).post(
        f"{API}/impartiality-meetings/{meeting.pk}/decisions/",
        {"text": "…", "risk": foreign.pk},
        format="json",
    )
    assert refused.status_code == 400 and "risk" in refused.json()["errors"]
    assert not CommitteeDecision.objects.exists()


@pytest.mark.parametrize("path", ["impartiality-risks", "impartiality-meetings"])
def test_the_lists_are_paginated_with_constant_queries(path, cb_staff, regulator, body):
    api = api_as(regulator)

    def add(n):
        for _i in range(n):
            risk = a_risk(body, cb_staff)
            meeting = a_meeting(body, cb_staff)
            CommitteeDecision.objects.create(meeting=meeting, text="…", risk=risk)

    add(2)
    with CaptureQueriesContext(connection) as few:
        first = api.get(f"{API}/{path}/")
    add(30)
    with CaptureQueriesContext(connection) as many:
        page = api.get(f"{API}/{path}/").json()
    assert first.status_code == 200
    assert page["count"] == 32 and len(page["results"]) == 25 and page["next"]
    assert len(many) == len(few)
    assert CommitteeMeeting.objects.count() == 32
