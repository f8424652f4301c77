"""Writes of the body's management (lãnh đạo tổ chức chứng nhận): who is on it (the
`manages_body` flag of a membership) and, on a complaint, the people of the body whose work
it concerns. A complaint about the body itself, or naming people of the body, is handled by
the management and never by the people concerned (certification.models.appeals rule
`uninvolved_body_staff`). Only the body's management (or an administrator) changes either;
every change is logged."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.models import Complaint, Membership, Organisation, Role
from certification.models.appeals import manages_body
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition

# The roles of the body's own people (who may be on its management or concerned).
BODY_ROLES = (Role.CB_STAFF, Role.ASSESSOR, Role.DECISION_MAKER)


def may_manage_body(by: User, body: Organisation) -> bool:
    """Whether `by` may change the body's management and the people a complaint concerns."""
    if not by.is_authenticated or not by.is_active:
        return False
    return by.is_superuser or manages_body(by, body)


def _require_management(by: User, body: Organisation) -> None:
    if not may_manage_body(by, body):
        raise PermissionDenied(_("Only the body's management may change this."))


def body_people(body: Organisation):
    """The active memberships of the body's own people, by name."""
    return (
        Membership.objects.active()
        .filter(organisation=body, role__in=BODY_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__username", "role")
    )


@transaction.atomic
def membership_set_management(
    *, membership: Membership, manages: bool, by: User, comment: str = ""
) -> Membership:
    """Put a person of the body on its management, or take them off it (logged on the
    membership). The body keeps at least one person on its management.

    Raises PermissionDenied unless `by` is on the body's management or an administrator;
    ValidationError for a membership that ended or is not one of the body's people;
    DomainError when the last person on the management would be taken off."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    body = membership.organisation
    if body is None:
        raise ValidationError(_("Only the people of a certification body are on its management."))
    _require_management(by, body)
    if membership.ended_at is not None or membership.role not in BODY_ROLES:
        raise ValidationError(_("Only the people of a certification body are on its management."))
    if membership.manages_body == manages:
        return membership
    if not manages:
        others = (
            Membership.objects.active()
            .filter(organisation=body, manages_body=True)
            .exclude(user_id=membership.user_id)
        )
        if not others.exists():
            raise DomainError(
                _("The body keeps at least one person on its management."),
                code="last_manager",
            )
    membership.manages_body = manages
    membership.save(update_fields=["manages_body", "updated_at"])
    log_transition(
        membership,
        "management_join" if manages else "management_leave",
        by=by,
        target="active",
        comment=comment,
        data={"body": body.pk, "user": membership.user_id, "role": membership.role},
    )
    return membership


@transaction.atomic
def complaint_set_people_concerned(
    *, complaint: Complaint, people: list[User], by: User, comment: str = ""
) -> Complaint:
    """Name the people of the body whose work `complaint` concerns: from then on the body's
    management handles it, and none of them may (logged on the complaint).

    Raises PermissionDenied unless `by` is on the body's management (and not among the people
    concerned) or an administrator; DomainError once the complaint is resolved;
    ValidationError for anyone who is not one of the body's people."""
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
    _require_management(by, complaint.body)
    if complaint.people_concerned.filter(pk=by.pk).exists() or by in people:
        raise PermissionDenied(_("The complaint concerns your own work, so you may not handle it."))
    if complaint.state == Complaint.State.RESOLVED:
        raise DomainError(_("The complaint is resolved."), code="invalid_state")
    allowed = set(body_people(complaint.body).values_list("user_id", flat=True))
    strangers = [p for p in people if p.pk not in allowed]
    if strangers:
        raise ValidationError(
            {"people": _("Choose people of the certification body the complaint is addressed to.")}
        )
    before = sorted(complaint.people_concerned.values_list("pk", flat=True))
    complaint.people_concerned.set(people)
    log_transition(
        complaint,
        "people_concerned",
        by=by,
        previous=complaint.state,
        comment=comment,
        data={"before": before, "after": sorted(p.pk for p in people)},
    )
    return complaint
