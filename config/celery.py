"""Celery application. Tasks run eagerly in-process unless CELERY_BROKER_URL is set.

The periodic jobs are all declared here, in `beat_schedule`; exactly one `celery -A config beat`
runs them (times are Asia/Ho_Chi_Minh: CELERY_TIMEZONE).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("txng_cert")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every minute: deliver the outbox (core.outbox) — follow-ups of changes whose queueing
    # failed or whose worker died (broker outage, crash). Each message is claimed with SKIP
    # LOCKED and delivered once.
    "deliver-outbox": {
        "task": "core.deliver_outbox",
        "schedule": crontab(),
    },
    # Every 15 minutes: queue again the documents of any certificate or decision that has none
    # (delivered by the outbox).
    "enqueue-missing-documents": {
        "task": "documents.enqueue_missing",
        "schedule": crontab(minute="*/15"),
    },
    # Every night at 01:00: expire certificates and body registrations whose validity ended,
    # raise overdue minor findings to major, flag majors past the six-month rule, and send the
    # day's reminders (findings, expiries, surveillance, suspensions, registrations). After
    # midnight so the new day is "today"; idempotent, so a rerun (or a missed night caught up by
    # `manage.py run_daily_jobs --date`) never repeats anything.
    "daily-jobs": {
        "task": "notifications.run_daily_jobs",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every 15 minutes: enqueue again any notification e-mail still pending well after it was
    # made (its task lost in a broker outage, or its worker died); the send task's claim keeps
    # each e-mail single.
    "requeue-stale-emails": {
        "task": "notifications.requeue_stale_emails",
        "schedule": crontab(minute="*/15"),
    },
    # Every 30 minutes: push certificate records still pending for the national traceability
    # portal (left pending while PORTAL_URL was unset or the portal was down); each record's
    # idempotency key keeps a repeated push single on the portal's side.
    "push-pending-portal-records": {
        "task": "oversight.push_pending_portal_records",
        "schedule": crontab(minute="*/30"),
    },
}
