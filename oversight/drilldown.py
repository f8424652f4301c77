"""The lists behind the regulator dashboard's figure cards: for each card, the rows it counts,
with the figure's own definition (the selectors' filters reused, never re-derived), so that
the list's row count is the figure. Each list is one page of a queryset (constant queries)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from certification.models import Application, Organisation
from oversight import selectors
from oversight.selectors import (
    _certificate_log,
    _local_start,
    _overdue_majors,
)


@dataclass(frozen=True)
class Figure:
    title: str
    # What each row is: application, certificate, enterprise, finding, decision, certified.
    kind: str
    rows: Callable[[list[int], datetime.date], QuerySet | list]
    # Fields searched by `?q=` (empty: no search).
    search: tuple[str, ...] = ()


def _applications(ids, day):
    return (
        Application.objects.filter(enterprise__province_id__in=ids)
        .select_related("enterprise", "body")
        .order_by("-created_at", "-pk")
    )


def _certificates(ids, day):
    return selectors._certificates_in(ids).order_by("number", "pk")


def _certified_enterprises(ids, day):
    return (
        Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE, province_id__in=ids)
        .filter(Exists(selectors.holds_active_certificate()))
        .select_related("province")
        .order_by("name", "pk")
    )


def _enterprises_certified(ids, day):
    # The plan's indicator (also by outside bodies): a list made in Python (two queries).
    return selectors.certified_enterprises(ids, [day])[day]


def _majors_overdue(ids, day):
    return (
        _overdue_majors(ids, day)
        .select_related(
            "audit",
            "audit__application__enterprise",
            "audit__application__body",
            "audit__certificate__enterprise",
            "audit__certificate__body",
        )
        .order_by("due_date", "pk")
    )


def _sanctioned(transition: str):
    """Certificates with a `transition` entry in the last 12 months (each once), as
    `sanction_figures` counts them, with the day of the latest such entry."""

    def rows(ids, day):
        entries = _certificate_log(ids).filter(
            transition=transition,
            created_at__gte=_local_start(day - relativedelta(months=12)),
            created_at__lt=_local_start(day + datetime.timedelta(days=1)),
        )
        return (
            _certificates(ids, day)
            .filter(pk__in=entries.annotate(cid=Cast("object_id", BigIntegerField())).values("cid"))
            .annotate(
                sanctioned_at=Subquery(
                    entries.filter(object_id=Cast(OuterRef("pk"), CharField()))
                    .order_by("-created_at")
                    .values("created_at")[:1]
                )
            )
            .order_by("-sanctioned_at", "number")
        )

    return rows


def _decisions(ids, day):
    return (
        selectors.decisions_between(ids, day - relativedelta(months=12), day)
        .select_related("application__enterprise", "application__body")
        .order_by("-decided_on", "-pk")
    )


FIGURES: dict[str, Figure] = {
    "applications": Figure(
        _("Applications"), "application", _applications, ("number", "enterprise__name")
    ),
    "certificates": Figure(
        _("Certificates"), "certificate", _certificates, ("number", "enterprise__name")
    ),
    "certified_enterprises": Figure(
        _("Certified enterprises"), "enterprise", _certified_enterprises, ("name", "tax_code")
    ),
    "enterprises_certified": Figure(
        _("Enterprises certified (plan indicator, also by outside bodies)"),
        "certified",
        _enterprises_certified,
    ),
    "expiring": Figure(
        _("Certificates expiring within 90 days"),
        "certificate",
        selectors.expiring_certificates_qs,
        ("number", "enterprise__name"),
    ),
    "overdue_surveillance": Figure(
        _("Surveillance overdue"),
        "certificate",
        selectors.overdue_surveillance_qs,
        ("number", "enterprise__name"),
    ),
    "majors_overdue": Figure(
        _("Major findings open past their deadline"), "finding", _majors_overdue
    ),
    "suspended_12m": Figure(
        _("Suspended in the last 12 months"),
        "certificate",
        _sanctioned("suspend"),
        ("number", "enterprise__name"),
    ),
    "withdrawn_12m": Figure(
        _("Withdrawn in the last 12 months"),
        "certificate",
        _sanctioned("withdraw"),
        ("number", "enterprise__name"),
    ),
    "median_days": Figure(
        _("Decisions of the last 12 months (behind the median days to decision)"),
        "decision",
        _decisions,
        ("application__number", "application__enterprise__name"),
    ),
}


def figure_rows(code: str, province_ids: list[int], day: datetime.date, q: str = ""):
    """The rows behind figure `code` (KeyError for an unknown code), narrowed by `q`."""
    figure = FIGURES[code]
    rows = figure.rows(province_ids, day)
    q = q.strip()
    if q and figure.search and isinstance(rows, QuerySet):
        match = Q()
        for field in figure.search:
            match |= Q(**{f"{field}__icontains": q})
        rows = rows.filter(match)
    return rows
