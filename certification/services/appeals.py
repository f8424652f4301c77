"""Appeals (by the enterprise against a decision) and complaints (by anyone)."""

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Appeal, Application, Certificate, Complaint, Organisation, Role
from certification.models.appeals import people_involved
from certification.selectors import has_role
from core.clock import today
from core.models import LogEntry, User
from core.services import log_transition
from core.workflow import execute


def _decided_on(
    appeal_subject: str, application: Application | None, certificate: Certificate | None
):
    """The day of the decision appealed, or None when it is not in the appealable state."""
    if appeal_subject == Appeal.Subject.REFUSAL:
        if application is None or application.state != Application.State.REFUSED:
            return None
        return application.decision.decided_on
    expected = {
        Appeal.Subject.SUSPENSION: ("suspend", Certificate.State.SUSPENDED),
        Appeal.Subject.WITHDRAWAL: ("withdraw", Certificate.State.WITHDRAWN),
    }[appeal_subject]
    if certificate is None or certificate.state != expected[1]:
        return None
    entry = (
        LogEntry.objects.for_object(certificate)
        .filter(transition=expected[0])
        .order_by("-created_at")
        .first()
    )
    # The local day (the appeal period is counted in days in Vietnam, not in UTC).
    return timezone.localdate(entry.created_at) if entry else None


@transaction.atomic
def appeal_lodge(
    *,
    by: User,
    subject: str,
    grounds: str,
    application: Application | None = None,
    certificate: Certificate | None = None,
) -> Appeal:
    """The enterprise appeals a refusal, a suspension or a withdrawal within the scheme's
    appeal period (30 days). The decision appealed stays in force meanwhile."""
    if subject not in Appeal.Subject.values:
        raise ValidationError({"subject": _("Choose what is appealed.")})
    target = application if subject == Appeal.Subject.REFUSAL else certificate
    if target is None:
        raise ValidationError({"subject": _("Name the application or certificate concerned.")})
    if not has_role(by, Role.ENTERPRISE, target.enterprise):
        raise PermissionDenied(_("Only the enterprise concerned may appeal."))
    if not grounds.strip():
        raise ValidationError({"grounds": _("Give the grounds of the appeal.")})
    decided = _decided_on(subject, application, certificate)
    if decided is None:
        raise ValidationError({"subject": _("There is no such decision to appeal.")})
    scheme = target.scheme
    if today() > decided + relativedelta(days=scheme.appeal_days):
        raise ValidationError(
            {
                "subject": _("An appeal must be lodged within %(n)d days of the decision.")
                % {"n": scheme.appeal_days}
            }
        )
    appeal = Appeal.objects.create(
        subject=subject,
        enterprise=target.enterprise,
        body=target.body,
        application=application if subject == Appeal.Subject.REFUSAL else certificate.application,
        certificate=certificate,
        grounds=grounds.strip(),
        lodged_by=by,
    )
    log_transition(appeal, "lodge", by=by, target=appeal.state)
    return appeal


def appeal_start_consideration(
    *, appeal: Appeal, by: User, handler: User | None, comment: str = ""
) -> Appeal:
    """An officer hands the appeal to a decision maker who had no part in the decision appealed
    nor in its audits (ValidationError on `handler` otherwise, or when none is named)."""

    def prepare(a: Appeal) -> list[str]:
        if not has_role(handler, Role.DECISION_MAKER, a.body):
            raise ValidationError(
                {"handler": _("Choose a decision maker of the certification body.")}
            )
        if handler.pk in people_involved(a.application, a.certificate):
            raise ValidationError(
                {"handler": _("This person took part in the decision appealed or in its audits.")}
            )
        a.handler = handler
        return ["handler"]

    return execute(
        appeal,
        "start_consideration",
        by=by,
        comment=comment,
        data={"handler": handler.pk if handler is not None else None},
        prepare=prepare,
    )


def appeal_uphold(*, appeal: Appeal, by: User, comment: str) -> Appeal:
    return execute(appeal, "uphold", by=by, comment=comment, prepare=lambda a: _reasons(a, comment))


def appeal_dismiss(*, appeal: Appeal, by: User, comment: str) -> Appeal:
    return execute(
        appeal, "dismiss", by=by, comment=comment, prepare=lambda a: _reasons(a, comment)
    )


def _reasons(appeal: Appeal, comment: str) -> list[str]:
    appeal.outcome_reasons = comment
    return ["outcome_reasons"]


@transaction.atomic
def complaint_lodge(
    *,
    body: Organisation,
    complainant_email: str,
    subject: str,
    description: str,
    complainant_name: str = "",
    enterprise: Organisation | None = None,
    certificate: Certificate | None = None,
    by: User | None = None,
) -> Complaint:
    """Anyone lodges a complaint, also without an account (an e-mail address to answer to)."""
    errors = {}
    if body.kind != Organisation.Kind.CERTIFICATION_BODY:
        errors["body"] = _("Choose a certification body.")
    if not subject.strip():
        errors["subject"] = _("Give a subject.")
    if not description.strip():
        errors["description"] = _("Describe the complaint.")
    if certificate is not None and certificate.body_id != body.pk:
        errors["certificate"] = _("This certificate was not issued by this body.")
    if errors:
        raise ValidationError(errors)
    complaint = Complaint(
        body=body,
        enterprise=enterprise or (certificate.enterprise if certificate else None),
        certificate=certificate,
        complainant_name=complainant_name.strip(),
        complainant_email=complainant_email.strip(),
        submitted_by=by if by is not None and by.is_authenticated else None,
        subject=subject.strip(),
        description=description.strip(),
    )
    complaint.full_clean(exclude=["state"])
    complaint.save()
    log_transition(complaint, "lodge", by=complaint.submitted_by, target=complaint.state)
    return complaint


def complaint_acknowledge(*, complaint: Complaint, by: User, comment: str = "") -> Complaint:
    return execute(complaint, "acknowledge", by=by, comment=comment)


def complaint_resolve(*, complaint: Complaint, by: User, comment: str) -> Complaint:
    def prepare(c: Complaint) -> list[str]:
        c.resolution = comment
        return ["resolution"]

    return execute(complaint, "resolve", by=by, comment=comment, prepare=prepare)
