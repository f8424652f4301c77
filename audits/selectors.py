"""Reads about audits: what other apps rely on (team, readiness for a decision, impartiality)
and what a user may see, authorised where it is fetched."""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from audits.models import (
    TRACE_TEST_KINDS,
    AssessorQualification,
    Audit,
    AuditTeamMember,
    Finding,
    Function,
    TraceTest,
    WitnessedAudit,
)
from certification.models import (
    ROLE_PERMISSIONS,
    Application,
    Certificate,
    Membership,
    Organisation,
    Role,
)
from core.clock import today
from core.models import User

# The closed audits a decision needs, by kind of application; the last one named is the
# audit the decision rests on (it carries the trace test).
REQUIRED_AUDITS = {
    Application.Kind.INITIAL: (Audit.Kind.STAGE1, Audit.Kind.STAGE2),
    Application.Kind.RECERTIFICATION: (Audit.Kind.RECERTIFICATION,),
    Application.Kind.SCOPE_EXTENSION: (Audit.Kind.SPECIAL,),
    # A reduction is decided on the evidence already held; a transfer on the pre-transfer
    # review (a special audit may be added to either, but is not required).
    Application.Kind.SCOPE_REDUCTION: (),
    Application.Kind.TRANSFER: (),
}


def team_user_ids(application) -> set[int]:
    """Users on any non-cancelled audit team of `application` (any role)."""
    return set(
        AuditTeamMember.objects.filter(
            Q(audit__application=application) | Q(audit__certificate__application=application)
        )
        .exclude(audit__state=Audit.State.CANCELLED)
        .values_list("user_id", flat=True)
    )


def application_ids_on_team(user) -> QuerySet:
    """Ids of the applications whose audits (or whose certificates' audits) `user` is on the
    team of, cancelled audits aside: a subquery for `pk__in`."""
    if not user.is_authenticated:
        return Application.objects.none().values_list("pk", flat=True)
    return (
        AuditTeamMember.objects.filter(user_id=user.pk)
        .exclude(audit__state=Audit.State.CANCELLED)
        .annotate(
            application_id=Coalesce("audit__application_id", "audit__certificate__application_id")
        )
        .values_list("application_id", flat=True)
    )


def decision_blockers(application) -> list[tuple[str, str]]:
    """Why `application` is not ready for a decision: (guard code, reason) pairs, first the
    most fundamental. Empty when ready."""
    problems: list[tuple[str, str]] = []
    closed = (
        Audit.objects.filter(application=application, state=Audit.State.CLOSED)
        .annotate(has_trace_test=Exists(TraceTest.objects.filter(audit=OuterRef("pk"))))
        .order_by("-actual_end", "-pk")
    )
    latest: dict[str, Audit] = {}
    for audit in closed:
        latest.setdefault(audit.kind, audit)
    required = REQUIRED_AUDITS[application.kind]
    missing = [kind for kind in required if kind not in latest]
    if missing:
        problems.append(
            (
                "audit_missing",
                _("These audits are not closed yet: %(kinds)s.")
                % {"kinds": ", ".join(str(Audit.Kind(k).label) for k in missing)},
            )
        )
    decisive = latest.get(required[-1]) if required else None
    if decisive is not None and decisive.kind in TRACE_TEST_KINDS and not decisive.has_trace_test:
        problems.append(
            (
                "trace_test_missing",
                _("No trace test was recorded in the audit: %(audit)s.")
                % {"audit": decisive.get_kind_display()},
            )
        )

    findings = list(
        Finding.objects.filter(audit__application=application)
        .exclude(audit__state=Audit.State.CANCELLED)
        .values("audit_id", "severity", "state", "verified_at")
    )
    majors = [f for f in findings if f["severity"] == Finding.Severity.MAJOR]
    stage2 = latest.get(Audit.Kind.STAGE2) if application.kind == Application.Kind.INITIAL else None
    if stage2 is not None:
        months = application.scheme.major_verify_months
        limit = stage2.actual_end + relativedelta(months=months)
        late = [
            f
            for f in majors
            if f["audit_id"] == stage2.pk
            and (
                (
                    f["state"] == Finding.State.CLOSED
                    and f["verified_at"] is not None
                    and timezone.localdate(f["verified_at"]) > limit
                )
                or (f["state"] != Finding.State.CLOSED and today() > limit)
            )
        ]
        if late:
            problems.append(
                (
                    "new_stage2_required",
                    _(
                        "A major finding of the stage 2 audit was not verified closed within "
                        "%(n)d months of its last day: a new stage 2 audit is required."
                    )
                    % {"n": months},
                )
            )
    open_majors = sum(1 for f in majors if f["state"] != Finding.State.CLOSED)
    if open_majors:
        problems.append(
            (
                "major_open",
                _("Major findings not closed: %(n)d.") % {"n": open_majors},
            )
        )
    minors_without_plan = sum(
        1
        for f in findings
        if f["severity"] == Finding.Severity.MINOR
        and f["state"] not in (Finding.State.PLAN_ACCEPTED, Finding.State.CLOSED)
    )
    if minors_without_plan:
        problems.append(
            (
                "minor_without_plan",
                _("Minor findings without an accepted corrective-action plan: %(n)d.")
                % {"n": minors_without_plan},
            )
        )
    return problems


def recertification_completed(certificate) -> bool:
    """A recertification audit of `certificate` is closed with every major finding closed."""
    open_major = Finding.objects.filter(
        audit=OuterRef("pk"), severity=Finding.Severity.MAJOR
    ).exclude(state=Finding.State.CLOSED)
    return (
        Audit.objects.filter(
            application__renews=certificate,
            kind=Audit.Kind.RECERTIFICATION,
            state=Audit.State.CLOSED,
        )
        .filter(~Exists(open_major))
        .exists()
    )


def audited_enterprise_ids(user) -> set[int]:
    """Enterprises whose audits `user` was on a team of."""
    if not user.is_authenticated:
        return set()
    rows = (
        Audit.objects.filter(team__user=user)
        .exclude(state=Audit.State.CANCELLED)
        .values_list("application__enterprise_id", "certificate__enterprise_id")
    )
    return {
        application_enterprise or certificate_enterprise
        for application_enterprise, certificate_enterprise in rows
    }


# The permissions (codenames, unique across the models) that make audits visible: a team
# member's on the audit itself, the others' on their body, enterprise or province.
_ROLE_VISIBILITY = (
    ROLE_PERMISSIONS[Role.CB_STAFF],
    ROLE_PERMISSIONS[Role.DECISION_MAKER],
    ROLE_PERMISSIONS[Role.ENTERPRISE],
    ROLE_PERMISSIONS[Role.REGULATOR],
)
_VISIBILITY_PERMISSIONS = ("view_audit", *_ROLE_VISIBILITY)


def audit_subject_q(*, body_ids=None, enterprise_ids=None, prefix: str = "") -> Q:
    """Audits (under `prefix`, e.g. "audit__") of applications or certificates of these bodies
    or enterprises (lists or subqueries of ids): two indexed subqueries, not an OR over joins."""
    where = {"body_id__in": body_ids} if body_ids is not None else {}
    if enterprise_ids is not None:
        where["enterprise_id__in"] = enterprise_ids
    applications = Application.objects.filter(**where).values("pk")
    certificates = Certificate.objects.filter(**where).values("pk")
    return Q(**{f"{prefix}application_id__in": applications}) | Q(
        **{f"{prefix}certificate_id__in": certificates}
    )


class AnyOf(Func):
    """`field IN (ids)` with the ids as one array on PostgreSQL (`= ANY(%s)`): an assessor is
    on the team of thousands of audits, and as thousands of parameters the list cost more to
    compile, send and parse than the query itself. The planner sees the same constant array
    as with IN, so the plans are unchanged. A plain IN elsewhere (SQLite)."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: list[int]):
        super().__init__(F(field))
        self.ids = list(ids)

    def as_sql(self, compiler, connection, **extra_context):
        if not self.ids:
            return "1 = 0", ()
        sql, params = compiler.compile(self.source_expressions[0])
        marks = ", ".join(["%s"] * len(self.ids))
        return f"{sql} IN ({marks})", (*params, *self.ids)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", (*params, self.ids)


def audits_visible_to(user: User, *, pk: int | None = None) -> QuerySet[Audit]:
    """Audits `user` may see: their teams' (object permission granted on assignment), all of
    a body where they are an officer or a decision maker, their enterprise's, and — for a
    regulator — those of enterprises in their province. With `pk`, only that audit (when
    visible): only the grants that could open it are read, not every audit of their teams."""
    if not user.is_authenticated or not user.is_active:
        return Audit.objects.none()
    # One query for every grant that opens audits, turned into integer ids here: guardian
    # keeps object ids as text, and comparing the audits' ids as text would scan them all.
    # Only the branches the user has are built, so each role gets an indexed plan. Only users
    # hold object permissions in this project (the membership and team services grant them).
    wanted = Q(permission__codename__in=_VISIBILITY_PERMISSIONS)
    if pk is not None:
        wanted = Q(permission__codename__in=_ROLE_VISIBILITY) | Q(
            permission__codename="view_audit", object_pk=str(pk)
        )
    grants: dict[str, list[int]] = {}
    for codename, object_pk in UserObjectPermission.objects.filter(wanted, user=user).values_list(
        "permission__codename", "object_pk"
    ):
        if object_pk.isdigit():
            grants.setdefault(codename, []).append(int(object_pk))
    body_ids = grants.get(ROLE_PERMISSIONS[Role.CB_STAFF], []) + grants.get(
        ROLE_PERMISSIONS[Role.DECISION_MAKER], []
    )
    enterprise_ids = grants.get(ROLE_PERMISSIONS[Role.ENTERPRISE], [])
    province_ids = grants.get(ROLE_PERMISSIONS[Role.REGULATOR], [])
    visible = Q(AnyOf("pk", grants.get("view_audit", [])))
    if body_ids:
        visible |= audit_subject_q(body_ids=body_ids)
    if enterprise_ids:
        visible |= audit_subject_q(enterprise_ids=enterprise_ids)
    if province_ids:
        # A regulator oversees the enterprises of their province (like every other selector),
        # not whatever a body located there audits elsewhere; a national regulator, all.
        from certification.selectors import regulated_province_ids

        in_provinces = Organisation.objects.filter(
            province_id__in=regulated_province_ids(user)
        ).values("pk")
        visible |= audit_subject_q(enterprise_ids=in_provinces)
    audits = Audit.objects.filter(visible)
    return audits if pk is None else audits.filter(pk=pk)


def audit_get_for_user(user: User, pk: int) -> Audit:
    """The audit with its application or certificate, client, body and scheme loaded; 404
    when it does not exist or `user` may not see it."""
    audit = (
        audits_visible_to(user, pk=pk)
        .select_related(
            "application__enterprise",
            "application__body",
            "application__scheme",
            "certificate__enterprise",
            "certificate__body",
            "certificate__scheme",
        )
        .filter(pk=pk)
        .first()
    )
    if audit is None:
        raise Http404(_("No such audit."))
    return audit


def findings_visible_to(user: User) -> QuerySet[Finding]:
    """Findings of the audits `user` may see."""
    return Finding.objects.filter(audit__in=audits_visible_to(user).values("pk"))


def finding_get_for_user(user: User, pk: int) -> Finding:
    """The finding with its audit loaded; 404 when `user` may not see it."""
    finding = findings_visible_to(user).select_related("audit").filter(pk=pk).first()
    if finding is None:
        raise Http404(_("No such finding."))
    return finding


def _people_records_visible_to(model, user: User, roles: list[str]):
    """Records of `model` (with a `user`) of the people holding one of `roles` in the bodies
    where `user` is an officer or a decision maker, and the user's own; every one for an
    administrator."""
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if user.is_superuser:
        return model.objects.all()
    bodies = (
        Membership.objects.active()
        .filter(user=user, role__in=[Role.CB_STAFF, Role.DECISION_MAKER])
        .values("organisation_id")
    )
    people = (
        Membership.objects.active()
        .filter(role__in=roles, organisation_id__in=bodies)
        .values("user_id")
    )
    return model.objects.filter(Q(user_id__in=people) | Q(user_id=user.pk))


def qualifications_visible_to(user: User):
    """Qualifications of the assessors of the bodies where `user` is an officer or a decision
    maker, and the user's own; every one for an administrator."""
    return _people_records_visible_to(AssessorQualification, user, [Role.ASSESSOR])


def witnessings_visible_to(user: User):
    """Witnessing records of the people (assessors, officers, decision makers) of the bodies
    where `user` is an officer or a decision maker, and the user's own; every one for an
    administrator."""
    return _people_records_visible_to(
        WitnessedAudit, user, [Role.ASSESSOR, Role.CB_STAFF, Role.DECISION_MAKER]
    )


# --- Team picker ----------------------------------------------------------------------------


@dataclass
class Candidate:
    """A person the body may put on an audit's team, with what the officer must know first:
    the functions they are qualified for (scheme, client's area, planned start), why they may
    not take each role, their conflicts with the client, and their other audits on the dates."""

    user: User
    functions: list[str] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    other_audits: list[dict] = field(default_factory=list)
    on_team: str | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.conflicts)


def team_candidates(audit: Audit) -> list[Candidate]:
    """The body's active assessors as candidates for `audit`'s team (a fixed number of
    queries, whatever the number of people)."""
    from audits.competence import (
        FUNCTIONS_FOR_ROLE,
        records_by_user,
        refusal_from_records,
        technical_area_of,
    )
    from certification.models import ConflictDeclaration

    assessors = Membership.objects.active().filter(organisation=audit.body, role=Role.ASSESSOR)
    people = list(
        User.objects.filter(pk__in=assessors.values("user_id"), is_active=True).order_by(
            "full_name", "username"
        )
    )
    ids = [p.pk for p in people]
    scheme, day = audit.scheme, audit.planned_start
    area = technical_area_of(audit.subject)
    records = records_by_user(ids, scheme=scheme, area=area, day=day)
    conflicts: dict[int, list[str]] = {}
    declared = (
        ConflictDeclaration.objects.barring(enterprise_id=audit.client.pk, scheme=scheme, day=day)
        .filter(user_id__in=ids)
        .order_by("pk")
    )
    names = {p.pk: p.get_full_name() or p.get_username() for p in people}
    for conflict in declared:
        conflicts.setdefault(conflict.user_id, []).append(
            conflict.bar_reason(scheme, names[conflict.user_id])
        )
    application = audit.application
    if application is not None:
        for user_id, what in (
            (application.technical_reviewer_id, _("Technical reviewer of this application.")),
            (application.decision_maker_id, _("Decision maker of this application.")),
        ):
            if user_id in names:
                conflicts.setdefault(user_id, []).append(what)
    busy: dict[int, list[dict]] = {}
    overlapping = (
        AuditTeamMember.objects.filter(
            user_id__in=ids,
            audit__planned_start__lte=audit.planned_end,
            audit__planned_end__gte=audit.planned_start,
        )
        .exclude(audit_id=audit.pk)
        .exclude(audit__state__in=[Audit.State.CANCELLED, Audit.State.CLOSED])
        .select_related("audit__application__enterprise", "audit__certificate__enterprise")
        .order_by("audit__planned_start", "audit_id")
    )
    for member in overlapping:
        other = member.audit
        busy.setdefault(member.user_id, []).append(
            {
                "id": other.pk,
                "label": f"{other.get_kind_display()} · {other.subject.number}",
                "enterprise": other.client.name,
                "planned_start": other.planned_start,
                "planned_end": other.planned_end,
                "role": member.role,
            }
        )
    team = dict(audit.team.values_list("user_id", "role"))
    labels = dict(Function.choices)
    result = []
    for person in people:
        own = records.get(person.pk, [])
        result.append(
            Candidate(
                user=person,
                functions=sorted({str(labels[r.function]) for r in own if r.is_witnessed_for(day)}),
                refusals={
                    role: refusal_from_records(
                        own,
                        name=names[person.pk],
                        functions=functions,
                        scheme=scheme,
                        area=area,
                        day=day,
                    )
                    or ""
                    for role, functions in FUNCTIONS_FOR_ROLE.items()
                },
                conflicts=conflicts.get(person.pk, []),
                other_audits=busy.get(person.pk, []),
                on_team=team.get(person.pk),
            )
        )
    return result


def qualified_auditor_count(body, scheme, on: datetime.date | None = None) -> int:
    """How many official auditors of `body` (an assessor membership not ended by `on`) hold an
    auditor or lead auditor competence record for `scheme` valid on `on` (default today) — a
    technical expert, reviewer or decision maker does not count: the figure body registration
    checks against its minimum. One query."""
    on = on or today()
    members = (
        Membership.objects.filter(organisation=body, role=Role.ASSESSOR)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__date__gt=on))
        .values("user_id")
    )
    return (
        AssessorQualification.objects.valid_on(on)
        .filter(
            scheme=scheme,
            function__in=[Function.AUDITOR, Function.LEAD],
            user_id__in=members,
            user__is_active=True,
        )
        .values("user_id")
        .distinct()
        .count()
    )
