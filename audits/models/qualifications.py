"""The competence matrix: which function a person may perform (auditor, lead assessor,
technical expert, technical reviewer, decision maker) under which scheme and in which
technical area, over which period, with the last witnessed audit and the training behind it
(ISO/IEC 17021-1 §7.1-7.2 and Annex A, ISO/IEC 17065 §6.1)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.models import Scheme, Sector
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel

# An auditor or lead assessor is witnessed at work at least this often (17021-1 §7.2.10).
WITNESS_EVERY_YEARS = 3


class Function(models.TextChoices):
    """What a person does in the certification process."""

    AUDITOR = "auditor", _("Auditor")
    LEAD = "lead", _("Lead auditor")
    TECHNICAL_EXPERT = "technical_expert", _("Technical expert")
    TECHNICAL_REVIEWER = "technical_reviewer", _("Technical reviewer")
    DECISION_MAKER = "decision_maker", _("Certification decision maker")


# Functions whose holders must have been witnessed auditing within WITNESS_EVERY_YEARS.
WITNESSED_FUNCTIONS = frozenset({Function.AUDITOR, Function.LEAD})


class AssessorQualificationQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "AssessorQualificationQuerySet":
        """Records whose validity period covers `day` (the witnessing is checked apart:
        audits.competence says why a record does not count)."""
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )

    def covering(self, *, scheme: Scheme, area: str) -> "AssessorQualificationQuerySet":
        """Records for `scheme` that cover technical area `area` (a record without an area
        covers every area of the scheme)."""
        qs = self.filter(scheme=scheme)
        if area:
            qs = qs.filter(Q(technical_area="") | Q(technical_area=area))
        return qs


class AssessorQualification(TimeStampedModel):
    """One line of the competence matrix: a person qualified for one function under a scheme
    (and, when given, one technical area) over a period, from the body's records of
    evaluation, training and witnessed audits."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qualifications",
        verbose_name=_("person"),
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="qualifications",
        verbose_name=_("scheme"),
    )
    function = models.CharField(
        _("function"), max_length=20, choices=Function.choices, default=Function.AUDITOR
    )
    technical_area = models.CharField(
        _("technical area"),
        max_length=24,
        choices=Sector.choices,
        blank=True,
        help_text=_("Empty: every technical area of the scheme."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until withdrawn.")
    )
    witnessed_on = models.DateField(
        _("last witnessed audit"),
        null=True,
        blank=True,
        help_text=_("Auditors and lead auditors are witnessed auditing at least every 3 years."),
    )
    training = models.TextField(
        _("training records"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Courses and their dates behind this qualification."),
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    objects = AssessorQualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("competence record")
        verbose_name_plural = _("competence records")
        ordering = ["user_id", "scheme_id", "function", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="qualification_valid_until_after_valid_from",
                violation_error_message=_("A qualification ends after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["user", "scheme"])]

    def __str__(self) -> str:
        area = f" · {self.get_technical_area_display()}" if self.technical_area else ""
        return f"{self.user} · {self.get_function_display()} · {self.scheme}{area}"

    @property
    def is_lead_qualified(self) -> bool:
        return self.function == Function.LEAD

    def witness_due(self) -> datetime.date | None:
        """The day by which the next witnessed audit is due (None: no witnessing needed or
        none recorded)."""
        if self.function not in WITNESSED_FUNCTIONS or self.witnessed_on is None:
            return None
        return self.witnessed_on + relativedelta(years=WITNESS_EVERY_YEARS)

    def is_witnessed_for(self, day: datetime.date) -> bool:
        if self.function not in WITNESSED_FUNCTIONS:
            return True
        due = self.witness_due()
        return due is not None and day <= due


class TrainingRecord(TimeStampedModel):
    """A course or training a person of the body took (evidence of competence; the
    certificate of attendance is attached as a document)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("person"),
    )
    title = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheme"),
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["user_id", "-completed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.title} ({self.completed_on})"
