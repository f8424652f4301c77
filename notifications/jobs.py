"""The daily jobs: what the system does by itself on a given day.

`run_daily_jobs(day)` is what `celery beat` runs every night (config/celery.py) and what
`python manage.py run_daily_jobs --date YYYY-MM-DD` runs by hand. Every step is idempotent, so
running the jobs twice for the same day changes nothing the second time.
"""

import datetime
import logging
from collections.abc import Callable

from core.clock import as_of
from notifications.reminders import REMINDERS, remind_majors_past_six_month_rule

logger = logging.getLogger(__name__)


def _steps() -> list[tuple[str, Callable[[datetime.date], int]]]:
    from audits.services import finding_escalate_overdue
    from certification.services import certificate_expire_due, registration_expire_due
    from oversight.services import high_risk_snapshots_take_due

    return [
        # 1. Certificates whose validity ended by the day expire (each logs `expire`, which
        #    tells the enterprise, the body and the regulators).
        ("certificates_expired", certificate_expire_due),
        # 2. Body registrations likewise.
        ("registrations_expired", registration_expire_due),
        # 3. Minor findings whose plan is overdue are raised to major (scheme setting).
        ("findings_escalated", lambda day: finding_escalate_overdue(today=day)),
        # 4. Majors past the six-month rule: the people concerned are told (monthly).
        ("majors_past_six_month_rule", remind_majors_past_six_month_rule),
        # 5. The high-risk coverage of last year is frozen (a snapshot per province, once).
        ("high_risk_snapshots", high_risk_snapshots_take_due),
        # 6. Reminders of dates, after the steps above so they see the day's new states.
        *((f"reminders_{name}", reminder) for name, reminder in REMINDERS),
    ]


def run_daily_jobs(day: datetime.date) -> dict[str, object]:
    """Run every daily job for `day`, in order, with `core.clock.today()` set to it.

    Returns a summary: per step, how many objects changed or notifications were new. A step
    that fails is logged and named under "errors"; the other steps still run.
    """
    summary: dict[str, object] = {"day": day.isoformat()}
    errors: list[str] = []
    with as_of(day):
        for name, step in _steps():
            try:
                summary[name] = step(day)
            except Exception as exc:
                logger.exception("Daily job %s failed for %s", name, day)
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
    if errors:
        summary["errors"] = errors
    return summary
