"""Celery tasks of the webhooks app: thin wrappers that call a service by id.

- `deliver_webhook`: one attempt at one delivery (enqueued after the event's transaction
  commits); a failure schedules the next attempt with backoff on the row itself;
- `retry_due_webhooks` (celery beat, every minute): the attempts that are due.
"""

from celery import shared_task


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    from webhooks.services import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.retry_due")
def retry_due_webhooks() -> int:
    from webhooks.services import webhook_deliveries_retry_due

    return webhook_deliveries_retry_due()
