"""Appeals (khiếu nại của khách hàng against a decision) and complaints (phản ánh, by anyone)."""

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


def people_involved(application: Application | None, certificate: Certificate | None) -> set[int]:
    """Users who took part in the decision appealed or in its audits: the audit teams, the
    technical reviewer and decision makers of the application, and whoever suspended or
    withdrew the certificate."""
    from audits.selectors import team_user_ids

    involved: set[int] = set()
    if certificate is not None:
        involved |= set(
            LogEntry.objects.for_object(certificate)
            .filter(transition__in=["suspend", "withdraw"], actor__isnull=False)
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


class Appeal(FSMModelMixin, TimeStampedModel):
    """The enterprise's appeal against a refusal, a suspension or a withdrawal. It does not
    suspend the decision appealed."""

    class State(models.TextChoices):
        LODGED = "lodged", gettext_lazy("Lodged")
        UNDER_CONSIDERATION = "under_consideration", gettext_lazy("Under consideration")
        UPHELD = "upheld", gettext_lazy("Upheld")  # the appeal succeeds
        DISMISSED = "dismissed", gettext_lazy("Dismissed")

    class Subject(models.TextChoices):
        REFUSAL = "refusal", gettext_lazy("Refusal of certification")
        SUSPENSION = "suspension", gettext_lazy("Suspension of the certificate")
        WITHDRAWAL = "withdrawal", gettext_lazy("Withdrawal of the certificate")

    state = FSMField(
        gettext_lazy("state"),
        max_length=20,
        choices=State.choices,
        default=State.LODGED,
        protected=True,
    )
    subject = models.CharField(
        gettext_lazy("decision appealed"), max_length=12, choices=Subject.choices
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
                condition=Q(subject="refusal", application__isnull=False)
                | (~Q(subject="refusal") & Q(certificate__isnull=False)),
                name="appeal_names_what_it_appeals",
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


@rule(gettext_lazy("Only officers of the certification body may handle complaints."))
def uninvolved_body_staff(complaint, user):
    if not has_role(user, Role.CB_STAFF, complaint.body):
        return False
    if complaint.enterprise_id:
        from audits.selectors import audited_enterprise_ids

        if complaint.enterprise_id in audited_enterprise_ids(user):
            return _("You have audited this client, so you may not handle a complaint about it.")
    return True


class Complaint(FSMModelMixin, TimeStampedModel):
    """A complaint about a certified client or the body, by anyone (also without an account)."""

    class State(models.TextChoices):
        RECEIVED = "received", gettext_lazy("Received")
        INVESTIGATING = "investigating", gettext_lazy("Investigating")
        RESOLVED = "resolved", gettext_lazy("Resolved")

    state = FSMField(
        gettext_lazy("state"),
        max_length=16,
        choices=State.choices,
        default=State.RECEIVED,
        protected=True,
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
