"""Batch e-mail delivery (performance.md, target 7): one task sends a batch over one
connection, outcomes are written in bulk, and a retried batch sends nothing twice."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.tests.factories import UserFactory
from notifications.models import Notification
from notifications.services import (
    EmailBatchInterrupted,
    Message,
    notification_emails_send,
    notifications_deliver,
)
from notifications.tasks import send_notification_emails
from notifications.tests.backends import CountingBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def counting_backend(settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.CountingBackend"
    CountingBackend.opened = CountingBackend.sends = 0
    CountingBackend.fail_on = frozenset()
    yield CountingBackend


def _pending(n: int, *, without_email: int = 0) -> list[int]:
    people = [UserFactory(username=f"nguoi{k}", email=f"nguoi{k}@example.vn") for k in range(n)]
    for person in people[:without_email]:
        person.email = ""
        person.save(update_fields=["email"])
    messages = [
        Message(
            recipient=person,
            event="test.batch",
            category="applications",
            subject=None,
            period="p1",
            render=lambda: ("Hồ sơ đã nộp", "Nội dung."),
        )
        for person in people
    ]
    from django.test.utils import override_settings

    # Store them without running the batch task (as if the broker held it).
    with override_settings(NOTIFICATIONS_EMAIL_BATCH_SIZE=10_000):
        from unittest import mock

        with mock.patch("notifications.tasks.send_notification_emails.delay"):
            notifications_deliver(messages=messages)
    return list(Notification.objects.order_by("pk").values_list("pk", flat=True))


def test_a_batch_goes_over_one_connection_and_is_recorded_in_bulk():
    ids = _pending(30, without_email=2)  # skipped when delivered: no address
    counts = notification_emails_send(notification_ids=ids, final=False)
    assert counts == {"sent": 28, "skipped": 0, "failed": 0, "pending": 0, "not_claimed": 2}
    assert CountingBackend.opened == 1
    assert len(mail.outbox) == 28
    assert Notification.objects.filter(email_status="sent", emailed_at__isnull=False).count() == 28
    assert Notification.objects.filter(email_status="skipped").count() == 2


def test_a_recipient_without_address_at_send_time_is_skipped():
    ids = _pending(3)
    Notification.objects.get(pk=ids[1]).recipient.__class__.objects.filter(
        notifications__pk=ids[1]
    ).update(email="")
    counts = notification_emails_send(notification_ids=ids, final=False)
    assert counts["sent"] == 2 and counts["skipped"] == 1
    assert Notification.objects.get(pk=ids[1]).email_status == "skipped"


def test_the_batch_costs_the_same_queries_for_5_and_for_50_emails():
    small = _pending(5)
    with CaptureQueriesContext(connection) as few:
        notification_emails_send(notification_ids=small, final=False)
    Notification.objects.all().delete()
    large = _pending(50)
    with CaptureQueriesContext(connection) as many:
        notification_emails_send(notification_ids=large, final=False)
    assert len(few) == len(many)
    assert len(many) <= 6  # claim · read the claimed rows · one write per outcome


def test_a_retried_batch_sends_each_email_exactly_once(counting_backend):
    ids = _pending(12)
    counting_backend.fail_on = frozenset({5})  # the connection drops on the 5th e-mail
    with pytest.raises(EmailBatchInterrupted):
        notification_emails_send(notification_ids=ids, final=False)
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(email_status="sent").count() == 4
    pending = Notification.objects.filter(email_status="pending")
    assert pending.count() == 8
    assert all("SMTPServerDisconnected" in n.email_error for n in pending)

    # The task is retried with the same batch: only the 8 left are sent.
    again = notification_emails_send(notification_ids=ids, final=False)
    assert again["sent"] == 8 and again["not_claimed"] == 4
    assert len(mail.outbox) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted({m.to[0] for m in mail.outbox})
    # …and once more (a duplicated task): nothing.
    assert notification_emails_send(notification_ids=ids, final=False)["not_claimed"] == 12
    assert len(mail.outbox) == 12
    assert Notification.objects.filter(email_status="sent").count() == 12


def test_the_last_attempt_records_the_failures_and_sends_the_rest(counting_backend):
    ids = _pending(4)
    counting_backend.fail_on = frozenset({2})
    counts = notification_emails_send(notification_ids=ids, final=True)
    assert counts["sent"] == 3 and counts["failed"] == 1
    failed = Notification.objects.get(email_status="failed")
    assert "Connection unexpectedly closed" in failed.email_error
    assert len(mail.outbox) == 3


def test_the_task_retries_a_broken_batch_until_everything_is_sent(counting_backend):
    from config.celery import app

    ids = _pending(6)
    counting_backend.fail_on = frozenset({3})
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        send_notification_emails.apply(args=[ids])
    finally:
        app.conf.task_eager_propagates = previous
    assert Notification.objects.filter(email_status="sent").count() == 6
    assert len(mail.outbox) == 6
    assert len({m.to[0] for m in mail.outbox}) == 6


def test_delivery_enqueues_one_task_per_batch(settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_EMAIL_BATCH_SIZE = 10
    people = [UserFactory(username=f"u{k}", email=f"u{k}@example.vn") for k in range(25)]
    messages = [
        Message(
            recipient=person,
            event="test.batch",
            category="applications",
            subject=None,
            period="p2",
            render=lambda: ("Tiêu đề", "Nội dung."),
        )
        for person in people
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notifications_deliver(messages=messages)
    assert len(callbacks) == 3  # 10 + 10 + 5
    assert CountingBackend.opened == 3
    assert len(mail.outbox) == 25
    assert not Notification.objects.exclude(email_status="sent").exists()
