"""Who may act on which object: the permission rules of the state machines.

Each rule answers True, or a reason (in the user's language) why not. Roles come from
memberships (django-guardian object permissions granted by certification.services)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models.organisations import Role
from certification.selectors import has_role
from core.workflow import rule


def _on_team(application, user) -> bool:
    from audits.selectors import team_user_ids

    return user.pk in team_user_ids(application)


def _declared_conflict(application, user) -> bool:
    """A conflict `user` declared with the enterprise that still bars them: not ended, or ended
    within the scheme's cooling-off."""
    from certification.models.applications import ConflictDeclaration

    return (
        ConflictDeclaration.objects.barring(
            enterprise_id=application.enterprise_id, scheme=application.scheme
        )
        .filter(user_id=user.pk)
        .exists()
    )


@rule(gettext_lazy("Only the enterprise's users may do this."))
def enterprise_of_applicant(obj, user):
    application = getattr(obj, "application", None) or obj
    return has_role(user, Role.ENTERPRISE, application.enterprise)


@rule(
    gettext_lazy(
        "Only the enterprise's users, or the body's staff for an application filed on paper, "
        "may do this."
    )
)
def applicant_or_body_on_behalf(application, user):
    if has_role(user, Role.ENTERPRISE, application.enterprise):
        return True
    return application.filed_by_body and has_role(user, Role.CB_STAFF, application.body)


@rule(gettext_lazy("Only officers of the certification body may do this."))
def body_staff(obj, user):
    return has_role(user, Role.CB_STAFF, obj.body)


@rule(gettext_lazy("Only officers of the certification body may do this."))
def body_staff_as_technical_reviewer(application, user):
    if not has_role(user, Role.CB_STAFF, application.body):
        return False
    if _on_team(application, user):
        return _(
            "You were on an audit team of this application, so you may not review it technically."
        )
    if _declared_conflict(application, user):
        return _(
            "You declared a conflict of interest with this enterprise (or the cooling-off after "
            "it has not passed), so you may not review its application."
        )
    return True


@rule(gettext_lazy("Only a decision maker of the certification body may decide."))
def impartial_decision_maker(application, user):
    if not has_role(user, Role.DECISION_MAKER, application.body):
        return False
    if application.decision_maker_id and application.decision_maker_id != user.pk:
        return _("Another decision maker is assigned to this application.")
    if _on_team(application, user):
        return _("You were on an audit team of this application, so you may not decide it.")
    if application.technical_reviewer_id == user.pk:
        return _("You reviewed this application technically, so you may not decide it.")
    if _declared_conflict(application, user):
        return _(
            "You declared a conflict of interest with this enterprise (or the cooling-off after "
            "it has not passed), so you may not decide it."
        )
    return True


@rule(
    gettext_lazy(
        "A certificate is restored only by a decision maker granting its recertification "
        "application."
    )
)
def restoring_decision_maker(certificate, user):
    """The impartial decision maker of the recertification application that restores
    `certificate`, in the transaction that grants it (the application is `certified` there and
    nowhere else while the certificate is still expired)."""
    from certification.models.applications import Application

    renewal = (
        Application.objects.filter(
            renews=certificate,
            kind=Application.Kind.RECERTIFICATION,
            state=Application.State.CERTIFIED,
        )
        .order_by("-pk")
        .first()
    )
    if renewal is None:
        return False
    return impartial_decision_maker.test(renewal, user)
