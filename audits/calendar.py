"""The calendar of planned audits: a month (and list) page for the audits a person may see, and
the same audits as an iCalendar feed (RFC 5545) that a phone or mail calendar subscribes to.

A calendar application cannot sign in, so the feed's address carries a token of its own: an
HMAC of the user's id and password hash (as Django's password-reset tokens). It is not
guessable, opens only that person's calendar, and changing the password retires it."""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from audits.models import Audit
from audits.selectors import audits_visible_to
from core.models import User

FEED_SALT = "audits.calendar.feed"
# The feed shows audits planned from this long ago to this far ahead.
FEED_PAST = datetime.timedelta(days=90)
FEED_AHEAD = datetime.timedelta(days=400)


def feed_token(user: User) -> str:
    """`<id in base 36>-<hmac>`, valid until the user's password changes."""
    digest = salted_hmac(FEED_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[
        :32
    ]
    return f"{int_to_base36(user.pk)}-{digest}"


def user_of_token(token: str) -> User | None:
    """The active user whose feed `token` opens, or None."""
    ident = token.partition("-")[0]
    try:
        pk = base36_to_int(ident)
    except ValueError:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not constant_time_compare(feed_token(user), token):
        return None
    return user


def _planned(user: User) -> QuerySet[Audit]:
    return audits_visible_to(user).select_related(
        "application__enterprise",
        "application__body",
        "certificate__enterprise",
        "certificate__body",
    )


def audits_between(user: User, first: datetime.date, last: datetime.date) -> list[Audit]:
    """The audits `user` may see that overlap the days `first`..`last`, by start (one query)."""
    return list(
        _planned(user)
        .filter(planned_start__lte=last, planned_end__gte=first)
        .exclude(state=Audit.State.CANCELLED)
        .order_by("planned_start", "pk")
    )


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    audits: list[Audit]


def month_grid(year: int, month: int, audits: list[Audit]) -> list[list[Day]]:
    """Weeks (Monday first) of the month, each day with the audits planned on it."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                Day(
                    day,
                    day.month == month,
                    [a for a in audits if a.planned_start <= day <= a.planned_end],
                )
                for day in week
            ]
        )
    return weeks


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 §3.1), never inside a character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def ics_feed(user: User, today: datetime.date, site_url: str, label) -> str:
    """The user's audits as a VCALENDAR: one all-day VEVENT per audit (its planned days), with
    what, who, where and a link to the audit's page. `label(audit)` is the event's title."""
    audits = audits_between(user, today - FEED_PAST, today + FEED_AHEAD)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    host = site_url.split("//", 1)[-1].split("/", 1)[0] or "txng-cert"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//TXNG Cert//Audits//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(label(None))}",
    ]
    for audit in audits:
        subject = audit.subject
        url = f"{site_url.rstrip('/')}/audits/{audit.pk}/"
        lines += [
            "BEGIN:VEVENT",
            f"UID:audit-{audit.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{audit.planned_start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{audit.planned_end + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(label(audit))}",
            f"LOCATION:{_escape(subject.enterprise.address)}",
            f"DESCRIPTION:{_escape(f'{subject.number} · {subject.enterprise.name}')}",
            f"URL:{url}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def site_url() -> str:
    return getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"
