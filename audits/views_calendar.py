"""The audit calendar: a month page (with the same audits as a list, for small screens and
screen readers) and the person's iCalendar feed (see audits.calendar)."""

import calendar
import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audits.calendar import (
    audits_between,
    feed_token,
    ics_feed,
    month_grid,
    site_url,
    user_of_token,
)
from core.clock import today


def _month(raw: str) -> datetime.date:
    """The first day of `?month=YYYY-MM`; this month when absent or not a month."""
    try:
        year, month = (int(part) for part in raw.split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today().replace(day=1)


def _event_title(audit) -> str:
    if audit is None:
        return _("Audits — TXNG Cert")
    return f"{audit.get_kind_display()} — {audit.subject.enterprise.name}"


@login_required
@require_GET
def audit_calendar(request: HttpRequest) -> HttpResponse:
    """The audits the user may see planned in a month (cancelled ones left out)."""
    first = _month(request.GET.get("month", ""))
    last = (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
    shown = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    audits = audits_between(request.user, shown[0][0], shown[-1][-1])
    weeks = month_grid(first.year, first.month, audits)
    feed = request.build_absolute_uri(f"/audits/calendar/{feed_token(request.user)}.ics")
    return render(
        request,
        "audits/audit_calendar.html",
        {
            "month": first,
            "weeks": weeks,
            "in_month": [a for a in audits if a.planned_start <= last and a.planned_end >= first],
            "previous": (first - datetime.timedelta(days=1)).replace(day=1),
            "next": last + datetime.timedelta(days=1),
            "today": today(),
            "feed_url": feed,
        },
    )


@require_GET
def audit_calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's audits as text/calendar; 404 for a token that opens nothing."""
    user = user_of_token(token)
    if user is None:
        raise Http404(_("No such calendar."))
    body = ics_feed(user, today(), site_url(), _event_title)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="txng-cert-audits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
