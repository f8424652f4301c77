"""The transactional outbox: every follow-up of a change, recorded with the change, delivered
after it commits, exactly once in effect.

Why: a follow-up queued straight to the broker (`task.delay()` after commit) is lost when the
broker is down, and the request that made the change fails although the change is committed.
Here the follow-up is a row (`core.models.OutboxMessage`) written in the SAME transaction as
the change: rolled back with it, committed with it. After the commit a delivery task is
queued; if queueing fails (broker down) the error is logged and the request still succeeds.
The sweeper (`python manage.py deliver_outbox`, and the `core.deliver_outbox` beat task every
minute) delivers whatever is still pending.

API (the whole of it)::

    from core.outbox import outbox_enqueue, register

    # once, at start-up (an AppConfig.ready()):
    register("documents.certificate", document_generate_certificate)

    # inside the transaction that makes the change:
    outbox_enqueue(
        kind="documents.certificate",
        payload={"certificate_id": certificate.pk},      # JSON; the handler's keyword args
        dedupe_key=f"documents.certificate:{certificate.pk}",   # optional
    )

- `register(kind, handler)`: `handler(**payload)` does the follow-up. It runs inside a
  transaction that also marks the message delivered, so its database writes and the
  "delivered" mark commit together (a worker killed half-way leaves nothing behind and the
  message pending). Effects outside the database (e-mail, HTTP, files) must be idempotent: a
  message may be attempted again after a crash. Raise to fail the attempt: the error is
  recorded and the message tried again later with exponential backoff
  (`OUTBOX_BACKOFF_SECONDS` doubling up to `OUTBOX_BACKOFF_MAX_SECONDS`), and after
  `OUTBOX_MAX_ATTEMPTS` attempts it is marked failed (the admin can retry it). `register` can
  also be used as a decorator: `@register("kind")`.
- `outbox_enqueue(*, kind, payload, dedupe_key="")`: records the message in the current
  transaction (or on its own in autocommit). A non-empty `dedupe_key` makes the message
  unique: enqueueing the same key again returns the existing message and adds nothing. The
  kind must be registered. Returns the `OutboxMessage`.
- `outbox_deliver(*, message_id)`: deliver one message now if it is pending and due (the body
  of the `core.deliver_outbox_message` task queued after commit).
- `outbox_deliver_pending(*, limit=…)`: the sweeper; claims due messages one at a time
  with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL), so concurrent sweepers and workers
  never deliver one message twice.
- `outbox_retry(*, message)`: put a failed (or delivered) message back to pending, due now.
- `outbox_purge_delivered()`: forget delivered messages older than `OUTBOX_KEEP_DAYS`.

Kinds in use: `notify.log_entry`, `notify.email`, `notify.complainant` (notifications),
`documents.certificate`, `documents.decision`, `documents.audit_report`,
`documents.findings_report` (documents), `portal.queue`, `portal.push` (oversight).
"""

import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler | None = None):
    """Register `handler(**payload)` for messages of `kind`; usable as a decorator. Registering
    a kind twice with a different handler is an error (two apps claiming one kind)."""

    def add(function: Handler) -> Handler:
        current = _handlers.get(kind)
        if current is not None and current is not function:
            raise ValueError(f"outbox kind {kind!r} already has a handler: {current!r}")
        _handlers[kind] = function
        return function

    return add(handler) if handler is not None else add


def unregister(kind: str) -> None:
    """Forget the handler of `kind` (tests that register kinds of their own)."""
    _handlers.pop(kind, None)


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def _max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10))


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base * 2^(attempts - 1), capped."""
    base = int(getattr(settings, "OUTBOX_BACKOFF_SECONDS", 30))
    ceiling = int(getattr(settings, "OUTBOX_BACKOFF_MAX_SECONDS", 3600))
    return timedelta(seconds=min(ceiling, base * 2 ** max(0, attempts - 1)))


# After the broker refused a delivery task, further ones are not tried for this long (the
# sweeper delivers them): a request making several follow-ups waits for one refusal, not one
# per follow-up.
BROKER_PAUSE_SECONDS = 10.0
_broker_refused_at: float | None = None


def _queue_delivery(message_id: int) -> None:
    """After commit: queue the delivery task. Never raises — a broker outage leaves the
    message pending for the sweeper."""
    global _broker_refused_at
    from core.tasks import deliver_outbox_message

    if _broker_refused_at is not None:
        if time.monotonic() - _broker_refused_at < BROKER_PAUSE_SECONDS:
            logger.info("Outbox message %s left for the sweeper (broker down)", message_id)
            return
        _broker_refused_at = None
    try:
        deliver_outbox_message.delay(message_id)
    except Exception as error:  # whatever the broker client raises, the change stands
        if isinstance(error, BrokerUnreachable):
            _broker_refused_at = time.monotonic()
        logger.warning(
            "Outbox message %s not queued (it stays pending for the sweeper)",
            message_id,
            exc_info=True,
        )


def outbox_enqueue(*, kind: str, payload: dict[str, Any], dedupe_key: str = "") -> OutboxMessage:
    """Record a follow-up in the current transaction; queue its delivery after commit."""
    if kind not in _handlers:
        raise ValueError(f"no outbox handler registered for {kind!r}")
    fields = {
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "available_at": timezone.now(),
    }
    if not dedupe_key:
        message = OutboxMessage.objects.create(**fields)
    else:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(**fields)
        except IntegrityError:  # a concurrent transaction recorded the same key first
            return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    message_id = message.pk

    def queue_delivery() -> None:
        _queue_delivery(message_id)

    transaction.on_commit(queue_delivery)
    return message


def _deliver_locked(message: OutboxMessage, *, now=None) -> str:
    """Deliver a message whose row the caller has locked, inside the caller's transaction.
    Returns "delivered", "retry", "failed", "done" (not pending) or "not_due"."""
    now = now or timezone.now()
    if message.status != OutboxMessage.Status.PENDING:
        return "done"
    if message.available_at > now:
        return "not_due"
    message.attempts += 1
    message.last_attempt_at = now
    handler = _handlers.get(message.kind)
    try:
        if handler is None:
            raise LookupError(f"no outbox handler registered for {message.kind!r}")
        with transaction.atomic():
            handler(**message.payload)
    except Exception as error:  # recorded on the message and retried
        message.last_error = "".join(traceback.format_exception_only(type(error), error)).strip()[
            :4000
        ]
        if message.attempts >= _max_attempts():
            message.status = OutboxMessage.Status.FAILED
            result = "failed"
            logger.error(
                "Outbox message %s (%s) failed after %s attempts: %s",
                message.pk,
                message.kind,
                message.attempts,
                message.last_error,
            )
        else:
            message.available_at = now + backoff(message.attempts)
            result = "retry"
            logger.warning(
                "Outbox message %s (%s) attempt %s failed: %s",
                message.pk,
                message.kind,
                message.attempts,
                message.last_error,
            )
    else:
        message.status = OutboxMessage.Status.DELIVERED
        message.delivered_at = timezone.now()
        result = "delivered"
    message.save(
        update_fields=[
            "status",
            "attempts",
            "available_at",
            "last_error",
            "last_attempt_at",
            "delivered_at",
        ]
    )
    return result


def outbox_deliver(*, message_id: int) -> str:
    """Deliver one message if pending and due (waiting for a concurrent delivery of the same
    message to finish first). Returns what happened (see `_deliver_locked`), or "missing"."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        return _deliver_locked(message)


def _due():
    return OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, available_at__lte=timezone.now()
    ).order_by("available_at", "id")


def outbox_deliver_pending(*, limit: int = 1000) -> dict[str, int]:
    """The sweeper: deliver due pending messages, one transaction each, up to `limit`.
    Messages being delivered elsewhere are skipped (SKIP LOCKED), never waited for. Returns
    counts by outcome."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    counts: Counter[str] = Counter()
    for _ in range(limit):
        with transaction.atomic():
            message = _due().select_for_update(skip_locked=skip_locked).first()
            if message is None:
                break
            counts[_deliver_locked(message)] += 1
    return dict(counts)


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Put a message back to pending, due now (after a failure was fixed); the attempts
    counter starts again."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        locked.status = OutboxMessage.Status.PENDING
        locked.available_at = timezone.now()
        locked.attempts = 0
        locked.delivered_at = None
        locked.save(update_fields=["status", "available_at", "attempts", "delivered_at"])
        message_id = locked.pk
        transaction.on_commit(lambda: _queue_delivery(message_id))
    return locked


def outbox_purge_delivered(*, batch: int = 10_000) -> int:
    """Delete delivered messages older than OUTBOX_KEEP_DAYS (at most `batch` per call);
    pending and failed messages are kept whatever their age. Returns how many went."""
    days = int(getattr(settings, "OUTBOX_KEEP_DAYS", 30))
    cutoff = timezone.now() - timedelta(days=days)
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.DELIVERED, delivered_at__lt=cutoff
        ).values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return 0
    return OutboxMessage.objects.filter(pk__in=ids).delete()[0]


def outbox_counts() -> dict[str, int]:
    """How many messages are pending (and of those, due now) and failed: for health and
    admin views."""
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    return {
        "pending": pending.count(),
        "due": pending.filter(available_at__lte=timezone.now()).count(),
        "failed": OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count(),
    }
