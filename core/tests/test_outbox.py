"""The transactional outbox (core.outbox): recorded with the change, rolled back with it,
delivered once however often the sweeper runs, failures retried with backoff and recorded."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.models import Counter, OutboxMessage
from core.outbox import (
    backoff,
    outbox_deliver,
    outbox_deliver_pending,
    outbox_enqueue,
    outbox_purge_delivered,
    outbox_retry,
    register,
    unregister,
)

pytestmark = pytest.mark.django_db


class Abort(Exception):
    pass


def record_number(*, series: str, year: int) -> None:
    """A handler with a database effect that cannot happen twice (unique series/year)."""
    Counter.objects.create(series=series, year=year, value=1)


class Flaky:
    """A handler that fails until told to work."""

    def __init__(self) -> None:
        self.broken = True
        self.calls = 0

    def __call__(self, *, series: str) -> None:
        self.calls += 1
        if self.broken:
            raise ConnectionError("portal unreachable")
        Counter.objects.create(series=series, year=2026, value=1)


@pytest.fixture
def kinds():
    flaky = Flaky()
    register("test.record", record_number)
    register("test.flaky", flaky)
    yield flaky
    unregister("test.record")
    unregister("test.flaky")


def due_now(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())


def test_a_message_is_recorded_in_the_transaction_and_delivered_only_after_commit(
    kinds, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with transaction.atomic():
            message = outbox_enqueue(kind="test.record", payload={"series": "a", "year": 2026})
            assert OutboxMessage.objects.filter(pk=message.pk).exists()
        assert not Counter.objects.exists()  # nothing delivered before the commit
    assert len(queued) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    queued[0]()  # the commit: the delivery task (run in-process here)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.DELIVERED, 1)
    assert message.delivered_at is not None
    assert Counter.objects.filter(series="a").count() == 1


def test_a_rolled_back_change_leaves_no_message_and_queues_nothing(
    kinds, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        Counter.objects.create(series="change", year=2026)
        outbox_enqueue(kind="test.record", payload={"series": "a", "year": 2026})
        raise Abort
    assert queued == []
    assert not OutboxMessage.objects.exists()
    assert not Counter.objects.exists()


def test_the_sweeper_run_twice_delivers_once(kinds):
    message = outbox_enqueue(kind="test.record", payload={"series": "a", "year": 2026})
    call_command("deliver_outbox", "--no-documents")
    call_command("deliver_outbox", "--no-documents")
    outbox_deliver(message_id=message.pk)  # a late, duplicated delivery task
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("delivered", 1, "")
    assert Counter.objects.filter(series="a").count() == 1


def test_the_sweeper_says_what_it_did(kinds, capsys):
    outbox_enqueue(kind="test.record", payload={"series": "a", "year": 2026})
    outbox_enqueue(kind="test.flaky", payload={"series": "b"})
    call_command("deliver_outbox", "--no-documents")
    assert (
        "delivered 1, retry later 1, failed 0; documents missing 0; still pending 1, "
        "failed in total 0" in capsys.readouterr().out
    )


def test_a_dedupe_key_keeps_one_message(kinds):
    first = outbox_enqueue(
        kind="test.record", payload={"series": "a", "year": 2026}, dedupe_key="k1"
    )
    again = outbox_enqueue(
        kind="test.record", payload={"series": "a", "year": 2026}, dedupe_key="k1"
    )
    assert first.pk == again.pk
    assert OutboxMessage.objects.count() == 1
    # Without a key every call is a message of its own.
    outbox_enqueue(kind="test.record", payload={"series": "b", "year": 2026})
    outbox_enqueue(kind="test.record", payload={"series": "c", "year": 2026})
    assert OutboxMessage.objects.count() == 3


def test_an_unknown_kind_is_refused_at_once():
    with pytest.raises(ValueError, match=r"no outbox handler registered for 'nobody\.listens'"):
        outbox_enqueue(kind="nobody.listens", payload={})
    assert not OutboxMessage.objects.exists()


def test_a_kind_cannot_get_a_second_handler(kinds):
    with pytest.raises(ValueError, match="already has a handler"):
        register("test.record", lambda **kw: None)


def test_a_failing_delivery_is_recorded_and_retried_with_backoff(kinds):
    message = outbox_enqueue(kind="test.flaky", payload={"series": "f"})
    before = timezone.now()
    assert outbox_deliver_pending() == {"retry": 1}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.last_error == "ConnectionError: portal unreachable"
    assert message.available_at >= before + datetime.timedelta(seconds=30)
    # Not due yet: the sweeper leaves it alone.
    assert outbox_deliver_pending() == {}
    assert outbox_deliver(message_id=message.pk) == "not_due"
    assert kinds.calls == 1
    # Due again, still failing: the wait doubles.
    due_now(message)
    before = timezone.now()
    assert outbox_deliver_pending() == {"retry": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.available_at >= before + datetime.timedelta(seconds=60)
    # Repaired: delivered on the next due attempt, once.
    kinds.broken = False
    due_now(message)
    assert outbox_deliver_pending() == {"delivered": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.DELIVERED, 3)
    assert Counter.objects.filter(series="f").count() == 1


def test_a_failed_attempt_rolls_back_its_own_writes(kinds):
    def half_done(*, series: str) -> None:
        Counter.objects.create(series=series, year=2026)
        raise RuntimeError("disk full")

    register("test.half", half_done)
    try:
        message = outbox_enqueue(kind="test.half", payload={"series": "h"})
        outbox_deliver_pending()
    finally:
        unregister("test.half")
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("pending", "RuntimeError: disk full")
    assert not Counter.objects.filter(series="h").exists()


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_the_message_is_failed_until_retried(kinds):
    message = outbox_enqueue(kind="test.flaky", payload={"series": "f"})
    outbox_deliver_pending()
    due_now(message)
    assert outbox_deliver_pending() == {"failed": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 2)
    due_now(message)
    assert outbox_deliver_pending() == {}  # failed messages are not swept
    kinds.broken = False
    call_command("deliver_outbox", "--no-documents", "--retry-failed")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert Counter.objects.filter(series="f").count() == 1


def test_a_message_whose_kind_lost_its_handler_waits_with_the_reason(kinds):
    message = outbox_enqueue(kind="test.record", payload={"series": "a", "year": 2026})
    unregister("test.record")
    assert outbox_deliver_pending() == {"retry": 1}
    message.refresh_from_db()
    assert "no outbox handler registered for 'test.record'" in message.last_error


@override_settings(OUTBOX_BACKOFF_SECONDS=30, OUTBOX_BACKOFF_MAX_SECONDS=3600)
def test_the_backoff_doubles_up_to_its_ceiling():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_retry_puts_a_delivered_message_back(kinds):
    message = outbox_enqueue(kind="test.flaky", payload={"series": "r"})
    kinds.broken = False
    outbox_deliver_pending()
    Counter.objects.all().delete()
    outbox_retry(message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 0)
    outbox_deliver_pending()
    assert Counter.objects.filter(series="r").count() == 1


def test_the_admin_lists_stuck_messages_and_delivers_them_again(
    kinds, admin_client, django_capture_on_commit_callbacks
):
    message = outbox_enqueue(kind="test.flaky", payload={"series": "s"})
    outbox_deliver_pending()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED)
    page = admin_client.get("/admin/core/outboxmessage/?status=failed")
    assert page.status_code == 200
    assert "test.flaky" in page.text
    assert "ConnectionError: portal unreachable" in page.text
    kinds.broken = False
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/core/outboxmessage/",
            {"action": "deliver_again", "_selected_action": [message.pk]},
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED  # delivered at once (eager)
    assert Counter.objects.filter(series="s").count() == 1


def test_beat_runs_the_sweeper_every_minute(kinds):
    from config.celery import app
    from core.tasks import deliver_outbox

    entry = app.conf.beat_schedule["deliver-outbox"]
    assert entry["task"] == deliver_outbox.name == "core.deliver_outbox"
    assert entry["schedule"].minute == set(range(60))
    assert entry["schedule"].hour == set(range(24))
    documents = app.conf.beat_schedule["enqueue-missing-documents"]
    assert documents["task"] == "documents.enqueue_missing"
    assert documents["schedule"].minute == {0, 15, 30, 45}
    outbox_enqueue(kind="test.record", payload={"series": "beat", "year": 2026})
    assert deliver_outbox.delay().get() == {"delivered": 1, "purged": 0}
    assert Counter.objects.filter(series="beat").count() == 1


@override_settings(OUTBOX_KEEP_DAYS=30)
def test_delivered_messages_are_forgotten_after_the_keep_days_and_the_others_kept(kinds):
    old = outbox_enqueue(kind="test.record", payload={"series": "old", "year": 2026})
    recent = outbox_enqueue(kind="test.record", payload={"series": "new", "year": 2026})
    stuck = outbox_enqueue(kind="test.flaky", payload={"series": "s"})
    outbox_deliver_pending()
    long_ago = timezone.now() - datetime.timedelta(days=31)
    OutboxMessage.objects.filter(pk=old.pk).update(delivered_at=long_ago)
    OutboxMessage.objects.filter(pk=stuck.pk).update(created_at=long_ago)
    assert outbox_purge_delivered() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, stuck.pk}
