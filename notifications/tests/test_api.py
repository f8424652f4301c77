"""The notifications API: the current user's notifications, marking one or all read."""

import pytest
from django.core.cache import cache

from core.tests.api_helpers import API, api_as, queries_of
from notifications.models import Notification
from notifications.services import Message, notifications_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def tell(user, n: int) -> None:
    notifications_deliver(
        messages=[
            Message(
                recipient=user,
                event="test",
                category="applications",
                subject=None,
                period=str(k),
                render=lambda k=k: (f"Thông báo {k}", "Nội dung"),
            )
            for k in range(n)
        ]
    )


def test_a_user_lists_and_reads_their_own_notifications(enterprise_user, cb_staff):
    tell(enterprise_user, 2)
    tell(cb_staff, 1)
    api = api_as(enterprise_user)
    listed = api.get(f"{API}/notifications/").json()
    assert listed["count"] == 2
    first = listed["results"][0]
    read = api.post(f"{API}/notifications/{first['id']}/read/", {}, format="json")
    assert (read.status_code, read.json()["is_read"]) == (200, True)
    assert api.get(f"{API}/notifications/?is_read=false").json()["count"] == 1
    everything = api.post(f"{API}/notifications/read-all/", {}, format="json")
    assert everything.json() == {"marked": 1}
    assert Notification.objects.filter(recipient=cb_staff, read_at__isnull=True).count() == 1


def test_someone_elses_notification_is_404(enterprise_user, cb_staff):
    tell(cb_staff, 1)
    theirs = Notification.objects.get()
    api = api_as(enterprise_user)
    assert api.get(f"{API}/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"{API}/notifications/{theirs.pk}/read/", {}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_list_queries_do_not_grow(enterprise_user):
    counts = []
    for total in (3, 15):
        tell(enterprise_user, total)
        api = api_as(enterprise_user)
        counts.append(queries_of(lambda api=api: api.get(f"{API}/notifications/?page_size=100")))
    assert counts[0] == counts[1]
