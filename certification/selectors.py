"""Reads for organisations and roles, authorised where they fetch."""

from django.db.models import QuerySet
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
    return get_objects_for_user(
        user,
        "certification.oversee_jurisdiction",
        klass=Province,
        accept_global_perms=False,
        with_superuser=False,
    )


def _body_ids(user: User):
    """Bodies where `user` holds any staff role (officer, assessor, decision maker)."""
    return (
        Membership.objects.active()
        .filter(user=user, role__in=[Role.CB_STAFF, Role.ASSESSOR, Role.DECISION_MAKER])
        .values("organisation_id")
    )


def applications_visible_to(user: User):
    """Applications `user` may see: their enterprise's; their body's for officers and decision
    makers; those whose audit team they are on for assessors; their province's for regulators."""
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
    provinces = (
        Membership.objects.active().filter(user=user, role=Role.REGULATOR).values("jurisdiction_id")
    )
    condition = (
        Q(enterprise_id__in=enterprises)
        | Q(body_id__in=staff_bodies)
        | Q(enterprise__province_id__in=provinces)
    )
    try:
        from audits.selectors import application_ids_on_team
    except ImportError:  # the audits app answers for assessors
        pass
    else:
        condition |= Q(pk__in=application_ids_on_team(user))
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
    provinces = (
        Membership.objects.active().filter(user=user, role=Role.REGULATOR).values("jurisdiction_id")
    )
    return Certificate.objects.filter(
        Q(enterprise_id__in=enterprises)
        | Q(body_id__in=_body_ids(user))
        | Q(enterprise__province_id__in=provinces)
    )


def certificate_get_for_user(user: User, pk: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        certificates_visible_to(user).select_related("enterprise", "body", "scheme"), pk=pk
    )
