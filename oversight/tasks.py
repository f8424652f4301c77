"""Celery tasks of the oversight app: pushing records to the national portal."""

import random

from celery import shared_task

# Retries of one record after the first attempt; after the last the record is marked failed
# and waits for a resend from the admin.
MAX_RETRIES = 6
BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def backoff(retries: int) -> int:
    """Seconds before retry n+1: 30 s, 60 s, 120 s… up to an hour, with full jitter on the
    upper half so that many records failing together do not come back together."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2**retries)
    return int(ceiling / 2 + random.random() * ceiling / 2)


@shared_task(
    name="oversight.push_portal_record", bind=True, max_retries=MAX_RETRIES, acks_late=True
)
def push_portal_record(self, record_id: int) -> str:
    """Send one portal record (oversight.services.portal_record_push).

    A 5xx, 429 or network error is retried with exponential backoff (MAX_RETRIES times, then
    the record is failed); a 4xx is recorded as failed at once. In the embedded mode (tasks
    run eagerly, no broker to schedule a later try) the retries happen at once, in-process.
    Idempotent: a record no longer pending is not sent again, and the portal receives the same
    Idempotency-Key on any repeat. Returns "sent", "failed" or "skipped"."""
    from oversight.services import portal_record_push

    retries = self.request.retries or 0
    result = portal_record_push(record_id=record_id, final_attempt=retries >= self.max_retries)
    if result != "retry":
        return result
    if self.request.is_eager:
        return self.apply(args=(record_id,), retries=retries + 1).result
    raise self.retry(countdown=backoff(retries))


@shared_task(name="oversight.push_pending_portal_records", acks_late=True)
def push_pending_portal_records() -> int:
    """Enqueue every pending portal record (for a periodic job, or after PORTAL_URL is set).
    Returns how many were enqueued."""
    from oversight.services import portal_push_pending

    return portal_push_pending()
