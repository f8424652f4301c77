"""Findings (phát hiện) of an audit and the enterprise's corrective action on them."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from audits import rules
from audits.models.audits import Audit
from certification.models import Scheme
from core.clock import today
from core.models import TimeStampedModel
from core.workflow import SYSTEM, guard

# --- Guards -------------------------------------------------------------------------------


@guard("not_observation", _("Only an observation is acknowledged; other findings are verified."))
def is_observation(finding) -> bool:
    return finding.severity == Finding.Severity.OBSERVATION


@guard("evidence_missing", _("Attach the evidence of the corrective action first."))
def evidence_attached(finding) -> bool:
    from documents.selectors import document_types_of

    return bool(document_types_of(finding))


@guard("not_minor", _("Only a minor finding is raised to major."))
def is_minor(finding) -> bool:
    return finding.severity == Finding.Severity.MINOR


@guard("not_overdue", _("The finding is not past its due date."))
def is_overdue(finding) -> bool:
    return finding.due_date is not None and finding.due_date < today()


class Finding(FSMModelMixin, TimeStampedModel):
    """A nonconformity (major, minor) or an observation raised by the audit team."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")  # waiting for the enterprise's response
        RESPONDED = "responded", _("Responded")  # root cause and actions proposed
        PLAN_ACCEPTED = "plan_accepted", _("Plan accepted")  # the team accepted the plan
        CLOSED = "closed", _("Closed")  # verified effective, or observation acknowledged

    class Severity(models.TextChoices):
        MAJOR = "major", _("Major nonconformity")
        MINOR = "minor", _("Minor nonconformity")
        OBSERVATION = "observation", _("Observation")

    audit = models.ForeignKey(
        Audit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("audit")
    )
    # The checklists app links items by their code (e.g. "C-10").
    checklist_item_code = models.CharField(_("checklist item"), max_length=20, blank=True)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    state = FSMField(
        _("state"), max_length=16, choices=State.choices, default=State.OPEN, protected=True
    )
    description = models.TextField(_("description"))
    evidence = models.TextField(_("objective evidence"), blank=True)
    clause_reference = models.CharField(_("clause"), max_length=100, blank=True)
    # verified | inferred (checklists.clauses): from the checklist item, else from the text.
    clause_status = models.CharField(_("clause status"), max_length=8, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    # The enterprise's response.
    root_cause = models.TextField(_("root cause"), blank=True)
    correction = models.TextField(_("correction"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    escalated_from_minor = models.BooleanField(_("raised from minor (overdue)"), default=False)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["audit_id", "id"]
        indexes = [models.Index(fields=["severity", "state", "due_date"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.reference}"

    @property
    def clause_printed(self) -> str:
        """The clause as reports print it: an inferred clause number becomes its requirement
        group ("TCVN 12850:2019 - yêu cầu về định danh")."""
        from checklists.clauses import clause_as_printed

        return clause_as_printed(self.clause_reference, self.clause_status)

    @property
    def reference(self) -> str:
        """The finding's one number, the same on every page, report and API answer: “#<id>”."""
        return f"#{self.pk}"

    @staticmethod
    def due_date_for(
        severity: str, scheme: Scheme, audit_end: datetime.date
    ) -> datetime.date | None:
        """Majors are closed within major_close_days of the audit's last day; minors get a
        corrective-action plan within minor_plan_days; observations have no due date."""
        if severity == Finding.Severity.MAJOR:
            return audit_end + datetime.timedelta(days=scheme.major_close_days)
        if severity == Finding.Severity.MINOR:
            return audit_end + datetime.timedelta(days=scheme.minor_plan_days)
        return None

    # --- transitions (services set the response and verification fields) ----------------

    @transition(
        field=state,
        source=State.OPEN,
        target=State.RESPONDED,
        permission=rules.enterprise_of_client,
        custom={
            "label": _("Respond"),
            "requires": ("root_cause", "correction", "corrective_action", "planned_completion"),
        },
    )
    def respond(self):
        pass

    @transition(
        field=state,
        source=State.RESPONDED,
        target=State.PLAN_ACCEPTED,
        permission=rules.assessor_of_team,
        custom={"label": _("Accept the plan")},
    )
    def accept_plan(self):
        pass

    @transition(
        field=state,
        source=State.RESPONDED,
        target=State.OPEN,
        permission=rules.assessor_of_team,
        custom={"label": _("Reject the response"), "requires": ("comment",)},
    )
    def reject_response(self):
        pass

    @transition(
        field=state,
        source=[State.RESPONDED, State.PLAN_ACCEPTED],
        target=State.CLOSED,
        conditions=[evidence_attached],
        permission=rules.assessor_of_team,
        custom={"label": _("Verify and close")},
    )
    def verify(self):
        pass

    @transition(
        field=state,
        source=State.OPEN,
        target=State.CLOSED,
        conditions=[is_observation],
        permission=rules.enterprise_or_assessor_of_team,
        custom={"label": _("Acknowledge")},
    )
    def acknowledge(self):
        pass

    # The state does not change: the finding keeps its progress and becomes a major.
    @transition(
        field=state,
        source=[State.OPEN, State.RESPONDED],
        target=None,
        conditions=[is_minor, is_overdue],
        permission=SYSTEM,
        custom={"label": _("Raise to major (overdue)"), "system": True},
    )
    def escalate(self):
        self.severity = Finding.Severity.MAJOR
        self.escalated_from_minor = True
        self.due_date = Finding.due_date_for(self.severity, self.audit.scheme, today())
