""" "Today" for rules about dates. Scheduled jobs run for a given day (`run_daily_jobs --date`)
by setting it here; everything else gets the local date."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_today: ContextVar[datetime.date | None] = ContextVar("today", default=None)


def today() -> datetime.date:
    return _today.get() or timezone.localdate()


def now() -> datetime.datetime:
    """The current time, on the day set by `as_of` when one is set (same time of day)."""
    current = timezone.localtime()
    day = _today.get()
    if day is None:
        return current
    return current.replace(year=day.year, month=day.month, day=day.day)


@contextmanager
def as_of(day: datetime.date) -> Iterator[None]:
    token = _today.set(day)
    try:
        yield
    finally:
        _today.reset(token)
