"""The body's management (issue 15): its management — not only the administrator — sets who
is on it and, on a complaint, the people of the body it concerns, so that complaints about the
body or about given officers go to the management and never to the people involved. Anyone
else is refused (403) and nothing changes; every change is in the history."""

import pytest
from django.core.exceptions import PermissionDenied

from certification.models import Complaint, Membership, Role
from certification.services import complaint_acknowledge, complaint_lodge
from certification.tests.factories import UserFactory, grant
from core.models import LogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(body, admin_user):
    user = grant(UserFactory(username="director"), Role.DECISION_MAKER, body, by=admin_user)
    Membership.objects.filter(user=user, organisation=body).update(manages_body=True)
    return user


@pytest.fixture
def about_a_client(body, enterprise):
    return complaint_lodge(
        body=body,
        enterprise=enterprise,
        complainant_email="a@example.vn",
        subject="Chuyên gia nhận quà của doanh nghiệp",
        description="Trong đợt đánh giá giám sát.",
    )


def _membership(user, body):
    return Membership.objects.active().get(user=user, organisation=body)


def test_the_management_puts_a_person_on_it_and_the_history_shows_it(
    client, body, manager, cb_staff
):
    client.force_login(manager)
    staff = _membership(cb_staff, body)
    response = client.post(
        f"/bodies/{body.pk}/management/",
        {"membership": staff.pk, "manages": "1", "comment": "Phó giám đốc."},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.manages_body
    page = client.get(f"/bodies/{body.pk}/management/").content.decode()
    assert "Phó giám đốc." in page and cb_staff.get_full_name() in page
    entry = LogEntry.objects.for_object(staff).get(transition="management_join")
    assert entry.actor == manager
    # Taken off again: also logged.
    client.post(f"/bodies/{body.pk}/management/", {"membership": staff.pk, "manages": "0"})
    staff.refresh_from_db()
    assert not staff.manages_body
    assert LogEntry.objects.for_object(staff).filter(transition="management_leave").exists()


def test_the_last_person_on_the_management_stays(client, body, manager):
    client.force_login(manager)
    own = _membership(manager, body)
    response = client.post(f"/bodies/{body.pk}/management/", {"membership": own.pk, "manages": "0"})
    assert response.status_code == 409
    own.refresh_from_db()
    assert own.manages_body


def test_only_the_management_or_an_administrator_changes_it(
    client, admin_client, body, cb_staff, lead_assessor, regulator, enterprise_user, manager
):
    staff = _membership(cb_staff, body)
    for user in (cb_staff, lead_assessor, regulator, enterprise_user):
        client.force_login(user)
        assert client.get(f"/bodies/{body.pk}/management/").status_code == 403
        response = client.post(
            f"/bodies/{body.pk}/management/", {"membership": staff.pk, "manages": "1"}
        )
        assert response.status_code == 403
    staff.refresh_from_db()
    assert not staff.manages_body
    assert not LogEntry.objects.filter(transition="management_join").exists()
    response = admin_client.post(
        f"/bodies/{body.pk}/management/", {"membership": staff.pk, "manages": "1"}
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.manages_body


def test_a_complaint_naming_an_officer_goes_to_the_management(
    client, about_a_client, body, manager, cb_staff, lead_assessor
):
    """Before: only a complaint about the body itself went to the management, and the people
    concerned could be named only when it was lodged."""
    client.force_login(manager)
    page = client.get(f"/complaints/{about_a_client.pk}/").content.decode()
    assert 'id="people-concerned"' in page
    response = client.post(
        f"/complaints/{about_a_client.pk}/people-concerned/",
        {"people": [cb_staff.pk], "comment": "Cán bộ phụ trách hồ sơ."},
    )
    assert response.status_code == 302
    assert list(about_a_client.people_concerned.all()) == [cb_staff]
    entry = LogEntry.objects.for_object(about_a_client).get(transition="people_concerned")
    assert entry.data == {"before": [], "after": [cb_staff.pk]} and entry.actor == manager
    with pytest.raises(PermissionDenied):
        complaint_acknowledge(complaint=about_a_client, by=cb_staff)
    assert complaint_acknowledge(complaint=about_a_client, by=manager).state == "investigating"


def test_only_the_management_names_the_people_concerned(
    client, about_a_client, manager, cb_staff, enterprise_user, outsider
):
    for user in (cb_staff, enterprise_user):
        client.force_login(user)
        response = client.post(
            f"/complaints/{about_a_client.pk}/people-concerned/", {"people": [cb_staff.pk]}
        )
        assert response.status_code == 403
    client.force_login(outsider)
    response = client.post(
        f"/complaints/{about_a_client.pk}/people-concerned/", {"people": [cb_staff.pk]}
    )
    assert response.status_code == 404  # the complaint stays invisible
    # A stranger to the body may not be named.
    stranger = UserFactory()
    client.force_login(manager)
    response = client.post(
        f"/complaints/{about_a_client.pk}/people-concerned/", {"people": [stranger.pk]}
    )
    assert response.status_code == 400
    assert not about_a_client.people_concerned.exists()
    assert not LogEntry.objects.filter(transition="people_concerned").exists()
    # Officers of the body do not see the form, the management does.
    client.force_login(cb_staff)
    assert 'name="people"' not in client.get(f"/complaints/{about_a_client.pk}/").content.decode()
    assert Complaint.objects.get().state == "received"
