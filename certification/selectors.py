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
