"""`python manage.py run_daily_jobs [--date YYYY-MM-DD]`: the nightly jobs, by hand."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.clock import today
from notifications.jobs import run_daily_jobs


class Command(BaseCommand):
    help = (
        "Run the daily jobs for a day (default today): expire certificates and registrations, "
        "escalate overdue minor findings, flag majors past the six-month rule, send reminders. "
        "Idempotent: a second run for the same day changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        raw = options.get("date")
        try:
            day = datetime.date.fromisoformat(raw) if raw else today()
        except ValueError:
            raise CommandError(
                _("--date must be YYYY-MM-DD, got %(value)r.") % {"value": raw}
            ) from None
        summary = run_daily_jobs(day)
        errors = summary.pop("errors", [])
        self.stdout.write(_("Daily jobs for %(day)s:") % {"day": summary.pop("day")})
        width = max(len(name) for name in summary)
        for name, value in summary.items():
            self.stdout.write(f"  {name.ljust(width)}  {value}")
        if errors:
            for error in errors:
                self.stderr.write("  " + _("failed: %(error)s") % {"error": error})
            raise CommandError(
                _("%(count)d daily job(s) failed (see the log).") % {"count": len(errors)}
            )
