"""The enterprise's objection to a member of the audit team (ISO/IEC 17021-1 §9.2.3.4): raised
with a reason before the audit starts, resolved by an officer of the body."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from certification import rules as certification_rules
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel


class TeamObjection(FSMModelMixin, TimeStampedModel):
    """An objection by the audited enterprise to a person on the audit team."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")  # waits for an officer; the audit cannot start
        UPHELD = "upheld", _("Upheld")  # final: the person was taken off the team
        DISMISSED = "dismissed", _("Dismissed")  # final: the person stays, reasons given

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=_("audit"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team member objected to"),
    )
    reason = models.TextField(_("reason"), max_length=TEXT_MAX_LENGTH)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    state = FSMField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN, protected=True
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("objection to a team member")
        verbose_name_plural = _("objections to team members")
        ordering = ["audit_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "member"],
                condition=Q(state="open"),
                name="team_objection_one_open_per_member",
                violation_error_message=_("An objection to this person is already open."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id} · {self.member}"

    @property
    def body(self):
        return self.audit.body

    @transition(
        field=state,
        source=State.OPEN,
        target=State.UPHELD,
        permission=certification_rules.body_staff,
        custom={"label": _("Uphold (take the person off the team)"), "requires": ("comment",)},
    )
    def uphold(self):
        pass

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DISMISSED,
        permission=certification_rules.body_staff,
        custom={"label": _("Dismiss the objection"), "requires": ("comment",)},
    )
    def dismiss(self):
        pass
