"""Celery tasks of the webhooks app: thin wrappers that call a service.

The first attempt of a delivery goes through the transactional outbox (core.outbox, kind
`webhooks.deliver`); `retry_due_webhooks` (celery beat, every minute) makes the retries whose
backoff has passed.
"""

from celery import shared_task


@shared_task(name="webhooks.retry_due")
def retry_due_webhooks() -> int:
    from webhooks.services import webhook_deliveries_retry_due

    return webhook_deliveries_retry_due()
