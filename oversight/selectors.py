"""Reads for regulators: the dashboard's figures, the plan's progress and the certificate
register, each scoped to the regulator's jurisdictions.

In scope are the enterprises whose province is one of the jurisdictions (their applications,
certificates, findings) and the body registrations made there. Every figure group is one
aggregate query (lists one more, with a limit): the number of queries never depends on the
amount of data.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
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
from oversight.models import (
    HighRiskCoverageSnapshot,
    HighRiskProduct,
    Ministry,
    OutsideCertification,
    PlanActivity,
    PlanTarget,
    TaskGroup,
)

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


# --- enterprises certified ----------------------------------------------------------------


def _withdrawn_at() -> Subquery:
    """When the certificate (the outer row) was withdrawn, from its log (None: never)."""
    return Subquery(
        LogEntry.objects.filter(
            content_type__app_label="certification",
            content_type__model="certificate",
            object_id=Cast(OuterRef("pk"), CharField()),
            transition="withdraw",
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )


@dataclass
class CertifiedEnterprise:
    tax_code: str
    name: str
    # (certificate number, issuer, valid until, recorded outside the system)
    certificates: list[tuple[str, str, datetime.date, bool]]


def certified_enterprises(
    province_ids: list[int], ends: list[datetime.date]
) -> dict[datetime.date, list[CertifiedEnterprise]]:
    """For each day of `ends` (a period's end), the enterprises of the provinces holding a
    certificate valid that day: issued by then, within its dates, not withdrawn by then (and,
    for today or later, active now: a suspended one does not count), plus the certifications
    by outside bodies the regulator recorded (valid that day, not withdrawn). An enterprise is
    counted once (by tax code) however many certificates it holds. Two queries."""
    now = today()
    rows = list(
        Certificate.objects.filter(enterprise__province_id__in=province_ids)
        .annotate(withdrawn_at=_withdrawn_at())
        .values_list(
            "enterprise__tax_code",
            "enterprise__name",
            "number",
            "body__name",
            "issued_on",
            "valid_from",
            "valid_until",
            "state",
            "withdrawn_at",
        )
    )
    outside = list(
        OutsideCertification.objects.filter(jurisdiction_id__in=province_ids).values_list(
            "tax_code",
            "enterprise_name",
            "certificate_number",
            "issuer",
            "valid_from",
            "valid_until",
            "withdrawn_on",
        )
    )
    result = {}
    for end in ends:
        found: dict[str, CertifiedEnterprise] = {}
        for tax, name, number, body, issued, start, until, state, withdrawn in rows:
            if not (issued <= end and start <= end <= until):
                continue
            if withdrawn is not None and timezone.localdate(withdrawn) <= end:
                continue
            if end >= now and state != Certificate.State.ACTIVE:
                continue
            found.setdefault(tax, CertifiedEnterprise(tax, name, [])).certificates.append(
                (number, body, until, False)
            )
        for tax, name, number, issuer, start, until, withdrawn in outside:
            if not start <= end <= until or (withdrawn is not None and withdrawn <= end):
                continue
            found.setdefault(tax, CertifiedEnterprise(tax, name, [])).certificates.append(
                (number, issuer, until, True)
            )
        result[end] = sorted(found.values(), key=lambda e: (e.name, e.tax_code))
    return result


def _certified_sources(province_ids: list[int], day: datetime.date):
    """The certificates and the outside certifications that make an enterprise of the
    provinces certified on `day`, by the rules of `certified_enterprises` (querysets)."""
    withdrawn_by_then = LogEntry.objects.filter(
        content_type__app_label="certification",
        content_type__model="certificate",
        object_id=Cast(OuterRef("pk"), CharField()),
        transition="withdraw",
        created_at__lt=_local_start(day + datetime.timedelta(days=1)),
    )
    own = Certificate.objects.filter(
        enterprise__province_id__in=province_ids,
        issued_on__lte=day,
        valid_from__lte=day,
        valid_until__gte=day,
    )
    if day >= today():
        # Active now: never withdrawn (a withdrawal is final), no log to look at.
        own = own.filter(state=Certificate.State.ACTIVE)
    else:
        own = own.exclude(Exists(withdrawn_by_then))
    outside = OutsideCertification.objects.filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day),
        jurisdiction_id__in=province_ids,
        valid_from__lte=day,
        valid_until__gte=day,
    )
    return own, outside


def certified_enterprise_count(province_ids: list[int], day: datetime.date) -> int:
    """How many enterprises `certified_enterprises` lists for `day`, by the same rules, counted
    by the database (one query: the union of the tax codes; no certificate row leaves it)."""
    own, outside = _certified_sources(province_ids, day)
    return (
        own.values_list("enterprise__tax_code")
        .order_by()
        .union(outside.values_list("tax_code").order_by())
        .count()
    )


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
    # Enterprises certified now, also by outside bodies (the plan's indicator).
    enterprises_certified: int = 0
    # One row per province when several are in scope (the national dashboard compares them).
    provinces: list[dict] | None = None


def application_figures(province_ids: list[int]) -> dict:
    """Applications per state, per body and per province (one query: a body-by-state matrix
    per province)."""
    rows = (
        Application.objects.filter(enterprise__province_id__in=province_ids)
        .values("body_id", "body__name", "body__code", "state", "enterprise__province_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_state: dict[str, int] = defaultdict(int)
    by_province: dict[int, int] = defaultdict(int)
    bodies: dict[int, dict] = {}
    for row in rows:
        by_state[row["state"]] += row["n"]
        by_province[row["enterprise__province_id"]] += row["n"]
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
        "by_province": dict(by_province),
        "total": sum(by_state.values()),
    }


def certificate_figures(province_ids: list[int], day: datetime.date) -> dict:
    """Certificates per state, expiring within 90 days, overdue surveillance, in all and per
    province (one query)."""
    live = Q(state__in=LIVE_STATES)
    soon = day + datetime.timedelta(EXPIRY_WINDOW_DAYS)
    rows = (
        Certificate.objects.filter(enterprise__province_id__in=province_ids)
        .values("enterprise__province_id")
        .annotate(
            **{f"state_{s}": Count("pk", filter=Q(state=s)) for s in Certificate.State.values},
            expiring=Count("pk", filter=live & Q(valid_until__gte=day, valid_until__lte=soon)),
            overdue=Count("pk", filter=live & Q(next_surveillance_due__lt=day)),
        )
        .order_by()
    )
    per_province = {row.pop("enterprise__province_id"): row for row in rows}
    counts: dict[str, int] = defaultdict(int)
    for row in per_province.values():
        for key, n in row.items():
            counts[key] += n
    by_state = [(s, str(label), counts[f"state_{s}"]) for s, label in Certificate.State.choices]
    return {
        "by_state": by_state,
        "total": sum(n for _s, _l, n in by_state),
        "expiring": counts["expiring"],
        "overdue": counts["overdue"],
        "by_province": per_province,
    }


def _certificates_in(province_ids: list[int]) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enterprise__province_id__in=province_ids).select_related(
        "enterprise", "body"
    )


def expiring_certificates_qs(province_ids: list[int], day: datetime.date):
    """Live certificates ending within EXPIRY_WINDOW_DAYS of `day`, soonest first."""
    return (
        _certificates_in(province_ids)
        .filter(
            state__in=LIVE_STATES,
            valid_until__gte=day,
            valid_until__lte=day + datetime.timedelta(EXPIRY_WINDOW_DAYS),
        )
        .order_by("valid_until", "number")
    )


def expiring_certificates(province_ids: list[int], day: datetime.date) -> list[Certificate]:
    return list(expiring_certificates_qs(province_ids, day)[:LIST_LIMIT])


def overdue_surveillance_qs(province_ids: list[int], day: datetime.date):
    """Live certificates whose surveillance was due before `day`, longest overdue first."""
    return (
        _certificates_in(province_ids)
        .filter(state__in=LIVE_STATES, next_surveillance_due__lt=day)
        .order_by("next_surveillance_due", "number")
    )


def overdue_surveillance(province_ids: list[int], day: datetime.date) -> list[Certificate]:
    return list(overdue_surveillance_qs(province_ids, day)[:LIST_LIMIT])


def holds_active_certificate():
    """Subquery for an enterprise (OuterRef "pk") holding an active certificate."""
    return Certificate.objects.filter(enterprise_id=OuterRef("pk"), state=Certificate.State.ACTIVE)


def certified_enterprise_figures(province_ids: list[int]) -> dict:
    """Enterprises holding a valid (active) certificate, per sector and per commune (one
    query: a sector-by-commune matrix)."""
    holds_active = holds_active_certificate()
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


def decisions_between(province_ids: list[int], start: datetime.date, end: datetime.date):
    """Decisions taken from `start` to `end` on submitted applications of these provinces'
    enterprises: those the median days to decision is taken over."""
    return Decision.objects.filter(
        application__enterprise__province_id__in=province_ids,
        application__submitted_at__isnull=False,
        decided_on__gte=start,
        decided_on__lte=end,
    )


def decision_lead_time(province_ids: list[int], start: datetime.date, end: datetime.date) -> dict:
    """Median days from the (last) submission of an application to its decision, over the
    decisions taken from `start` to `end` (one query; the days are counted by the database,
    submission dates in the local time zone). On PostgreSQL the median is the database's
    `percentile_cont(0.5)`, so no row leaves it; elsewhere the days are fetched."""
    decisions = decisions_between(province_ids, start, end)
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
    """Body registrations filed in the jurisdictions or of bodies located there (registration is
    decided nationally; provinces see their bodies'), drafts left out, soonest expiry first."""
    return list(
        BodyRegistration.objects.filter(
            Q(jurisdiction_id__in=province_ids) | Q(body__province_id__in=province_ids)
        )
        .exclude(state=BodyRegistration.State.DRAFT)
        .select_related("body", "scheme", "jurisdiction")
        .order_by("valid_until", "body__name", "pk")[:100]
    )


def province_comparison(
    province_ids: list[int],
    day: datetime.date,
    applications: dict[int, int],
    certificates: dict[int, dict],
) -> list[dict]:
    """The provinces side by side: applications, active certificates, certified enterprises
    (also by outside bodies), suspensions and withdrawals in the last 12 months, overdue
    surveillance. `applications` and `certificates` are the by-province figures of
    application_figures and certificate_figures. Constant number of queries (2)."""
    provinces = list(Province.objects.filter(pk__in=province_ids).order_by("name"))
    # Each province's certified enterprises by the rules of certified_enterprise_count (the
    # distinct pairs of tax code and province, one query).
    own, outside = _certified_sources(province_ids, day)
    certified = Counter(
        province_id
        for _tax, province_id in own.values_list("enterprise__tax_code", "enterprise__province_id")
        .order_by()
        .union(outside.values_list("tax_code", "jurisdiction_id").order_by())
    )
    empty: dict[str, int] = {}
    return [
        {
            "province": province,
            "applications": applications.get(province.pk, 0),
            "enterprises_certified": certified[province.pk],
            "active": certificates.get(province.pk, empty).get("state_active", 0),
            "suspended": certificates.get(province.pk, empty).get("state_suspended", 0),
            "withdrawn": certificates.get(province.pk, empty).get("state_withdrawn", 0),
            "overdue": certificates.get(province.pk, empty).get("overdue", 0),
        }
        for province in provinces
    ]


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
        enterprises_certified=certified_enterprise_count(province_ids, day),
        provinces=(
            province_comparison(
                province_ids, day, applications["by_province"], certificates["by_province"]
            )
            if len(province_ids) > 1
            else None
        ),
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


def _covering_certificates(day: datetime.date) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        state=Certificate.State.ACTIVE, valid_from__lte=day, valid_until__gte=day
    )


def high_risk_coverage(province: Province, day: datetime.date | None = None) -> dict:
    """The province's list of high-risk products and how many are covered on `day`: a valid
    certificate of the product, or an enterprise recorded as tracing it. Per ministry's list
    and group, and in total (one query)."""
    day = day or today()
    covering = _covering_certificates(day).filter(high_risk_products=OuterRef("pk"))
    tracing = HighRiskProduct.enterprises.through.objects.filter(highriskproduct_id=OuterRef("pk"))
    rows = (
        HighRiskProduct.objects.filter(group__jurisdiction=province)
        .values("group_id", "group__name", "group__ministry")
        .annotate(
            total=Count("pk"),
            covered=Count("pk", filter=Q(Exists(covering)) | Q(Exists(tracing))),
        )
        .order_by("group__ministry", "group__name")
    )
    ministries: dict[str, dict] = {}
    labels = dict(Ministry.choices)
    for row in rows:
        ministry = ministries.setdefault(
            row["group__ministry"],
            {
                "code": row["group__ministry"],
                "label": str(labels.get(row["group__ministry"], row["group__ministry"])),
                "groups": [],
                "total": 0,
                "covered": 0,
            },
        )
        ministry["groups"].append(
            {
                "id": row["group_id"],
                "name": row["group__name"],
                "total": row["total"],
                "covered": row["covered"],
            }
        )
        ministry["total"] += row["total"]
        ministry["covered"] += row["covered"]
    total = sum(m["total"] for m in ministries.values())
    covered = sum(m["covered"] for m in ministries.values())
    return {
        "total": total,
        "covered": covered,
        "percent": round(covered / total * 100, 1) if total else None,
        "by_ministry": list(ministries.values()),
    }


def high_risk_products(province: Province, day: datetime.date | None = None) -> list:
    """The products behind the coverage figure, each with `covered` and what covers it (its
    valid certificates, the enterprises tracing it). Three queries."""
    day = day or today()
    products = list(
        HighRiskProduct.objects.filter(group__jurisdiction=province)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "certificates",
                queryset=_covering_certificates(day).select_related("enterprise"),
                to_attr="valid_certificates",
            ),
            "enterprises",
        )
        .order_by("group__ministry", "group__name", "name")
    )
    for product in products:
        product.tracing = list(product.enterprises.all())
        product.covered = bool(product.valid_certificates or product.tracing)
    return products


def high_risk_snapshots(province: Province) -> list[HighRiskCoverageSnapshot]:
    return list(HighRiskCoverageSnapshot.objects.filter(jurisdiction=province).order_by("year"))


def plan_progress(province: Province, day: datetime.date | None = None) -> list[IndicatorProgress]:
    """Progress of every indicator of the plan in `province`, per year and cumulative.

    - enterprises certified: the enterprises holding a certificate valid at the end of each
      year (today for this year), with the certifications by outside bodies recorded;
    - high-risk products with traceability: the percentage of listed products covered, today
      for this year and from the yearly snapshots before;
    - every other indicator: the sum of the quantities of the activities recorded, by year
      (activities of a task group without an indicator count towards none).
    A constant number of queries."""
    day = day or today()
    targets = plan_targets_for(province)
    sums: dict[str, dict[int, float]] = defaultdict(dict)
    for row in (
        PlanActivity.objects.filter(jurisdiction=province, target__isnull=False)
        .values("target__code", year=ExtractYear("date"))
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        sums[row["target__code"]][row["year"]] = row["total"]
    result = []
    for target in targets:
        if target.code == ENTERPRISES_CERTIFIED and target.computed:
            # A stock, not a sum: the enterprises certified at the end of each year so far
            # (today for the current year).
            ends = {
                y: min(datetime.date(y, 12, 31), day)
                for y in range(target.year_from, min(target.year_to, day.year) + 1)
            }
            counts = certified_enterprises([province.pk], list(ends.values()))
            years = [
                (y, len(counts[ends[y]]), len(counts[ends[y]])) if y in ends else (y, None, None)
                for y in range(target.year_from, target.year_to + 1)
            ]
            last = ends.get(min(target.year_to, day.year))
            result.append(
                IndicatorProgress(
                    target=target,
                    years=years,
                    total=len(counts[last]) if last else 0,
                    snapshot=True,
                )
            )
        elif target.code == HIGH_RISK_TRACEABLE and target.computed:
            # Past years from their snapshots, the current year live.
            coverage = high_risk_coverage(province, day)
            snapshots = {s.year: s.percent for s in high_risk_snapshots(province)}
            percent = coverage["percent"]
            years = []
            for y in range(target.year_from, target.year_to + 1):
                value = percent if y == day.year else snapshots.get(y)
                years.append((y, value, value))
            result.append(
                IndicatorProgress(
                    target=target,
                    years=years,
                    total=percent,
                    snapshot=True,
                    detail=_("%(covered)d of %(total)d products covered")
                    % {"covered": coverage["covered"], "total": coverage["total"]},
                )
            )
        else:
            result.append(_running(target, sums.get(target.code, {})))
    return result


def activities_of(
    province: Province,
    year: int | None = None,
    *,
    target_code: str = "",
    task_group: str = "",
) -> QuerySet[PlanActivity]:
    activities = PlanActivity.objects.filter(jurisdiction=province).select_related(
        "target", "recorded_by"
    )
    if year is not None:
        activities = activities.filter(date__year=year)
    if target_code:
        activities = activities.filter(target__code=target_code)
    if task_group:
        activities = activities.filter(task_group=task_group)
    return activities.order_by("-date", "-id")


def task_group_summary(province: Province) -> list[tuple[str, str, int]]:
    """Per task group of the plan: how many activities were recorded (one query)."""
    counts = dict(
        PlanActivity.objects.filter(jurisdiction=province)
        .exclude(task_group="")
        .values_list("task_group")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(code, str(label), counts.get(code, 0)) for code, label in TaskGroup.choices]


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
