"""Reads for organisations and roles, authorised where they fetch."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user, get_user_perms

from certification.models.organisations import (
    ROLE_PERMISSIONS,
    Membership,
    Organisation,
    Province,
    Role,
)
from core.models import User


def memberships_of(user: User) -> list[Membership]:
    """The user's active memberships with their organisation or province (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("organisation", "organisation__province", "jurisdiction")
        .order_by("role", "organisation__name", "jurisdiction__name")
    )


def has_role(user: User, role: str, scope: Organisation | Province) -> bool:
    """True when `user` holds `role` in `scope` now (an object permission, never a global one)."""
    if not user.is_authenticated or not user.is_active:
        return False
    # get_user_perms reads the user's own grants: a superuser is not a member anywhere.
    return get_user_perms(user, scope).filter(codename=ROLE_PERMISSIONS[role]).exists()


def organisations_for_role(user: User, role: str) -> QuerySet[Organisation]:
    """Organisations in which `user` holds `role` (per-object grants only)."""
    if role == Role.REGULATOR:
        return Organisation.objects.none()
    return get_objects_for_user(
        user,
        f"certification.{ROLE_PERMISSIONS[role]}",
        klass=Organisation,
        accept_global_perms=False,
        with_superuser=False,
    )


def jurisdictions_of(user: User) -> QuerySet[Province]:
    """The provinces `user` oversees as a regulator: those granted, or — for a regulator of the
    national jurisdiction — every province (the national row itself left out)."""
    granted = get_objects_for_user(
        user,
        "certification.oversee_jurisdiction",
        klass=Province,
        accept_global_perms=False,
        with_superuser=False,
    )
    national = granted.filter(is_national=True)
    return Province.objects.filter(
        Q(pk__in=granted.filter(is_national=False).values("pk"))
        | Q(Exists(national), is_national=False)
    )


def national_jurisdiction() -> Province | None:
    """The row standing for the whole country (created by a data migration)."""
    return Province.objects.filter(is_national=True).first()


def is_national_regulator(user: User) -> bool:
    """Whether `user` is a regulator of the national jurisdiction now."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        Membership.objects.active()
        .filter(user=user, role=Role.REGULATOR, jurisdiction__is_national=True)
        .exists()
    )


def regulated_province_ids(user: User):
    """Ids (a subquery) of the provinces `user` oversees as a regulator now: their own, or all
    of them for a national regulator."""
    mine = Membership.objects.active().filter(user=user, role=Role.REGULATOR)
    return Province.objects.filter(
        Q(pk__in=mine.values("jurisdiction_id"))
        | Q(Exists(mine.filter(jurisdiction__is_national=True)))
    ).values("pk")


def _body_ids(user: User):
    """Bodies where `user` holds any staff role (officer, assessor, decision maker)."""
    return (
        Membership.objects.active()
        .filter(user=user, role__in=[Role.CB_STAFF, Role.ASSESSOR, Role.DECISION_MAKER])
        .values("organisation_id")
    )


def applications_visible_to(user: User):
    """Applications `user` may see: their enterprise's; their body's for officers and decision
    makers; those whose audit team they are on for assessors; their province's for regulators.
    An enterprise's draft never submitted is seen by the enterprise only."""
    from django.db.models import Q

    from certification.models import Application

    if not user.is_authenticated or not user.is_active:
        return Application.objects.none()
    staff_bodies = (
        Membership.objects.active()
        .filter(user=user, role__in=[Role.CB_STAFF, Role.DECISION_MAKER])
        .values("organisation_id")
    )
    enterprises = (
        Membership.objects.active()
        .filter(user=user, role=Role.ENTERPRISE)
        .values("organisation_id")
    )
    provinces = regulated_province_ids(user)
    others = Q(body_id__in=staff_bodies) | Q(enterprise__province_id__in=provinces)
    try:
        from audits.selectors import application_ids_on_team
    except ImportError:  # the audits app answers for assessors
        pass
    else:
        others |= Q(pk__in=application_ids_on_team(user))
    # An enterprise's draft is its own until it is first submitted: the body, the regulators
    # and assessors do not see it (one the body files on paper is the body's from the start).
    private_draft = Q(
        state__in=[Application.State.DRAFT, Application.State.WITHDRAWN],
        submitted_at__isnull=True,
        filed_by_body=False,
    )
    condition = Q(enterprise_id__in=enterprises) | (others & ~private_draft)
    return Application.objects.filter(condition)


def application_get_for_user(user: User, pk: int):
    """The application, or Http404 when it does not exist or `user` may not see it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        applications_visible_to(user).select_related(
            "enterprise", "body", "scheme", "enterprise__province"
        ),
        pk=pk,
    )


def certificates_visible_to(user: User):
    """Certificates `user` may see in full (the public sees a summary by number instead)."""
    from django.db.models import Q

    from certification.models import Certificate

    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    enterprises = (
        Membership.objects.active()
        .filter(user=user, role=Role.ENTERPRISE)
        .values("organisation_id")
    )
    provinces = regulated_province_ids(user)
    return Certificate.objects.filter(
        Q(enterprise_id__in=enterprises)
        | Q(body_id__in=_body_ids(user))
        | Q(enterprise__province_id__in=provinces)
    )


def certificate_get_for_user(user: User, pk: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        certificates_visible_to(user).select_related("enterprise", "body", "scheme", "decision"),
        pk=pk,
    )


def _active_scope_ids(user: User, roles: list[str], field: str = "organisation_id"):
    """Ids (a subquery) of the organisations — or, with `field="jurisdiction_id"`, provinces —
    where `user` holds one of `roles` now."""
    return Membership.objects.active().filter(user=user, role__in=roles).values(field)


def registrations_visible_to(user: User):
    """Body registrations `user` may see: their body's for its officers; for regulators, those
    filed with their jurisdiction and those of bodies located in their provinces (a
    provincial regulator sees what the national authority decides); all for a national
    regulator."""
    from django.db.models import Q

    from certification.models import BodyRegistration

    if not user.is_authenticated or not user.is_active:
        return BodyRegistration.objects.none()
    regulated = regulated_province_ids(user)
    return BodyRegistration.objects.filter(
        Q(body_id__in=_active_scope_ids(user, [Role.CB_STAFF]))
        | Q(jurisdiction_id__in=_active_scope_ids(user, [Role.REGULATOR], "jurisdiction_id"))
        | Q(body__province_id__in=regulated)
    )


def registration_get_for_user(user: User, pk: int):
    """The registration with body, scheme and jurisdiction; Http404 when `user` may not see it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        registrations_visible_to(user).select_related("body", "scheme", "jurisdiction"), pk=pk
    )


def appeals_visible_to(user: User):
    """Appeals `user` may see: their enterprise's; their body's for officers and decision
    makers."""
    from django.db.models import Q

    from certification.models import Appeal

    if not user.is_authenticated or not user.is_active:
        return Appeal.objects.none()
    return Appeal.objects.filter(
        Q(enterprise_id__in=_active_scope_ids(user, [Role.ENTERPRISE]))
        | Q(body_id__in=_active_scope_ids(user, [Role.CB_STAFF, Role.DECISION_MAKER]))
    )


def appeal_get_for_user(user: User, pk: int):
    """The appeal with its parties loaded; Http404 when `user` may not see it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        appeals_visible_to(user).select_related(
            "enterprise", "body", "application", "certificate", "lodged_by", "handler"
        ),
        pk=pk,
    )


def complaints_visible_to(user: User):
    """Complaints `user` may see: those addressed to a body where they are an officer or on
    its management, those about their own enterprise (told of them; the complainant's
    identity is not shown to them), and those they lodged with their account."""
    from django.db.models import Q

    from certification.models import Complaint

    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    management = managed_body_ids(user)
    return Complaint.objects.filter(
        Q(body_id__in=_active_scope_ids(user, [Role.CB_STAFF]))
        | Q(body_id__in=management)
        | Q(enterprise_id__in=_active_scope_ids(user, [Role.ENTERPRISE]))
        | Q(submitted_by=user)
    )


def complaint_get_for_user(user: User, pk: int):
    """The complaint with body, enterprise and certificate; Http404 when `user` may not see it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        complaints_visible_to(user).select_related("body", "enterprise", "certificate"), pk=pk
    )


def organisations_visible_to(user: User):
    """Organisations `user` may see: every certification body; the enterprises they are
    related to — their own, those that applied to a body where they work, and those of a
    province they oversee."""
    from django.db.models import Q

    from certification.models import Application

    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(kind=Organisation.Kind.CERTIFICATION_BODY)
        | Q(pk__in=_active_scope_ids(user, [Role.ENTERPRISE]))
        | Q(pk__in=Application.objects.filter(body_id__in=_body_ids(user)).values("enterprise_id"))
        | Q(province_id__in=regulated_province_ids(user))
    )


def decisions_visible_to(user: User):
    """Certification decisions on the applications `user` may see."""
    from certification.models import Decision

    return Decision.objects.filter(application__in=applications_visible_to(user).values("pk"))


def certificate_by_number(number: str):
    """The certificate with `number`, ignoring case (the exact, indexed match first), or None."""
    from certification.models import Certificate

    number = number.strip()
    if not number:
        return None
    from certification.models import StopUseNotice

    related = Certificate.objects.select_related(
        "enterprise", "enterprise__province", "body", "decision"
    ).annotate(
        # In the same query: whether a stop-use notice exists (stop_use_notice_of reads it).
        has_stop_use_notice=Exists(StopUseNotice.objects.filter(certificate=OuterRef("pk")))
    )
    found = related.filter(number__in={number, number.upper()}).first()
    return found or related.filter(number__iexact=number).first()


def certificate_lineage(certificate):
    """(the current certificate that replaces `certificate`, or itself; the versions of its
    base number, newest first) — one query over the holder's certificates of the scheme."""
    from certification.models import Certificate

    family = list(
        Certificate.objects.filter(
            enterprise_id=certificate.enterprise_id, scheme_id=certificate.scheme_id
        ).only("pk", "number", "base_number", "version", "state", "issued_on", "superseded_by_id")
    )
    by_id = {c.pk: c for c in family}
    current, seen = by_id.get(certificate.pk, certificate), set()
    while current.superseded_by_id in by_id and current.pk not in seen:
        seen.add(current.pk)
        current = by_id[current.superseded_by_id]
    versions = sorted(
        (c for c in family if c.base_number == certificate.base_number),
        key=lambda c: c.version,
        reverse=True,
    )
    return current, versions


def certificate_for_public(number: str):
    """The certificate with this number (case ignored) as anyone may check it, and the current
    certificate that replaced it, or None when it is itself current. Http404 when no
    certificate has this number. Three queries at most."""
    from django.http import Http404

    certificate = certificate_by_number(number)
    if certificate is None:
        raise Http404("No such certificate.")
    if certificate.superseded_by_id is None:
        return certificate, None
    current, _versions = certificate_lineage(certificate)
    return certificate, current if current.pk != certificate.pk else None


def summary_figures(user: User) -> dict | None:
    """Figures for a regulator (their provinces' enterprises) and for a body's staff (their
    bodies): applications per state, certificates per state, open findings per severity.
    One aggregate query per figure group. None for anyone who is neither."""
    from django.db.models import Count, Q

    from audits.models import Finding
    from certification.models import Application, Certificate

    if not user.is_authenticated or not user.is_active:
        return None
    provinces = list(jurisdictions_of(user).values_list("pk", "name"))
    bodies = list(
        Organisation.objects.filter(
            pk__in=_active_scope_ids(user, [Role.CB_STAFF, Role.DECISION_MAKER])
        )
        .order_by("name")
        .values_list("pk", "name")
    )
    if not provinces and not bodies:
        return None
    province_ids = [pk for pk, _name in provinces]
    body_ids = [pk for pk, _name in bodies]

    def in_scope(prefix: str = "") -> Q:
        return Q(**{f"{prefix}enterprise__province_id__in": province_ids}) | Q(
            **{f"{prefix}body_id__in": body_ids}
        )

    def per(model, field: str, values, condition: Q) -> dict[str, int]:
        counts = model.objects.filter(condition).aggregate(
            **{value: Count("pk", filter=Q(**{field: value})) for value in values}
        )
        return {value: counts[value] or 0 for value in values}

    open_findings = ~Q(state=Finding.State.CLOSED) & (
        in_scope("audit__application__") | in_scope("audit__certificate__")
    )
    return {
        "scope": [
            *({"kind": "province", "id": pk, "name": name} for pk, name in provinces),
            *({"kind": "certification_body", "id": pk, "name": name} for pk, name in bodies),
        ],
        "applications": per(Application, "state", Application.State.values, in_scope()),
        "certificates": per(Certificate, "state", Certificate.State.values, in_scope()),
        "open_findings": per(Finding, "severity", Finding.Severity.values, open_findings),
    }


def stop_use_notice_of(certificate):
    """The notice to stop using `certificate` in force: the latest one while it is suspended or
    withdrawn, or replaced after a scope reduction; else None (no query for a valid
    certificate)."""
    if certificate.state not in ("suspended", "withdrawn", "superseded"):
        return None
    if not getattr(certificate, "has_stop_use_notice", True):
        return None
    return certificate.stop_use_notices.order_by("-issued_on", "-id").first()


def managed_body_ids(user: User):
    """Ids (a subquery) of the bodies whose management `user` is on."""
    return (
        Membership.objects.active()
        .filter(user_id=user.pk, manages_body=True)
        .values("organisation_id")
    )


def bodies_managed(user: User):
    """The bodies whose management `user` is on (every body for an administrator)."""
    bodies = Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
    if user.is_superuser:
        return bodies.order_by("name")
    return bodies.filter(pk__in=managed_body_ids(user)).order_by("name")
