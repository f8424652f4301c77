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


@shared_task(name="core.deliver_outbox", acks_late=True, ignore_result=True)
def deliver_outbox() -> dict[str, int]:
    """The sweeper (celery beat, every minute): deliver every due pending outbox message and
    queue again the documents of certificates and decisions that have none."""
    from core.outbox import outbox_deliver_pending
    from documents.services import documents_enqueue_missing

    missing = documents_enqueue_missing()
    return {**outbox_deliver_pending(), "documents_missing": missing}
