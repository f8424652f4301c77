"""Writes for organisations and memberships. The only place object permissions are granted."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from certification.models import ROLE_PERMISSIONS, Membership, Organisation, Province, Role
from core.api.auth import tokens_revoke
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition


def _view_perm(scope: Organisation | Province) -> str:
    return (
        "certification.view_province"
        if isinstance(scope, Province)
        else "certification.view_organisation"
    )


def _check_may_manage_memberships(by: User) -> None:
    if not (by.is_active and by.has_perm("certification.add_membership")):
        raise PermissionDenied(_("You may not manage memberships."))


def membership_validate(
    *,
    user: User,
    role: str,
    organisation: Organisation | None,
    jurisdiction: Province | None,
) -> Organisation | Province:
    """Check that `user` may hold `role` there; return the organisation or province.

    Raises ValidationError naming the field at fault.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.REGULATOR:
        if jurisdiction is None or organisation is not None:
            raise ValidationError(
                {
                    "jurisdiction": _(
                        "A regulator holds a jurisdiction (a province), not an organisation."
                    )
                }
            )
        scope: Organisation | Province = jurisdiction
    else:
        if organisation is None or jurisdiction is not None:
            raise ValidationError({"organisation": _("This role belongs to an organisation.")})
        expected = (
            Organisation.Kind.ENTERPRISE
            if role == Role.ENTERPRISE
            else Organisation.Kind.CERTIFICATION_BODY
        )
        if organisation.kind != expected:
            raise ValidationError(
                {
                    "role": _("The role %(role)s does not exist in a %(kind)s.")
                    % {"role": Role(role).label, "kind": organisation.get_kind_display().lower()}
                }
            )
        if not organisation.is_active:
            raise ValidationError({"organisation": _("This organisation is inactive.")})
        scope = organisation
    if not user.is_active:
        raise ValidationError({"user": _("This user account is inactive.")})
    if (
        Membership.objects.active()
        .filter(user=user, role=role, organisation=organisation, jurisdiction=jurisdiction)
        .exists()
    ):
        raise ValidationError(_("%(user)s already holds this role there.") % {"user": user})

    return scope


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: str,
    by: User,
    organisation: Organisation | None = None,
    jurisdiction: Province | None = None,
    title: str = "",
) -> Membership:
    """Give `user` a role in an organisation (or, for a regulator, over a province).

    Grants the role's object permission and view permission on that organisation/province
    and logs the grant. Raises ValidationError for a role that does not fit the organisation
    or an existing active membership, PermissionDenied when `by` may not manage memberships.
    """
    _check_may_manage_memberships(by)
    scope = membership_validate(
        user=user, role=role, organisation=organisation, jurisdiction=jurisdiction
    )
    membership = Membership.objects.create(
        user=user, role=role, organisation=organisation, jurisdiction=jurisdiction, title=title
    )
    assign_perm(f"certification.{ROLE_PERMISSIONS[role]}", user, scope)
    assign_perm(_view_perm(scope), user, scope)
    log_transition(membership, "grant", by=by, target="active", data={"role": role})
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by: User, comment: str = "") -> Membership:
    """End a membership: revoke the role's permission (and view permission when no other
    active membership keeps it) and log it. Raises DomainError if already ended."""
    _check_may_manage_memberships(by)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation", "jurisdiction")
        .get(pk=membership.pk)
    )
    if membership.ended_at is not None:
        raise DomainError(_("This membership has already ended."), code="membership_ended")
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at", "updated_at"])
    scope = membership.scope
    remove_perm(f"certification.{ROLE_PERMISSIONS[membership.role]}", membership.user, scope)
    others = Membership.objects.active().filter(
        user=membership.user,
        organisation=membership.organisation,
        jurisdiction=membership.jurisdiction,
    )
    if not others.exists():
        remove_perm(_view_perm(scope), membership.user, scope)
    log_transition(membership, "end", by=by, previous="active", target="ended", comment=comment)
    # A token issued while the role was held must not outlive it.
    tokens_revoke(user=membership.user)
    return membership
