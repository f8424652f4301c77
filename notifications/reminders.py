"""Reminders of dates: each a service taking the day it runs for, safe to run again.

Each reminder finds the objects whose date falls in its window and delivers one message per
person concerned with a `period` that makes a repeat a no-op: the due date itself for
"due soon" reminders (so a missed day is caught up the next day and never sent twice), the ISO
week for "overdue" ones (told again once a week while it lasts), the month for the six-month
rule. Queries are a fixed number per reminder, whatever the number of objects.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _

from audits.models import Finding
from certification.models import BodyRegistration, Certificate
from notifications.events import (
    Audience,
    Directory,
    audit_team,
    body_staff,
    day_text,
    display,
    enterprise_users,
    regulators,
    subject_url,
)
from notifications.models import Category
from notifications.services import Message, notifications_deliver

# Reminder windows, in days before the date.
FINDING_DUE_SOON_DAYS = 7
EXPIRY_WINDOWS_DAYS = (30, 90)
SURVEILLANCE_DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class _Item:
    subject: models.Model
    audiences: list[Audience]
    period: str
    render: Callable[[], tuple[str, str]]


def _deliver(event: str, category: str, items: list[_Item]) -> int:
    directory = Directory(a for item in items for a in item.audiences)
    return notifications_deliver(
        messages=[
            Message(
                recipient=user,
                event=event,
                category=category,
                subject=item.subject,
                period=item.period,
                render=item.render,
                url=subject_url(item.subject),
            )
            for item in items
            for user in directory.resolve(item.audiences)
        ]
    )


def _week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"week:{year}-W{week:02d}"


def _window(date: datetime.date, day: datetime.date) -> int:
    """The smallest reminder window (30 or 90 days) that `date` falls in, seen from `day`."""
    return next(days for days in EXPIRY_WINDOWS_DAYS if date <= day + datetime.timedelta(days))


# --- Findings -------------------------------------------------------------------------------


def _findings_with_a_running_deadline():
    """Minor findings whose plan is not accepted yet and major findings not closed: those
    whose due date still binds the enterprise."""
    return (
        Finding.objects.filter(
            Q(
                severity=Finding.Severity.MINOR,
                state__in=[Finding.State.OPEN, Finding.State.RESPONDED],
            )
            | (Q(severity=Finding.Severity.MAJOR) & ~Q(state=Finding.State.CLOSED)),
            due_date__isnull=False,
        )
        .select_related("audit", "audit__application", "audit__certificate")
        .order_by("due_date", "pk")
    )


def _finding_audiences(finding: Finding) -> list[Audience]:
    audit = finding.audit
    parent = audit.application if audit.application_id else audit.certificate
    return enterprise_users(parent.enterprise_id) + audit_team(audit.pk)


def _finding_due_text(finding: Finding) -> str:
    values = {"object": display(finding), "date": day_text(finding.due_date)}
    if finding.severity == Finding.Severity.MINOR:
        return _("The corrective-action plan for %(object)s is due on %(date)s.") % values
    return _("%(object)s must be closed by %(date)s.") % values


def remind_findings_due_soon(day: datetime.date) -> int:
    """Findings due within 7 days: the enterprise and the audit team, once per due date."""
    findings = _findings_with_a_running_deadline().filter(
        due_date__gte=day, due_date__lte=day + datetime.timedelta(days=FINDING_DUE_SOON_DAYS)
    )
    items = [
        _Item(
            subject=f,
            audiences=_finding_audiences(f),
            period=f"due:{f.due_date.isoformat()}",
            render=lambda f=f: (
                _("Finding due on %(date)s: %(object)s")
                % {"date": day_text(f.due_date), "object": display(f)},
                _finding_due_text(f),
            ),
        )
        for f in findings
    ]
    return _deliver("reminder.finding_due", Category.REMINDERS, items)


def _overdue_audiences(finding: Finding) -> list[Audience]:
    """The enterprise and the audit team; for an overdue major also the body's officers, who
    must decide whether to suspend (17021-1 §9.6.5)."""
    audiences = _finding_audiences(finding)
    if finding.severity == Finding.Severity.MAJOR:
        audit = finding.audit
        parent = audit.application if audit.application_id else audit.certificate
        audiences = audiences + body_staff(parent.body_id)
    return audiences


def remind_findings_overdue(day: datetime.date) -> int:
    """Findings past their due date: the enterprise and the audit team, once a week; overdue
    majors are escalated to the body's officers as well."""
    findings = _findings_with_a_running_deadline().filter(due_date__lt=day)
    items = [
        _Item(
            subject=f,
            audiences=_overdue_audiences(f),
            period=_week(day),
            render=lambda f=f: (
                _("Overdue finding: %(object)s") % {"object": display(f)},
                _("%(object)s was due on %(date)s and is still open.")
                % {"object": display(f), "date": day_text(f.due_date)},
            ),
        )
        for f in findings
    ]
    return _deliver("reminder.finding_overdue", Category.REMINDERS, items)


def remind_majors_past_six_month_rule(day: datetime.date) -> int:
    """Major findings of a stage 2 audit not closed within the scheme's months (6) of its last
    day: a new stage 2 is needed before a decision. The enterprise, the body's officers and the
    audit team, once per finding and month."""
    from audits.services import findings_past_six_month_rule

    findings = findings_past_six_month_rule(today=day)
    items = [
        _Item(
            subject=f,
            audiences=_finding_audiences(f) + body_staff(f.audit.application.body_id),
            period=f"month:{day:%Y-%m}",
            render=lambda f=f: (
                _("A new stage 2 audit is needed: %(object)s") % {"object": display(f)},
                _(
                    "%(object)s was not closed within %(months)d months of the last day of the "
                    "stage 2 audit (%(date)s). A new stage 2 audit is needed before a "
                    "certification decision."
                )
                % {
                    "object": display(f),
                    "months": f.audit.application.scheme.major_verify_months,
                    "date": day_text(f.audit.actual_end),
                },
            ),
        )
        for f in findings
    ]
    return _deliver("finding.six_month_rule", Category.FINDINGS, items)


# --- Certificates ---------------------------------------------------------------------------

_CURRENT = [Certificate.State.ACTIVE, Certificate.State.SUSPENDED]


def remind_certificates_expiring(day: datetime.date) -> int:
    """Certificates expiring within 90 days, then within 30: the enterprise and the body's
    officers, once per window and expiry date."""
    certificates = Certificate.objects.filter(
        state__in=_CURRENT,
        valid_until__gt=day,
        valid_until__lte=day + datetime.timedelta(days=max(EXPIRY_WINDOWS_DAYS)),
    ).select_related("enterprise")
    items = [
        _Item(
            subject=c,
            audiences=enterprise_users(c.enterprise_id) + body_staff(c.body_id),
            period=f"{_window(c.valid_until, day)}d:{c.valid_until.isoformat()}",
            render=lambda c=c: (
                _("Certificate %(object)s expires on %(date)s")
                % {"object": c.number, "date": day_text(c.valid_until)},
                _(
                    "Certificate %(object)s of %(holder)s is valid until %(date)s. Plan the "
                    "recertification audit in time."
                )
                % {"object": c.number, "holder": c.enterprise, "date": day_text(c.valid_until)},
            ),
        )
        for c in certificates
    ]
    return _deliver("reminder.certificate_expiring", Category.REMINDERS, items)


def remind_surveillance_due(day: datetime.date) -> int:
    """Surveillance audits due within 30 days: the body's officers, once per due date."""
    # In the last year of the cycle a recertification is due, not a surveillance (the expiry
    # reminders ask for it).
    certificates = Certificate.objects.filter(
        state__in=_CURRENT,
        next_surveillance_due__gte=day,
        next_surveillance_due__lte=day + datetime.timedelta(days=SURVEILLANCE_DUE_SOON_DAYS),
        next_surveillance_due__lt=F("valid_until"),
    ).select_related("enterprise")
    items = [
        _Item(
            subject=c,
            audiences=body_staff(c.body_id),
            period=f"due:{c.next_surveillance_due.isoformat()}",
            render=lambda c=c: (
                _("Surveillance audit due by %(date)s: certificate %(object)s")
                % {"object": c.number, "date": day_text(c.next_surveillance_due)},
                _("Plan the surveillance audit of %(holder)s (certificate %(object)s) by %(date)s.")
                % {
                    "object": c.number,
                    "holder": c.enterprise,
                    "date": day_text(c.next_surveillance_due),
                },
            ),
        )
        for c in certificates
    ]
    return _deliver("reminder.surveillance_due", Category.REMINDERS, items)


def remind_surveillance_overdue(day: datetime.date) -> int:
    """Surveillance audits past due: the body's officers and the province's regulators, once a
    week (overdue surveillance is a ground for suspension, decided by a person)."""
    certificates = (
        Certificate.objects.filter(state__in=_CURRENT, next_surveillance_due__lt=day)
        .filter(next_surveillance_due__lt=F("valid_until"))
        .select_related("enterprise")
    )
    items = [
        _Item(
            subject=c,
            audiences=body_staff(c.body_id) + regulators(c.enterprise.province_id),
            period=_week(day),
            render=lambda c=c: (
                _("Surveillance overdue: certificate %(object)s") % {"object": c.number},
                _(
                    "The surveillance audit of %(holder)s (certificate %(object)s) was due by "
                    "%(date)s and has not been completed."
                )
                % {
                    "object": c.number,
                    "holder": c.enterprise,
                    "date": day_text(c.next_surveillance_due),
                },
            ),
        )
        for c in certificates
    ]
    return _deliver("reminder.surveillance_overdue", Category.REMINDERS, items)


def remind_suspensions_ending(day: datetime.date) -> int:
    """Suspended certificates whose suspension end date has come: the body's officers, once per
    suspension (its end date)."""
    certificates = Certificate.objects.filter(
        state=Certificate.State.SUSPENDED, suspended_until__lte=day
    ).select_related("enterprise")
    items = [
        _Item(
            subject=c,
            audiences=body_staff(c.body_id),
            period=f"until:{c.suspended_until.isoformat()}",
            render=lambda c=c: (
                _("Suspension ends: certificate %(object)s") % {"object": c.number},
                _(
                    "The suspension of certificate %(object)s (%(holder)s) ends on %(date)s: "
                    "reinstate it once the reason is resolved, or withdraw it."
                )
                % {
                    "object": c.number,
                    "holder": c.enterprise,
                    "date": day_text(c.suspended_until),
                },
            ),
        )
        for c in certificates
    ]
    return _deliver("reminder.suspension_end", Category.REMINDERS, items)


# --- Body registrations ---------------------------------------------------------------------


def remind_registrations_expiring(day: datetime.date) -> int:
    """Body registrations expiring within 90 days, then within 30: the body's officers, the
    registering (national) authority's regulators and those of the body's province, once per
    window and expiry date."""
    registrations = BodyRegistration.objects.filter(
        state=BodyRegistration.State.REGISTERED,
        valid_until__gt=day,
        valid_until__lte=day + datetime.timedelta(days=max(EXPIRY_WINDOWS_DAYS)),
    ).select_related("body", "scheme")
    items = [
        _Item(
            subject=r,
            audiences=body_staff(r.body_id)
            + regulators(r.jurisdiction_id)
            + regulators(r.body.province_id),
            period=f"{_window(r.valid_until, day)}d:{r.valid_until.isoformat()}",
            render=lambda r=r: (
                _("Registration expires on %(date)s: %(object)s")
                % {"object": r, "date": day_text(r.valid_until)},
                _(
                    "The registration of %(object)s (number %(number)s) is valid until %(date)s. "
                    "Apply for its renewal in time."
                )
                % {"object": r, "number": r.registration_number, "date": day_text(r.valid_until)},
            ),
        )
        for r in registrations
    ]
    return _deliver("reminder.registration_expiring", Category.REMINDERS, items)


# The reminders of the daily jobs, in the order they run (name → service).
REMINDERS: tuple[tuple[str, Callable[[datetime.date], int]], ...] = (
    ("findings_due_soon", remind_findings_due_soon),
    ("findings_overdue", remind_findings_overdue),
    ("certificates_expiring", remind_certificates_expiring),
    ("surveillance_due", remind_surveillance_due),
    ("surveillance_overdue", remind_surveillance_overdue),
    ("suspensions_ending", remind_suspensions_ending),
    ("registrations_expiring", remind_registrations_expiring),
)
