"""The notification centre, the header counter and the e-mail preferences page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Category, Notification, NotificationPreference
from notifications.selectors import email_preferences_of
from notifications.services import (
    Message,
    notification_mark_read,
    notifications_deliver,
    notifications_mark_all_read,
)

pytestmark = pytest.mark.django_db


def notify(user, n: int, *, event: str = "test.event") -> None:
    notifications_deliver(
        messages=[
            Message(
                recipient=user,
                event=event,
                category=Category.APPLICATIONS,
                subject=None,
                period=f"{event}:{i}",
                render=lambda i=i: (f"Thông báo số {i}", "Nội dung"),
            )
            for i in range(n)
        ]
    )


def test_the_centre_asks_visitors_to_sign_in(client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302
    assert reverse("login") in response.url


def test_the_centre_lists_only_ones_own_notifications_unread_first(
    client, enterprise_user, cb_staff
):
    notify(enterprise_user, 3)
    notify(cb_staff, 1, event="other.event")
    first = Notification.objects.filter(recipient=enterprise_user).order_by("pk").first()
    notification_mark_read(notification=first, by=enterprise_user)
    client.force_login(enterprise_user)

    response = client.get(reverse("notifications:list"))

    titles = [n.title for n in response.context["page"].object_list]
    assert titles == ["Thông báo số 2", "Thông báo số 1", "Thông báo số 0"]
    assert list(response.context["page"].object_list)[-1].read_at is not None
    body = response.content.decode()
    assert "fw-bold" in body
    assert "other.event" not in body


def test_the_header_counts_unread_notifications(client, enterprise_user):
    notify(enterprise_user, 2)
    client.force_login(enterprise_user)

    response = client.get(reverse("notifications:list"))

    assert 'id="nav-notifications"' in response.content.decode()
    assert response.context["unread_notifications"]() == 2


def test_the_empty_centre_says_so(client, enterprise_user):
    client.force_login(enterprise_user)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_marking_one_read_changes_only_that_one(client, enterprise_user):
    notify(enterprise_user, 2)
    one, other = Notification.objects.filter(recipient=enterprise_user).order_by("pk")
    client.force_login(enterprise_user)

    response = client.post(reverse("notifications:read", args=[one.pk]))

    assert response.status_code == 302
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at is not None
    assert other.read_at is None


def test_marking_read_goes_on_to_the_page_it_names_on_this_site_only(client, enterprise_user):
    notify(enterprise_user, 1)
    notification = Notification.objects.get(recipient=enterprise_user)
    client.force_login(enterprise_user)
    url = reverse("notifications:read", args=[notification.pk])

    inside = client.post(url, {"next": "/applications/7/"})
    outside = client.post(url, {"next": "https://evil.example.com/"})

    assert inside.url == "/applications/7/"
    assert outside.url == reverse("notifications:list")


def test_someone_elses_notification_is_not_found(client, enterprise_user, cb_staff):
    notify(cb_staff, 1)
    notification = Notification.objects.get(recipient=cb_staff)
    client.force_login(enterprise_user)

    response = client.post(reverse("notifications:read", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_a_post(client, enterprise_user):
    notify(enterprise_user, 1)
    notification = Notification.objects.get(recipient=enterprise_user)
    client.force_login(enterprise_user)

    assert client.get(reverse("notifications:read", args=[notification.pk])).status_code == 405


def test_marking_all_read_reads_ones_own_and_no_one_elses(client, enterprise_user, cb_staff):
    notify(enterprise_user, 3)
    notify(cb_staff, 2)
    client.force_login(enterprise_user)

    client.post(reverse("notifications:read_all"))

    assert not Notification.objects.filter(recipient=enterprise_user, read_at=None).exists()
    assert Notification.objects.filter(recipient=cb_staff, read_at=None).count() == 2
    assert notifications_mark_all_read(by=enterprise_user) == 0


def test_the_centre_costs_the_same_queries_for_three_or_forty_notifications(
    client, enterprise_user
):
    client.force_login(enterprise_user)
    notify(enterprise_user, 3)
    client.get(reverse("notifications:list"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    notify(enterprise_user, 40, event="more.event")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("notifications:list"))

    assert len(response.context["page"].object_list) == 25
    assert len(many) == len(few)


def test_the_counter_costs_one_query_and_none_for_visitors(rf, enterprise_user):
    from django.contrib.auth.models import AnonymousUser

    from notifications.context_processors import unread

    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as anonymous:
        assert unread(request) == {}
    request.user = enterprise_user
    with CaptureQueriesContext(connection) as signed_in:
        count = unread(request)["unread_notifications"]
        assert (count(), count()) == (0, 0)

    assert len(anonymous) == 0
    assert len(signed_in) == 1


def test_preferences_switch_email_off_and_on_per_category(client, enterprise_user):
    client.force_login(enterprise_user)

    page = client.get(reverse("notifications:preferences"))
    response = client.post(
        reverse("notifications:preferences"),
        {c: "on" for c in Category.values if c not in ("reminders", "audits")},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    chosen = email_preferences_of(enterprise_user)
    assert chosen["reminders"] is False
    assert chosen["audits"] is False
    assert chosen["applications"] is True
    client.post(reverse("notifications:preferences"), dict.fromkeys(Category.values, "on"))
    assert all(email_preferences_of(enterprise_user).values())
    assert NotificationPreference.objects.filter(user=enterprise_user).count() == len(
        Category.values
    )


def test_a_read_notification_keeps_its_first_read_time(enterprise_user):
    notify(enterprise_user, 1)
    notification = Notification.objects.get(recipient=enterprise_user)
    first = notification_mark_read(notification=notification, by=enterprise_user).read_at
    notification_mark_read(notification=notification, by=enterprise_user)

    notification.refresh_from_db()
    assert notification.read_at == first
    assert notification.read_at <= timezone.now()
