import os
import socket

from celery import shared_task


@shared_task(name="core.ping")
def ping() -> dict[str, object]:
    """Answer with the process that ran the task; used by /readyz-style probes and tests."""
    return {"pid": os.getpid(), "hostname": socket.gethostname()}


@shared_task(name="core.deliver_outbox_message", acks_late=True, ignore_result=True)
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one outbox message (queued after the transaction that recorded it commits).
    Idempotent: a message already delivered is left alone; a killed worker's attempt rolls
    back with its connection and the redelivered task (acks_late) does it once."""
    from core.outbox import outbox_deliver

    return outbox_deliver(message_id=message_id)


@shared_task(name="core.deliver_outbox", acks_late=True)
def deliver_outbox() -> dict[str, int]:
    """The sweeper (celery beat, every minute): deliver every due pending outbox message, and
    forget delivered ones older than OUTBOX_KEEP_DAYS."""
    from core.outbox import outbox_deliver_pending, outbox_purge_delivered

    return {**outbox_deliver_pending(), "purged": outbox_purge_delivered()}


@shared_task(name="documents.enqueue_missing", acks_late=True)
def enqueue_missing_documents() -> int:
    """The sweep for lost documents (celery beat, every 15 minutes): an outbox message again
    for every certificate or decision without its document."""
    from documents.services import documents_enqueue_missing

    return documents_enqueue_missing()
