"""Celery tasks of the notifications app: thin wrappers that load by id and call a service.

- `notify_log_entry`: tell the people concerned about a logged transition (enqueued after the
  log entry's transaction commits); idempotent through the notifications' unique key.
- `send_notification_emails`: a batch of e-mails over one SMTP connection, claimed with one
  compare-and-swap, outcomes written in bulk, retried with backoff on SMTP and network errors
  (what was sent is never sent again), recorded as failed after the last retry.
- `send_notification_email`: one e-mail (kept for tasks already queued by earlier versions).
- `run_daily_jobs` (celery beat, 01:00) and `requeue_stale_emails` (beat, every 15 minutes).
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from notifications.services import RETRYABLE_EMAIL_ERRORS


@shared_task(
    name="notifications.notify_log_entry",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def notify_log_entry(log_entry_id: int) -> int:
    """Deliver the notifications of one log entry; returns how many were new (0 when run
    again)."""
    from notifications.events import notify_log_entry as deliver

    return deliver(log_entry_id=log_entry_id)


@shared_task(
    bind=True,
    name="notifications.send_email",
    autoretry_for=RETRYABLE_EMAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=getattr(settings, "NOTIFICATIONS_EMAIL_MAX_RETRIES", 5),
    acks_late=True,
)
def send_notification_email(self, notification_id: int) -> str:
    """Send one notification's e-mail. A retryable error is raised (Celery retries with
    backoff) until the last attempt, which records the e-mail as failed instead. Running it
    again after success sends nothing ("not_claimed")."""
    from notifications.services import notification_email_send

    final = self.request.retries >= (self.max_retries or 0)
    return notification_email_send(notification_id=notification_id, final=final)


@shared_task(
    bind=True,
    name="notifications.send_emails",
    autoretry_for=RETRYABLE_EMAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=getattr(settings, "NOTIFICATIONS_EMAIL_MAX_RETRIES", 5),
    acks_late=True,
)
def send_notification_emails(self, notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notification e-mails over one connection (what delivery enqueues).
    A retryable error leaves the unsent ones pending and is raised (Celery retries the same
    batch with backoff; what was sent is not claimed again); the last attempt records them
    as failed instead."""
    from notifications.services import notification_emails_send

    final = self.request.retries >= (self.max_retries or 0)
    return notification_emails_send(notification_ids=notification_ids, final=final)


@shared_task(name="notifications.run_daily_jobs", acks_late=True)
def run_daily_jobs(day: str | None = None) -> dict[str, object]:
    """The daily jobs for `day` (ISO date; default today in Asia/Ho_Chi_Minh)."""
    from core.clock import today
    from notifications.jobs import run_daily_jobs as run

    return run(datetime.date.fromisoformat(day) if day else today())


@shared_task(name="notifications.requeue_stale_emails", acks_late=True)
def requeue_stale_emails() -> int:
    """Enqueue again e-mails left pending (a lost task); the send task's claim keeps them
    single."""
    from notifications.services import notifications_email_requeue_stale

    return notifications_email_requeue_stale()
