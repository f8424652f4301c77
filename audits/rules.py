"""Who may act on audits and findings: the permission rules of their state machines.

Each rule answers True, or a reason (in the user's language) why not. An assessor acts on an
audit only while holding the `assessor` role in the audit's body and being on its team."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Role
from certification.selectors import has_role
from core.workflow import rule


def team_role(audit, user) -> str | None:
    """The role `user` holds on `audit`'s team, or None."""
    if not user.is_authenticated:
        return None
    return audit.team.filter(user_id=user.pk).values_list("role", flat=True).first()


def assessor_on_team(audit, user) -> bool | str:
    """True for an assessor of the body on the team in a working role (not an observer)."""
    if not has_role(user, Role.ASSESSOR, audit.body):
        return False
    return working_on_team(is_assessor=True, role=team_role(audit, user))


def working_on_team(*, is_assessor: bool, role: str | None) -> bool | str:
    """assessor_on_team from what is known already: whether the user is an assessor of the
    audit's body and their team role (None: not on the team)."""
    if not is_assessor:
        return False
    if role is None:
        return _("You are not on the team of this audit.")
    if role == "observer":
        return _("Observers do not take part in the audit work.")
    return True


@rule(gettext_lazy("Only the lead assessor of this audit may do this."))
def lead_of_audit(audit, user):
    if not has_role(user, Role.ASSESSOR, audit.body):
        return False
    return team_role(audit, user) == "lead"


@rule(gettext_lazy("Only officers of the certification body may do this."))
def body_staff_not_on_team(audit, user):
    """An officer of the body who was not on the audit's team (in any role): nobody approves
    the report of an audit they took part in (ISO/IEC 17065 §7.5, 17021-1 §9.5)."""
    if not has_role(user, Role.CB_STAFF, audit.body):
        return False
    if team_role(audit, user) is not None:
        return _("You were on this audit's team, so you may not approve its report.")
    return True


@rule(gettext_lazy("Only the audited enterprise's users may do this."))
def enterprise_of_client(finding, user):
    return has_role(user, Role.ENTERPRISE, finding.audit.client)


@rule(gettext_lazy("Only an assessor of the audit team may do this."))
def assessor_of_team(finding, user):
    return assessor_on_team(finding.audit, user)


@rule(gettext_lazy("Only the audited enterprise's users or an assessor of the team may do this."))
def enterprise_or_assessor_of_team(finding, user):
    if has_role(user, Role.ENTERPRISE, finding.audit.client):
        return True
    return assessor_on_team(finding.audit, user)
