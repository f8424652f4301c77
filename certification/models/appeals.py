"""Appeals (yêu cầu xem xét lại, by the client against an adverse decision) and complaints
(khiếu nại, by anyone), in the vocabulary of TCVN ISO/IEC 17000."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from certification import rules
from certification.models.applications import Application
from certification.models.certificates import Certificate
from certification.models.organisations import Organisation, Role
from certification.selectors import has_role
from core.limits import TEXT_MAX_LENGTH
from core.models import LogEntry, TimeStampedModel
from core.workflow import rule


def people_involved(
    application: Application | None, certificate: Certificate | None, finding=None
) -> set[int]:
    """Users who took part in the decision appealed or in its audits: the audit teams, the
    technical reviewer and decision makers of the application, whoever rejected the
    application or suspended, withdrew or re-issued the certificate, and — for a finding's
    grading — the team of the finding's audit and whoever raised or escalated it."""
    from audits.selectors import team_user_ids

    involved: set[int] = set()
    if finding is not None:
        from audits.models import AuditTeamMember

        involved |= set(
            AuditTeamMember.objects.filter(audit_id=finding.audit_id).values_list(
                "user_id", flat=True
            )
        )
        involved |= set(
            LogEntry.objects.for_object(finding)
            .filter(transition__in=["raise", "escalate"], actor__isnull=False)
            .values_list("actor_id", flat=True)
        )
        audit = finding.audit
        application = application or audit.application
        certificate = certificate or audit.certificate
    if application is not None:
        involved |= set(
            LogEntry.objects.for_object(application)
            .filter(transition__in=["reject", "refuse"], actor__isnull=False)
            .values_list("actor_id", flat=True)
        )
    if certificate is not None:
        involved |= set(
            LogEntry.objects.for_object(certificate)
            .filter(transition__in=["suspend", "withdraw", "reissue"], actor__isnull=False)
            .values_list("actor_id", flat=True)
        )
    application = application or (certificate.application if certificate else None)
    if application is None:
        return involved
    involved |= set(team_user_ids(application))
    involved |= {
        pk for pk in (application.technical_reviewer_id, application.decision_maker_id) if pk
    }
    decision = getattr(application, "decision", None) if hasattr(application, "decision") else None
    if decision is not None:
        involved.add(decision.decision_maker_id)
    return involved


@rule(gettext_lazy("Only the decision maker assigned to this appeal may decide it."))
def assigned_appeal_handler(appeal, user):
    if not has_role(user, Role.DECISION_MAKER, appeal.body):
        return False
    if appeal.handler_id != user.pk:
        return _("Another decision maker handles this appeal.")
    return True


# What each kind of appeal names: the application, the certificate or the finding.
APPEAL_ON_APPLICATION = ("rejection", "refusal", "restoration_refused")
APPEAL_ON_CERTIFICATE = ("suspension", "withdrawal", "scope_reduction")
APPEAL_ON_FINDING = ("finding_grading",)


class Appeal(FSMModelMixin, TimeStampedModel):
    """The client's request for review (yêu cầu xem xét lại) of an adverse decision: rejection
    of its application, refusal, suspension, withdrawal, scope reduction, refused restoration,
    or the grading of a major finding. It does not suspend the decision appealed."""

    class State(models.TextChoices):
        LODGED = "lodged", gettext_lazy("Lodged")
        UNDER_CONSIDERATION = "under_consideration", gettext_lazy("Under consideration")
        UPHELD = "upheld", gettext_lazy("Upheld")  # the appeal succeeds
        DISMISSED = "dismissed", gettext_lazy("Dismissed")

    class Subject(models.TextChoices):
        REJECTION = "rejection", gettext_lazy("Rejection of the application")
        REFUSAL = "refusal", gettext_lazy("Refusal of certification")
        SUSPENSION = "suspension", gettext_lazy("Suspension of the certificate")
        WITHDRAWAL = "withdrawal", gettext_lazy("Withdrawal of the certificate")
        SCOPE_REDUCTION = "scope_reduction", gettext_lazy("Reduction of the certified scope")
        RESTORATION_REFUSED = (
            "restoration_refused",
            gettext_lazy("Refused restoration of an expired certificate"),
        )
        FINDING_GRADING = "finding_grading", gettext_lazy("Grading of a major finding")

    state = FSMField(
        gettext_lazy("state"),
        max_length=20,
        choices=State.choices,
        default=State.LODGED,
        protected=True,
    )
    subject = models.CharField(
        gettext_lazy("decision appealed"), max_length=24, choices=Subject.choices
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=gettext_lazy("enterprise"),
    )
    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="received_appeals",
        verbose_name=gettext_lazy("certification body"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=gettext_lazy("application"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=gettext_lazy("certificate"),
    )
    finding = models.ForeignKey(
        "audits.Finding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=gettext_lazy("finding"),
    )
    grounds = models.TextField(gettext_lazy("grounds"), max_length=TEXT_MAX_LENGTH)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("lodged by"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("decided by"),
    )
    outcome_reasons = models.TextField(
        gettext_lazy("reasons of the outcome"), blank=True, max_length=TEXT_MAX_LENGTH
    )

    class Meta:
        verbose_name = gettext_lazy("appeal")
        verbose_name_plural = gettext_lazy("appeals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject__in=APPEAL_ON_APPLICATION, application__isnull=False)
                | Q(subject__in=APPEAL_ON_CERTIFICATE, certificate__isnull=False)
                | Q(subject__in=APPEAL_ON_FINDING, finding__isnull=False),
                name="appeal_names_the_decision_it_appeals",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} · {self.enterprise}"

    @transition(
        field=state,
        source=State.LODGED,
        target=State.UNDER_CONSIDERATION,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Start consideration"), "requires": ("handler",)},
    )
    def start_consideration(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_CONSIDERATION,
        target=State.UPHELD,
        permission=assigned_appeal_handler,
        custom={"label": gettext_lazy("Uphold the appeal"), "requires": ("comment",)},
    )
    def uphold(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_CONSIDERATION,
        target=State.DISMISSED,
        permission=assigned_appeal_handler,
        custom={"label": gettext_lazy("Dismiss the appeal"), "requires": ("comment",)},
    )
    def dismiss(self):
        pass


def new_tracking_token() -> str:
    """An unguessable token for the complainant's link to follow the case (256 bits)."""
    return secrets.token_urlsafe(32)


def manages_body(user, body) -> bool:
    """Whether `user` is on the management of `body` (a membership marked as management)."""
    from certification.models.organisations import Membership

    if not user.is_authenticated or not user.is_active:
        return False
    return (
        Membership.objects.active().filter(user=user, organisation=body, manages_body=True).exists()
    )


@rule(gettext_lazy("Only officers of the certification body may handle complaints."))
def uninvolved_body_staff(complaint, user):
    # About the body itself, or naming people of the body: its management handles it.
    if complaint.about == Complaint.About.BODY or complaint.people_concerned.exists():
        if not manages_body(user, complaint.body):
            if complaint.about != Complaint.About.BODY:
                return _(
                    "A complaint about the work of people of the body is handled by the body's "
                    "management, not by its officers."
                )
            return _(
                "A complaint about the body itself is handled by the body's management, not by "
                "its officers."
            )
        if complaint.people_concerned.filter(pk=user.pk).exists():
            return _("The complaint concerns your own work, so you may not handle it.")
        return True
    if not has_role(user, Role.CB_STAFF, complaint.body):
        return False
    if complaint.enterprise_id:
        from audits.selectors import audited_enterprise_ids

        if complaint.enterprise_id in audited_enterprise_ids(user):
            return _("You have audited this client, so you may not handle a complaint about it.")
    return True


class Complaint(FSMModelMixin, TimeStampedModel):
    """A complaint (khiếu nại) about a certified client or about the body's own work, by anyone
    (also without an account: the complainant follows it by e-mail and a private link)."""

    class State(models.TextChoices):
        RECEIVED = "received", gettext_lazy("Received")
        INVESTIGATING = "investigating", gettext_lazy("Investigating")
        RESOLVED = "resolved", gettext_lazy("Resolved")

    class About(models.TextChoices):
        # A certified client (its products, its use of the certificate): the body's officers
        # who never audited it handle it.
        CLIENT = "client", gettext_lazy("A certified client")
        # The body's own work or people: the body's management handles it.
        BODY = "body", gettext_lazy("The certification body itself")

    state = FSMField(
        gettext_lazy("state"),
        max_length=16,
        choices=State.choices,
        default=State.RECEIVED,
        protected=True,
    )
    about = models.CharField(
        gettext_lazy("the complaint is about"),
        max_length=8,
        choices=About.choices,
        default=About.CLIENT,
    )
    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=gettext_lazy("certification body"),
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=gettext_lazy("about the enterprise"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=gettext_lazy("certificate"),
    )
    complainant_name = models.CharField(gettext_lazy("name"), max_length=200, blank=True)
    complainant_email = models.EmailField(gettext_lazy("e-mail"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("account"),
    )
    subject = models.CharField(gettext_lazy("subject"), max_length=200)
    description = models.TextField(gettext_lazy("description"), max_length=TEXT_MAX_LENGTH)
    resolution = models.TextField(
        gettext_lazy("resolution"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    language = models.CharField(
        gettext_lazy("language of the complainant"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    tracking_token = models.CharField(
        gettext_lazy("tracking token"),
        max_length=64,
        unique=True,
        default=new_tracking_token,
        editable=False,
    )
    people_concerned = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("people of the body concerned"),
        help_text=gettext_lazy(
            "For a complaint about the body: the people whose work it concerns (they may not "
            "handle it)."
        ),
    )
    special_audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=gettext_lazy("special audit opened"),
    )
    suspension_proposed_at = models.DateTimeField(
        gettext_lazy("suspension proposed at"), null=True, blank=True
    )
    suspension_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("suspension proposed by"),
    )

    class Meta:
        verbose_name = gettext_lazy("complaint")
        verbose_name_plural = gettext_lazy("complaints")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.INVESTIGATING,
        permission=uninvolved_body_staff,
        custom={"label": gettext_lazy("Acknowledge")},
    )
    def acknowledge(self):
        pass

    @transition(
        field=state,
        source=State.INVESTIGATING,
        target=State.RESOLVED,
        permission=uninvolved_body_staff,
        custom={"label": gettext_lazy("Resolve"), "requires": ("comment",)},
    )
    def resolve(self):
        pass
