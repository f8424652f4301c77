"""Reads for regulators: the dashboard's figures, the plan's progress and the certificate
register, each scoped to the regulator's jurisdictions.

In scope are the enterprises whose province is one of the jurisdictions (their applications,
certificates, findings) and the body registrations made there. Every figure group is one
aggregate query (lists one more, with a limit): the number of queries never depends on the
amount of data.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import Cast, ExtractYear, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import (
    Application,
    BodyRegistration,
    Certificate,
    Decision,
    Organisation,
    Province,
    Sector,
)
from certification.selectors import jurisdictions_of
from core.clock import today
from core.models import LogEntry, User
from oversight.models import HighRiskProductGroup, PlanActivity, PlanTarget

# Rows shown in each dashboard list (the counts cover everything).
LIST_LIMIT = 20
EXPIRY_WINDOW_DAYS = 90
# Certificates that still bind their holder (expiry and surveillance apply to them).
LIVE_STATES = (Certificate.State.ACTIVE, Certificate.State.SUSPENDED)
# Computed plan indicators (codes of PlanTarget rows; the data migration seeds them).
ENTERPRISES_CERTIFIED = "enterprises_certified"
HIGH_RISK_TRACEABLE = "high_risk_traceable"


# --- scope --------------------------------------------------------------------------------


def regulator_provinces(user: User) -> list[Province]:
    """The provinces `user` oversees now, by name (empty for anyone who is not a regulator)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(jurisdictions_of(user).order_by("name"))


def province_for_regulator(user: User, province_id: int | str | None) -> Province:
    """One of the user's jurisdictions (the first when `province_id` is empty).

    Raises PermissionDenied when the user oversees no province, or not this one."""
    provinces = regulator_provinces(user)
    if not provinces:
        raise PermissionDenied(_("Only regulators may open this page."))
    if province_id in (None, ""):
        return provinces[0]
    for province in provinces:
        if str(province.pk) == str(province_id):
            return province
    raise PermissionDenied(_("This province is not in your jurisdiction."))


def _local_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- dashboard ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    day: datetime.date
    applications_by_state: list[tuple[str, str, int]]
    applications_by_body: list[dict]
    applications_total: int
    certificates_by_state: list[tuple[str, str, int]]
    certificates_total: int
    expiring_count: int
    expiring: list[Certificate]
    overdue_surveillance_count: int
    overdue_surveillance: list[Certificate]
    enterprises_by_sector: list[tuple[str, str, int]]
    enterprises_by_commune: list[tuple[str, int]]
    certified_enterprises: int
    majors_overdue_count: int
    majors_overdue: list
    suspended_12m: int
    withdrawn_12m: int
    recent_sanctions: list[LogEntry]
    median_days_to_decision: float | None
    decisions_12m: int
    registrations: list[BodyRegistration]
    registrations_expiring: int = 0


def application_figures(province_ids: list[int]) -> dict:
    """Applications per state and per body (one query: a body-by-state matrix)."""
    rows = (
        Application.objects.filter(enterprise__province_id__in=province_ids)
        .values("body_id", "body__name", "body__code", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_state: dict[str, int] = defaultdict(int)
    bodies: dict[int, dict] = {}
    for row in rows:
        by_state[row["state"]] += row["n"]
        body = bodies.setdefault(
            row["body_id"],
            {
                "name": row["body__name"],
                "code": row["body__code"],
                "total": 0,
                "states": defaultdict(int),
            },
        )
        body["total"] += row["n"]
        body["states"][row["state"]] += row["n"]
    for body in bodies.values():
        body["by_state"] = [body["states"].get(s, 0) for s in Application.State.values]
    return {
        "by_state": [(s, str(label), by_state.get(s, 0)) for s, label in Application.State.choices],
        "by_body": sorted(bodies.values(), key=lambda b: (-b["total"], b["name"])),
        "total": sum(by_state.values()),
    }


def certificate_figures(province_ids: list[int], day: datetime.date) -> dict:
    """Certificates per state, expiring within 90 days, overdue surveillance (one query)."""
    live = Q(state__in=LIVE_STATES)
    soon = day + datetime.timedelta(EXPIRY_WINDOW_DAYS)
    counts = Certificate.objects.filter(enterprise__province_id__in=province_ids).aggregate(
        **{f"state_{s}": Count("pk", filter=Q(state=s)) for s in Certificate.State.values},
        expiring=Count("pk", filter=live & Q(valid_until__gte=day, valid_until__lte=soon)),
        overdue=Count("pk", filter=live & Q(next_surveillance_due__lt=day)),
    )
    by_state = [(s, str(label), counts[f"state_{s}"]) for s, label in Certificate.State.choices]
    return {
        "by_state": by_state,
        "total": sum(n for _s, _l, n in by_state),
        "expiring": counts["expiring"],
        "overdue": counts["overdue"],
    }


def _certificates_in(province_ids: list[int]) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enterprise__province_id__in=province_ids).select_related(
        "enterprise", "body"
    )


def expiring_certificates(province_ids: list[int], day: datetime.date) -> list[Certificate]:
    return list(
        _certificates_in(province_ids)
        .filter(
            state__in=LIVE_STATES,
            valid_until__gte=day,
            valid_until__lte=day + datetime.timedelta(EXPIRY_WINDOW_DAYS),
        )
        .order_by("valid_until", "number")[:LIST_LIMIT]
    )


def overdue_surveillance(province_ids: list[int], day: datetime.date) -> list[Certificate]:
    return list(
        _certificates_in(province_ids)
        .filter(state__in=LIVE_STATES, next_surveillance_due__lt=day)
        .order_by("next_surveillance_due", "number")[:LIST_LIMIT]
    )


def certified_enterprise_figures(province_ids: list[int]) -> dict:
    """Enterprises holding a valid (active) certificate, per sector and per commune (one
    query: a sector-by-commune matrix)."""
    holds_active = Certificate.objects.filter(
        enterprise_id=OuterRef("pk"), state=Certificate.State.ACTIVE
    )
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE, province_id__in=province_ids)
        .filter(Exists(holds_active))
        .values("sector", "commune")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sectors: dict[str, int] = defaultdict(int)
    communes: dict[str, int] = defaultdict(int)
    for row in rows:
        sectors[row["sector"] or ""] += row["n"]
        communes[(row["commune"] or "").strip()] += row["n"]
    labels = dict(Sector.choices)
    by_sector = [
        (code, str(labels.get(code, _("Not given"))) if code else _("Not given"), n)
        for code, n in sorted(sectors.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    by_commune = [
        (name or _("Not given"), n)
        for name, n in sorted(communes.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return {"by_sector": by_sector, "by_commune": by_commune, "total": sum(sectors.values())}


def _overdue_majors(province_ids: list[int], day: datetime.date):
    from audits.models import Finding

    return (
        Finding.objects.filter(severity=Finding.Severity.MAJOR, due_date__lt=day)
        .exclude(state=Finding.State.CLOSED)
        .filter(
            Q(audit__application__enterprise__province_id__in=province_ids)
            | Q(audit__certificate__enterprise__province_id__in=province_ids)
        )
    )


def overdue_majors(province_ids: list[int], day: datetime.date) -> tuple[int, list]:
    """Major findings not closed past their due date: how many, and the oldest. Two queries:
    the count rides on the ids of the first rows (a window), then those rows are loaded."""
    from audits.models import Finding

    first = list(
        _overdue_majors(province_ids, day)
        .annotate(total=Window(Count("pk")))
        .order_by("due_date", "pk")
        .values_list("pk", "total")[:LIST_LIMIT]
    )
    count = first[0][1] if first else 0
    rows = list(
        Finding.objects.filter(pk__in=[pk for pk, _total in first])
        .select_related(
            "audit",
            "audit__application__enterprise",
            "audit__application__body",
            "audit__certificate__enterprise",
            "audit__certificate__body",
        )
        .order_by("due_date", "pk")
    )
    for finding in rows:
        subject = finding.audit.application or finding.audit.certificate
        finding.enterprise, finding.body = subject.enterprise, subject.body
        finding.days_overdue = (day - finding.due_date).days
    return count, rows


def _certificate_log(province_ids: list[int]) -> QuerySet[LogEntry]:
    """Log entries of certificates of enterprises of the provinces. The scope is checked per
    entry by primary key (an index lookup), so the plan does not depend on the planner
    guessing how many certificates a province has."""
    in_scope = Certificate.objects.filter(
        pk=Cast(OuterRef("object_id"), BigIntegerField()),
        enterprise__province_id__in=province_ids,
    )
    return LogEntry.objects.filter(
        content_type__app_label="certification", content_type__model="certificate"
    ).filter(Exists(in_scope))


def sanction_figures(province_ids: list[int], start: datetime.date, end: datetime.date) -> dict:
    """Certificates suspended and withdrawn from `start` to `end` (inclusive), from the log
    (one query; a certificate suspended twice counts once)."""
    rows = (
        _certificate_log(province_ids)
        .filter(
            transition__in=("suspend", "withdraw"),
            created_at__gte=_local_start(start),
            created_at__lt=_local_start(end + datetime.timedelta(days=1)),
        )
        .values("transition")
        .annotate(n=Count("object_id", distinct=True))
        .order_by()
    )
    counts = {row["transition"]: row["n"] for row in rows}
    return {"suspended": counts.get("suspend", 0), "withdrawn": counts.get("withdraw", 0)}


def recent_sanctions(province_ids: list[int], start: datetime.date) -> list[LogEntry]:
    return list(
        _certificate_log(province_ids)
        .filter(transition__in=("suspend", "withdraw"), created_at__gte=_local_start(start))
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )


def decision_lead_time(province_ids: list[int], start: datetime.date, end: datetime.date) -> dict:
    """Median days from the (last) submission of an application to its decision, over the
    decisions taken from `start` to `end` (one query; the days are counted by the database,
    submission dates in the local time zone). On PostgreSQL the median is the database's
    `percentile_cont(0.5)`, so no row leaves it; elsewhere the days are fetched."""
    decisions = Decision.objects.filter(
        application__enterprise__province_id__in=province_ids,
        application__submitted_at__isnull=False,
        decided_on__gte=start,
        decided_on__lte=end,
    )
    if connection.vendor == "postgresql":
        days = Func(
            F("decided_on"),
            TruncDate("application__submitted_at"),
            arg_joiner=" - ",
            template="(%(expressions)s)",
            output_field=IntegerField(),
        )
        figures = decisions.aggregate(median=Median(days), count=Count("pk"))
        median = figures["median"]
        if median is not None and float(median).is_integer():
            median = int(median)
        return {"median": median, "count": figures["count"]}
    rows = decisions.values_list(
        F("decided_on") - TruncDate("application__submitted_at"), flat=True
    )
    days = [lead.days for lead in rows]
    return {"median": statistics.median(days) if days else None, "count": len(days)}


class Median(Aggregate):
    """PostgreSQL's continuous median of a numeric expression."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def registrations_in(province_ids: list[int]) -> list[BodyRegistration]:
    """Body registrations made in the jurisdictions (drafts left out), soonest expiry first."""
    return list(
        BodyRegistration.objects.filter(jurisdiction_id__in=province_ids)
        .exclude(state=BodyRegistration.State.DRAFT)
        .select_related("body", "scheme", "jurisdiction")
        .order_by("valid_until", "body__name", "pk")[:100]
    )


def dashboard(province_ids: list[int], day: datetime.date | None = None) -> Dashboard:
    """Every figure of the regulator dashboard for the provinces `province_ids` on `day`."""
    day = day or today()
    year_ago = day - relativedelta(months=12)
    applications = application_figures(province_ids)
    certificates = certificate_figures(province_ids, day)
    enterprises = certified_enterprise_figures(province_ids)
    majors_count, majors = overdue_majors(province_ids, day)
    sanctions = sanction_figures(province_ids, year_ago, day)
    lead_time = decision_lead_time(province_ids, year_ago, day)
    registrations = registrations_in(province_ids)
    soon = day + datetime.timedelta(EXPIRY_WINDOW_DAYS)
    for registration in registrations:
        registration.expiring_soon = (
            registration.state == BodyRegistration.State.REGISTERED
            and registration.valid_until is not None
            and registration.valid_until <= soon
        )
    return Dashboard(
        day=day,
        applications_by_state=applications["by_state"],
        applications_by_body=applications["by_body"],
        applications_total=applications["total"],
        certificates_by_state=certificates["by_state"],
        certificates_total=certificates["total"],
        expiring_count=certificates["expiring"],
        expiring=expiring_certificates(province_ids, day),
        overdue_surveillance_count=certificates["overdue"],
        overdue_surveillance=overdue_surveillance(province_ids, day),
        enterprises_by_sector=enterprises["by_sector"],
        enterprises_by_commune=enterprises["by_commune"],
        certified_enterprises=enterprises["total"],
        majors_overdue_count=majors_count,
        majors_overdue=majors,
        suspended_12m=sanctions["suspended"],
        withdrawn_12m=sanctions["withdrawn"],
        recent_sanctions=recent_sanctions(province_ids, year_ago),
        median_days_to_decision=lead_time["median"],
        decisions_12m=lead_time["count"],
        registrations=registrations,
        registrations_expiring=sum(1 for r in registrations if r.expiring_soon),
    )


# --- plan -----------------------------------------------------------------------------------


def plan_targets_for(province: Province) -> list[PlanTarget]:
    """The targets that apply in `province`: its own rows, else the defaults (one query)."""
    chosen: dict[str, PlanTarget] = {}
    for target in PlanTarget.objects.filter(
        Q(jurisdiction=province) | Q(jurisdiction__isnull=True)
    ):
        if target.code not in chosen or target.jurisdiction_id is not None:
            chosen[target.code] = target
    return sorted(chosen.values(), key=lambda t: (t.position, t.code))


@dataclass
class IndicatorProgress:
    target: PlanTarget
    # (year, value in the year, cumulative to the end of the year); value None when unknown.
    years: list[tuple[int, float | None, float | None]]
    total: float | None
    # The figure is a snapshot of today (a percentage), not a sum over the years.
    snapshot: bool = False
    detail: str = ""

    @property
    def percent_of_target(self) -> float | None:
        if self.total is None or not self.target.target_value:
            return None
        return round(float(self.total) / float(self.target.target_value) * 100, 1)

    @property
    def met(self) -> bool:
        return self.total is not None and float(self.total) >= float(self.target.target_value)

    def value_in(self, year: int) -> float | None:
        return next((v for y, v, _c in self.years if y == year), None)

    def cumulative_to(self, year: int) -> float | None:
        return next((c for y, _v, c in self.years if y == year), None)


def _running(target: PlanTarget, per_year: dict[int, float]) -> IndicatorProgress:
    years, running = [], 0.0
    for year in range(target.year_from, target.year_to + 1):
        value = per_year.get(year, 0)
        running += value
        years.append((year, value, running))
    return IndicatorProgress(target=target, years=years, total=running)


def high_risk_coverage(province: Province) -> dict:
    """High-risk product groups of the province and how many are covered: a valid (active)
    certificate of the group, or an enterprise recorded as tracing it (one query)."""
    covering_certificate = Certificate.objects.filter(
        high_risk_groups=OuterRef("pk"), state=Certificate.State.ACTIVE
    )
    tracing_enterprise = HighRiskProductGroup.enterprises.through.objects.filter(
        highriskproductgroup_id=OuterRef("pk")
    )
    counts = HighRiskProductGroup.objects.filter(jurisdiction=province).aggregate(
        total=Count("pk"),
        covered=Count("pk", filter=Q(Exists(covering_certificate)) | Q(Exists(tracing_enterprise))),
    )
    total, covered = counts["total"], counts["covered"]
    return {
        "total": total,
        "covered": covered,
        "percent": round(covered / total * 100, 1) if total else None,
    }


def plan_progress(province: Province, day: datetime.date | None = None) -> list[IndicatorProgress]:
    """Progress of every indicator of the plan in `province`, per year and cumulative.

    - enterprises certified: enterprises of the province with a certificate issued within the
      plan's years, counted in the year of their first such certificate;
    - high-risk product groups with traceability: the percentage covered today (a snapshot);
    - every other indicator: the sum of the quantities of the activities recorded, by year.
    A constant number of queries (4)."""
    day = day or today()
    targets = plan_targets_for(province)
    sums: dict[str, dict[int, float]] = defaultdict(dict)
    for row in (
        PlanActivity.objects.filter(jurisdiction=province)
        .values("target__code", year=ExtractYear("date"))
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        sums[row["target__code"]][row["year"]] = row["total"]
    result = []
    for target in targets:
        if target.code == ENTERPRISES_CERTIFIED and target.computed:
            first = (
                Certificate.objects.filter(
                    enterprise__province=province,
                    issued_on__year__gte=target.year_from,
                    issued_on__year__lte=target.year_to,
                )
                .values("enterprise_id")
                .annotate(first=Min("issued_on"))
                .order_by()
            )
            per_year: dict[int, float] = defaultdict(int)
            for row in first:
                per_year[row["first"].year] += 1
            result.append(_running(target, per_year))
        elif target.code == HIGH_RISK_TRACEABLE and target.computed:
            coverage = high_risk_coverage(province)
            percent = coverage["percent"]
            years = [
                (y, percent if y == day.year else None, percent if y == day.year else None)
                for y in range(target.year_from, target.year_to + 1)
            ]
            result.append(
                IndicatorProgress(
                    target=target,
                    years=years,
                    total=percent,
                    snapshot=True,
                    detail=_("%(covered)d of %(total)d groups covered")
                    % {"covered": coverage["covered"], "total": coverage["total"]},
                )
            )
        else:
            result.append(_running(target, sums.get(target.code, {})))
    return result


def activities_of(province: Province, year: int | None = None) -> QuerySet[PlanActivity]:
    activities = PlanActivity.objects.filter(jurisdiction=province).select_related(
        "target", "recorded_by"
    )
    if year is not None:
        activities = activities.filter(date__year=year)
    return activities.order_by("-date", "-id")


def activity_get_for_user(user: User, pk: int) -> PlanActivity:
    """The activity if `user` oversees its province; Http404 otherwise."""
    from django.shortcuts import get_object_or_404

    provinces = [p.pk for p in regulator_provinces(user)]
    return get_object_or_404(
        PlanActivity.objects.select_related("target"), pk=pk, jurisdiction_id__in=provinces
    )


def year_summary(province: Province, year: int) -> dict:
    """Certification in `province` during `year`: certificates issued, suspended, withdrawn
    (two queries)."""
    issued = Certificate.objects.filter(
        enterprise__province=province, issued_on__year=year
    ).aggregate(certificates=Count("pk"), enterprises=Count("enterprise_id", distinct=True))
    sanctions = sanction_figures(
        [province.pk], datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    )
    return {**issued, **sanctions}


# --- register -------------------------------------------------------------------------------


def certificate_register(
    province_ids: list[int],
    *,
    state: str = "",
    body: Organisation | None = None,
    sector: str = "",
    issued_from: datetime.date | None = None,
    issued_to: datetime.date | None = None,
) -> QuerySet[Certificate]:
    """Certificates of enterprises of the provinces, filtered, newest first."""
    certificates = Certificate.objects.filter(enterprise__province_id__in=province_ids)
    if state:
        certificates = certificates.filter(state=state)
    if body is not None:
        certificates = certificates.filter(body=body)
    if sector:
        certificates = certificates.filter(enterprise__sector=sector)
    if issued_from:
        certificates = certificates.filter(issued_on__gte=issued_from)
    if issued_to:
        certificates = certificates.filter(issued_on__lte=issued_to)
    return certificates.select_related(
        "enterprise", "enterprise__province", "body", "scheme"
    ).order_by("-issued_on", "-number")


def bodies_in_scope(province_ids: list[int]) -> QuerySet[Organisation]:
    """Bodies registered in the provinces or certifying their enterprises (filter choices)."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
        .filter(
            Q(registrations__jurisdiction_id__in=province_ids)
            | Q(issued_certificates__enterprise__province_id__in=province_ids)
            | Q(province_id__in=province_ids)
        )
        .distinct()
        .order_by("name")
    )
