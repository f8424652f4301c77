"""Appeals (by the enterprise against a decision) and complaints (by anyone)."""

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Appeal, Application, Certificate, Complaint, Organisation, Role
from certification.models.appeals import (
    APPEAL_ON_APPLICATION,
    APPEAL_ON_CERTIFICATE,
    APPEAL_ON_FINDING,
    people_involved,
)
from certification.selectors import has_role
from core.clock import today
from core.models import LogEntry, User
from core.services import log_transition
from core.workflow import execute


def _local_day(entry: LogEntry | None):
    # The local day (the appeal period is counted in days in Vietnam, not in UTC).
    return timezone.localdate(entry.created_at) if entry else None


def _last_entry(obj, transitions: list[str]) -> LogEntry | None:
    return (
        LogEntry.objects.for_object(obj)
        .filter(transition__in=transitions)
        .order_by("-created_at", "-pk")
        .first()
    )


def _decided_on(
    appeal_subject: str,
    application: Application | None,
    certificate: Certificate | None,
    finding=None,
):
    """The day of the decision appealed, or None when there is no such adverse decision."""
    S = Appeal.Subject
    if appeal_subject == S.REJECTION:
        if application is None or application.state != Application.State.REJECTED:
            return None
        return _local_day(_last_entry(application, ["reject"]))
    if appeal_subject in (S.REFUSAL, S.RESTORATION_REFUSED):
        if application is None or application.state != Application.State.REFUSED:
            return None
        restoring = (
            application.kind == Application.Kind.RECERTIFICATION
            and application.renews is not None
            and application.renews.state == Certificate.State.EXPIRED
        )
        if appeal_subject == S.RESTORATION_REFUSED and not restoring:
            return None
        return application.decision.decided_on
    if appeal_subject == S.FINDING_GRADING:
        from audits.models import Finding

        if finding is None or finding.severity != Finding.Severity.MAJOR:
            return None
        return _local_day(_last_entry(finding, ["raise", "escalate"]))
    if appeal_subject == S.SCOPE_REDUCTION:
        return _reduction_decided_on(certificate)
    expected = {
        S.SUSPENSION: (["suspend"], (Certificate.State.SUSPENDED,)),
        S.WITHDRAWAL: (["withdraw"], (Certificate.State.WITHDRAWN,)),
    }[appeal_subject]
    if certificate is None or certificate.state not in expected[1]:
        return None
    return _local_day(_last_entry(certificate, expected[0]))


def _reduction_decided_on(certificate: Certificate | None):
    """The day the scope of `certificate` was reduced: the decision on the scope reduction
    that issued this version. None for a version re-issued for another reason (a scope
    extension, a correction), for a first issue, or once it is no longer in force."""
    if certificate is None or certificate.state not in (
        Certificate.State.ACTIVE,
        Certificate.State.SUSPENDED,
    ):
        return None
    application = certificate.application
    if (
        certificate.version == 0
        or application is None
        or application.kind != Application.Kind.SCOPE_REDUCTION
        or certificate.decision is None
    ):
        return None
    return certificate.decision.decided_on


def _appealed_target(subject, application, certificate, finding):
    if subject in APPEAL_ON_APPLICATION:
        return application
    if subject in APPEAL_ON_CERTIFICATE:
        return certificate
    return finding


@transaction.atomic
def appeal_lodge(
    *,
    by: User,
    subject: str,
    grounds: str,
    application: Application | None = None,
    certificate: Certificate | None = None,
    finding=None,
) -> Appeal:
    """The client requests a review of an adverse decision (a rejected application, a refusal,
    a suspension, a withdrawal, a scope reduction, a refused restoration, a major finding's
    grading) within the scheme's appeal period (30 days). The decision stays in force
    meanwhile."""
    if subject not in Appeal.Subject.values:
        raise ValidationError({"subject": _("Choose what is appealed.")})
    target = _appealed_target(subject, application, certificate, finding)
    if target is None:
        raise ValidationError(
            {"subject": _("Name the application, certificate or finding concerned.")}
        )
    if finding is not None and subject in APPEAL_ON_FINDING:
        parent = finding.audit.application or finding.audit.certificate
        enterprise, body, scheme = parent.enterprise, parent.body, parent.scheme
    else:
        enterprise, body, scheme = target.enterprise, target.body, target.scheme
    if not has_role(by, Role.ENTERPRISE, enterprise):
        raise PermissionDenied(_("Only the enterprise concerned may appeal."))
    if not grounds.strip():
        raise ValidationError({"grounds": _("Give the grounds of the appeal.")})
    decided = _decided_on(subject, application, certificate, finding)
    if decided is None:
        raise ValidationError({"subject": _("There is no such decision to appeal.")})
    if today() > decided + relativedelta(days=scheme.appeal_days):
        raise ValidationError(
            {
                "subject": _("An appeal must be lodged within %(n)d days of the decision.")
                % {"n": scheme.appeal_days}
            }
        )
    if subject in APPEAL_ON_FINDING:
        application = finding.audit.application or finding.audit.certificate.application
        certificate = finding.audit.certificate
    elif subject in APPEAL_ON_CERTIFICATE:
        application = certificate.application
    appeal = Appeal.objects.create(
        subject=subject,
        enterprise=enterprise,
        body=body,
        application=application,
        certificate=certificate if subject not in APPEAL_ON_APPLICATION else None,
        finding=finding if subject in APPEAL_ON_FINDING else None,
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
        if handler.pk in people_involved(a.application, a.certificate, a.finding):
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
    language: str = "",
    people_concerned: list[User] | None = None,
) -> Complaint:
    """Anyone lodges a complaint, also without an account (an e-mail address to answer to, in
    `language`, default the site's). Naming no client or certificate makes it a complaint about
    the body itself, which the body's management handles. The complainant is e-mailed a
    receipt with a private link to follow the case, and the certified client is told (both
    after commit, through the outbox)."""
    errors = {}
    if body.kind != Organisation.Kind.CERTIFICATION_BODY:
        errors["body"] = _("Choose a certification body.")
    if not subject.strip():
        errors["subject"] = _("Give a subject.")
    if not description.strip():
        errors["description"] = _("Describe the complaint.")
    if certificate is not None and certificate.body_id != body.pk:
        errors["certificate"] = _("This certificate was not issued by this body.")
    if enterprise is not None and enterprise.kind != Organisation.Kind.ENTERPRISE:
        errors["enterprise"] = _("Choose an enterprise.")
    if errors:
        raise ValidationError(errors)
    client = enterprise or (certificate.enterprise if certificate else None)
    languages = dict(settings.LANGUAGES)
    complaint = Complaint(
        body=body,
        about=Complaint.About.CLIENT if client is not None else Complaint.About.BODY,
        enterprise=client,
        certificate=certificate,
        complainant_name=complainant_name.strip(),
        complainant_email=complainant_email.strip(),
        submitted_by=by if by is not None and by.is_authenticated else None,
        subject=subject.strip(),
        description=description.strip(),
        language=language if language in languages else settings.LANGUAGE_CODE,
    )
    complaint.full_clean(exclude=["state", "tracking_token"])
    complaint.save()
    if people_concerned:
        complaint.people_concerned.set(people_concerned)
    log_transition(complaint, "lodge", by=complaint.submitted_by, target=complaint.state)
    return complaint


def complaint_acknowledge(*, complaint: Complaint, by: User, comment: str = "") -> Complaint:
    return execute(complaint, "acknowledge", by=by, comment=comment)


def complaint_resolve(*, complaint: Complaint, by: User, comment: str) -> Complaint:
    def prepare(c: Complaint) -> list[str]:
        c.resolution = comment
        return ["resolution"]

    return execute(complaint, "resolve", by=by, comment=comment, prepare=prepare)


def _complaint_under_investigation(complaint: Complaint, by: User) -> Complaint:
    """The complaint locked, when it is being investigated and `by` may handle it."""
    from core.exceptions import DomainError
    from core.workflow import refusal

    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.state != Complaint.State.INVESTIGATING:
        raise DomainError(
            _("Acknowledge the complaint first: this is done while it is investigated."),
            code="complaint_not_investigating",
        )
    refused = refusal(locked, "resolve", by)
    if refused:
        raise PermissionDenied(refused)
    if locked.certificate_id is None:
        raise DomainError(
            _("The complaint names no certificate."), code="complaint_without_certificate"
        )
    return locked


@transaction.atomic
def complaint_open_special_audit(
    *,
    complaint: Complaint,
    by: User,
    planned_start,
    planned_end,
    mode: str = "on_site",
    comment: str = "",
):
    """The officer handling a complaint about a certified client opens a special
    (short-notice) audit of its certificate (audits.services.special_audit_open). The complaint
    and the audit point to each other (`complaint.special_audit`, `audit.complaint`); both logs
    say so."""
    from audits.services import special_audit_open

    locked = _complaint_under_investigation(complaint, by)
    if locked.special_audit_id is not None:
        from core.exceptions import DomainError

        raise DomainError(
            _("This complaint has already opened a special audit."), code="special_audit_open"
        )
    # A short-notice special audit linked to the complaint (`audit.complaint` too).
    audit = special_audit_open(
        certificate=locked.certificate,
        reason=comment.strip()
        or _("Complaint #%(n)d about the certified client.") % {"n": locked.pk},
        by=by,
        short_notice=True,
        complaint=locked,
        planned_start=planned_start,
        planned_end=planned_end,
        mode=mode,
    )
    locked.special_audit = audit
    locked.save(update_fields=["special_audit", "updated_at"])
    log_transition(locked, "open_special_audit", by=by, comment=comment, data={"audit": audit.pk})
    log_transition(audit, "opened_by_complaint", by=by, data={"complaint": locked.pk})
    return audit


@transaction.atomic
def complaint_propose_suspension(*, complaint: Complaint, by: User, comment: str) -> Complaint:
    """The officer handling a complaint proposes to suspend the certificate complained about.
    The suspension itself stays the certificate's own step (`certificate_suspend`); the
    proposal is recorded on the complaint and in the certificate's history, each naming the
    other."""
    if not comment.strip():
        raise ValidationError({"comment": _("Give the reasons of the proposal.")})
    locked = _complaint_under_investigation(complaint, by)
    if locked.certificate.state != Certificate.State.ACTIVE:
        from core.exceptions import DomainError

        raise DomainError(
            _("Only an active certificate can be suspended."), code="certificate_not_active"
        )
    locked.suspension_proposed_at = timezone.now()
    locked.suspension_proposed_by = by
    locked.save(update_fields=["suspension_proposed_at", "suspension_proposed_by", "updated_at"])
    log_transition(locked, "propose_suspension", by=by, comment=comment)
    log_transition(
        locked.certificate,
        "suspension_proposed",
        by=by,
        comment=comment,
        data={"complaint": locked.pk},
    )
    return locked
