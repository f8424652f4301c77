"""The body's impartiality records (ISO/IEC 17021-1 §5.2, ISO/IEC 17065 §4.2): conflicts of
the body itself with a client, the register of risks to impartiality, and the meetings and
decisions of the committee that safeguards it."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from certification import rules
from certification.models.organisations import Organisation
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel


class BodyConflictQuerySet(models.QuerySet):
    def barring(self, *, body_id: int, enterprise_id: int, day: datetime.date, years: int):
        """Conflicts of the body with the enterprise that still bar it on `day`: not ended, or
        ended less than `years` (the scheme's cooling-off) before."""
        from certification.models.applications import cooling_off_start

        return self.filter(body_id=body_id, enterprise_id=enterprise_id).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=cooling_off_start(day, years))
        )


class BodyConflict(TimeStampedModel):
    """A tie of the certification body itself with a client that bars it from certifying the
    client: the body or a related body consulted it, or they share owners."""

    class Kind(models.TextChoices):
        BODY_CONSULTANCY = "body_consultancy", _("The body consulted the client")
        RELATED_CONSULTANCY = (
            "related_consultancy",
            _("A related body consulted the client"),
        )
        SHARED_OWNERSHIP = "shared_ownership", _("Shared ownership or management")
        OTHER = "other", _("Other tie")

    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="body_conflicts",
        limit_choices_to={"kind": "certification_body"},
        verbose_name=_("certification body"),
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="body_conflicts_as_client",
        limit_choices_to={"kind": "enterprise"},
        verbose_name=_("client"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    related_body_name = models.CharField(
        _("related body"),
        max_length=200,
        blank=True,
        help_text=_("The related body that consulted the client, or the common owner."),
    )
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH)
    started_on = models.DateField(_("relation started on"), null=True, blank=True)
    ended_on = models.DateField(
        _("relation ended on"),
        null=True,
        blank=True,
        help_text=_("The body is barred until the scheme's cooling-off after this day."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = BodyConflictQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of the body with a client")
        verbose_name_plural = _("conflicts of the body with clients")
        ordering = ["body_id", "-created_at"]
        indexes = [models.Index(fields=["body", "enterprise"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="body_conflict_ends_after_it_starts",
                violation_error_message=_("A relation ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} · {self.enterprise} · {self.get_kind_display()}"


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ImpartialityRisk(FSMModelMixin, TimeStampedModel):
    """One line of the body's register of risks to impartiality: the threat, how likely and
    serious it is, and how it is controlled."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")  # identified; controls in place or planned; reviewed
        CLOSED = "closed", _("Closed")  # final: the source of the risk no longer exists

    class Source(models.TextChoices):
        SELF_INTEREST = "self_interest", _("Self-interest")
        SELF_REVIEW = "self_review", _("Self-review")
        FAMILIARITY = "familiarity", _("Familiarity")
        INTIMIDATION = "intimidation", _("Intimidation")
        OWNERSHIP = "ownership", _("Ownership, governance or finance")
        OTHER = "other", _("Other")

    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="impartiality_risks",
        limit_choices_to={"kind": "certification_body"},
        verbose_name=_("certification body"),
    )
    title = models.CharField(_("risk"), max_length=200)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH)
    likelihood = models.CharField(_("likelihood"), max_length=8, choices=Level.choices)
    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices)
    controls = models.TextField(
        _("controls (how the risk is eliminated or minimised)"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
    )
    identified_on = models.DateField(_("identified on"))
    next_review = models.DateField(_("next review"), null=True, blank=True)
    state = FSMField(
        _("state"), max_length=8, choices=State.choices, default=State.OPEN, protected=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("impartiality risk")
        verbose_name_plural = _("impartiality risk register")
        ordering = ["body_id", "state", "-identified_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @transition(
        field=state,
        source=State.OPEN,
        target=State.CLOSED,
        permission=rules.body_staff,
        custom={"label": _("Close the risk"), "requires": ("comment",)},
    )
    def close(self):
        pass


class CommitteeMeeting(TimeStampedModel):
    """A meeting of the committee for safeguarding impartiality (its minutes are attached as
    documents)."""

    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="committee_meetings",
        limit_choices_to={"kind": "certification_body"},
        verbose_name=_("certification body"),
    )
    held_on = models.DateField(_("held on"))
    attendees = models.TextField(
        _("attendees"),
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Names and the interests they represent."),
    )
    agenda = models.TextField(_("agenda"), blank=True, max_length=TEXT_MAX_LENGTH)
    minutes = models.TextField(_("minutes"), blank=True, max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("impartiality committee meeting")
        verbose_name_plural = _("impartiality committee meetings")
        ordering = ["body_id", "-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.body} · {self.held_on}"


class CommitteeDecision(TimeStampedModel):
    """A decision or recommendation of the impartiality committee at a meeting."""

    meeting = models.ForeignKey(
        CommitteeMeeting,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name=_("meeting"),
    )
    text = models.TextField(_("decision"), max_length=TEXT_MAX_LENGTH)
    risk = models.ForeignKey(
        ImpartialityRisk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_decisions",
        verbose_name=_("risk concerned"),
    )
    due_on = models.DateField(_("to be done by"), null=True, blank=True)

    class Meta:
        verbose_name = _("impartiality committee decision")
        verbose_name_plural = _("impartiality committee decisions")
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return self.text[:80]
