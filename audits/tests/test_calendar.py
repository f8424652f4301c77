"""The audit calendar: the month page shows the audits a person may see (and only those), in
a constant number of queries; the iCalendar feed opens with its own token, which a password
change retires."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.calendar import feed_token
from audits.tests import factories
from certification.models import Role
from certification.tests.factories import BodyFactory, EnterpriseFactory, UserFactory, grant
from core.clock import today

pytestmark = pytest.mark.django_db

URL = "/audits/calendar/"


def month_of(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


@pytest.fixture
def elsewhere(other_province, scheme, admin_user):
    """An audit of another body, in another province."""
    body = BodyFactory(province=other_province, code="KTCERT")
    staff = grant(UserFactory(username="staff-kt"), Role.CB_STAFF, body, by=admin_user)
    enterprise = EnterpriseFactory(province=other_province, name="Công ty Cà phê Đắk Tô")
    user = grant(UserFactory(username="ent-kt"), Role.ENTERPRISE, enterprise, by=admin_user)
    from certification.tests.factories import registered_body

    regulator = grant(UserFactory(username="reg-kt"), Role.REGULATOR, other_province, by=admin_user)
    registered_body(body, scheme, regulator=regulator, staff=staff)
    application = factories.application_in_evaluation(
        enterprise=enterprise, body=body, scheme=scheme, enterprise_user=user, cb_staff=staff
    )
    return factories.planned_audit(staff=staff, application=application)


def shown(client, user, month: str) -> set[int]:
    client.force_login(user)
    response = client.get(URL, {"month": month})
    assert response.status_code == 200
    return {a.pk for a in response.context["in_month"]}


def test_each_person_sees_the_audits_they_may_open(
    client, planned_stage1, elsewhere, cb_staff, lead_assessor, enterprise_user, outsider
):
    month = month_of(planned_stage1.planned_start)
    assert shown(client, cb_staff, month) == {planned_stage1.pk}
    assert shown(client, lead_assessor, month) == {planned_stage1.pk}
    assert shown(client, enterprise_user, month) == {planned_stage1.pk}
    assert shown(client, outsider, month) == set()
    page = client.get(URL, {"month": month}).content.decode()
    assert "Tháng này không có cuộc đánh giá nào bạn được xem." in page


def test_the_month_grid_marks_each_planned_day(client, planned_stage1, cb_staff):
    client.force_login(cb_staff)
    response = client.get(URL, {"month": month_of(planned_stage1.planned_start)})
    days = [day for week in response.context["weeks"] for day in week if day.audits]
    assert [d.date for d in days] == [
        planned_stage1.planned_start,
        planned_stage1.planned_end,
    ]  # a two-day audit shows on both days
    assert f'href="/audits/{planned_stage1.pk}/"' in response.content.decode()


def test_other_months_are_left_out_and_a_bad_month_means_this_one(client, planned_stage1, cb_staff):
    later = planned_stage1.planned_start + datetime.timedelta(days=62)
    assert shown(client, cb_staff, month_of(later)) == set()
    assert shown(client, cb_staff, "not-a-month") == shown(client, cb_staff, month_of(today()))


def test_the_page_costs_the_same_with_more_audits(
    client, planned_stage1, body, scheme, cb_staff, admin_user
):
    def count() -> int:
        client.force_login(cb_staff)
        client.get(URL)
        with CaptureQueriesContext(connection) as captured:
            client.get(URL)
        return len(captured.captured_queries)

    few = count()
    for n in range(3):
        enterprise = EnterpriseFactory(province=body.province, name=f"Công ty số {n}")
        user = grant(UserFactory(username=f"ent-{n}"), Role.ENTERPRISE, enterprise, by=admin_user)
        application = factories.application_in_evaluation(
            enterprise=enterprise, body=body, scheme=scheme, enterprise_user=user, cb_staff=cb_staff
        )
        factories.planned_audit(staff=cb_staff, application=application)
    assert len(client.get(URL).context["in_month"]) == 4
    assert count() == few


def test_the_feed_lists_the_persons_audits_as_icalendar(
    client, planned_stage1, elsewhere, lead_assessor
):
    response = client.get(f"/audits/calendar/{feed_token(lead_assessor)}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 1
    assert f"UID:audit-{planned_stage1.pk}@" in body
    assert f"DTSTART;VALUE=DATE:{planned_stage1.planned_start:%Y%m%d}" in body
    end = planned_stage1.planned_end + datetime.timedelta(days=1)  # DTEND is exclusive
    assert f"DTEND;VALUE=DATE:{end:%Y%m%d}" in body
    assert "Công ty TNHH Cà phê Chư Sê" in body.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_a_wrong_or_retired_token_opens_nothing(client, planned_stage1, lead_assessor, cb_staff):
    token = feed_token(lead_assessor)
    ident = token.partition("-")[0]
    assert client.get(f"/audits/calendar/{ident}-{'0' * 32}.ics").status_code == 404
    assert client.get("/audits/calendar/zzzzzzzzzzzzzzzzzz-1.ics").status_code == 404
    # Another person's id with this person's digest opens nothing either.
    other = feed_token(cb_staff).partition("-")[0]
    assert client.get(f"/audits/calendar/{other}-{token.partition('-')[2]}.ics").status_code == 404
    lead_assessor.set_password("a-new-Pass-2026")
    lead_assessor.save()
    assert client.get(f"/audits/calendar/{token}.ics").status_code == 404
    assert client.get(f"/audits/calendar/{feed_token(lead_assessor)}.ics").status_code == 200


def test_the_calendar_page_needs_a_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
