"""The competence matrix: which function a person may perform (auditor, lead assessor,
technical expert, technical reviewer, decision maker) under which scheme and in which
technical area, over which period, with the last witnessed audit and the training behind it
(ISO/IEC 17021-1 §7.1-7.2 and Annex A, ISO/IEC 17065 §6.1)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
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
    def with_witnessing(self) -> "AssessorQualificationQuerySet":
        """Each line with what the witnessing records say of its person in its function (a
        witnessing as lead auditor also counts for the auditor's function), in the same
        query: whether any is recorded, the day of the latest satisfactory one and of the
        latest unsatisfactory one (see `last_witnessed`)."""
        records = WitnessedAudit.objects.filter(user_id=OuterRef("user_id")).filter(
            Q(function=OuterRef("function")) | Q(function=Function.LEAD)
        )

        def latest(rows):
            return Subquery(rows.order_by("-witnessed_on", "-id").values("witnessed_on")[:1])

        return self.annotate(
            witnessing_recorded=Exists(records),
            last_satisfactory_witnessing=latest(records.filter(outcome=Outcome.SATISFACTORY)),
            last_unsatisfactory_witnessing=latest(records.filter(outcome=Outcome.UNSATISFACTORY)),
        )

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
        help_text=_(
            "From records kept before the witnessing records (imported lines): counted only "
            "while the person has no witnessing record in this function."
        ),
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

    def witnessing(self) -> tuple[bool, datetime.date | None, datetime.date | None]:
        """(any witnessing record of the person in this function, day of the latest
        satisfactory one, day of the latest unsatisfactory one): from `with_witnessing()` when
        the line was loaded with it, else read now (one query)."""
        if not hasattr(self, "witnessing_recorded"):
            found = None
            if self.pk is not None:
                found = (
                    type(self)
                    .objects.with_witnessing()
                    .filter(pk=self.pk)
                    .values(
                        "witnessing_recorded",
                        "last_satisfactory_witnessing",
                        "last_unsatisfactory_witnessing",
                    )
                    .first()
                )
            found = found or {}
            self.witnessing_recorded = bool(found.get("witnessing_recorded"))
            self.last_satisfactory_witnessing = found.get("last_satisfactory_witnessing")
            self.last_unsatisfactory_witnessing = found.get("last_unsatisfactory_witnessing")
        return (
            self.witnessing_recorded,
            self.last_satisfactory_witnessing,
            self.last_unsatisfactory_witnessing,
        )

    def last_witnessed(self) -> datetime.date | None:
        """The day of the witnessed audit that counts for this line: the person's latest
        satisfactory witnessing record in this function — none when a later record is
        unsatisfactory. The line's own `witnessed_on` counts only while no witnessing record
        exists for the person and function (lines imported or entered before the records)."""
        recorded, satisfactory, unsatisfactory = self.witnessing()
        if not recorded:
            return self.witnessed_on
        if satisfactory is None or (unsatisfactory is not None and unsatisfactory >= satisfactory):
            return None
        return satisfactory

    def witness_due(self) -> datetime.date | None:
        """The day by which the next witnessed audit is due (None: no witnessing needed or
        none that counts)."""
        if self.function not in WITNESSED_FUNCTIONS:
            return None
        last = self.last_witnessed()
        return last + relativedelta(years=WITNESS_EVERY_YEARS) if last else None

    def is_witnessed_for(self, day: datetime.date) -> bool:
        if self.function not in WITNESSED_FUNCTIONS:
            return True
        due = self.witness_due()
        return due is not None and day <= due


class WitnessKind(models.TextChoices):
    """How the person was seen at work."""

    ON_SITE = "on_site", _("Witnessed on site")
    REMOTE = "remote", _("Monitored remotely")
    FILE_REVIEW = "file_review", _("File review")


class Outcome(models.TextChoices):
    """The witness's conclusion."""

    SATISFACTORY = "satisfactory", _("Satisfactory")
    NEEDS_IMPROVEMENT = "needs_improvement", _("Needs improvement")
    UNSATISFACTORY = "unsatisfactory", _("Unsatisfactory")


class WitnessedAudit(TimeStampedModel):
    """A record of one witnessed or monitored audit (17021-1 §7.2.10, 17065 §6.1.2): who was
    seen at work in which function, on which audit (one of ours, or an external one named in
    `external_reference`), by whom, when, how, and with what outcome. The competence check
    counts the latest satisfactory record (AssessorQualification.last_witnessed). The evidence
    is attached as a document owned by the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="witnessings",
        verbose_name=_("person witnessed"),
    )
    function = models.CharField(
        _("function"), max_length=20, choices=Function.choices, default=Function.AUDITOR
    )
    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="witnessings",
        verbose_name=_("audit"),
    )
    external_reference = models.CharField(
        _("external audit"),
        max_length=200,
        blank=True,
        help_text=_("For an audit not in this system: the body, client and report number."),
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("witness"),
    )
    witnessed_on = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=WitnessKind.choices, default=WitnessKind.ON_SITE
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("witnessing record")
        verbose_name_plural = _("witnessing records")
        ordering = ["user_id", "-witnessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audit__isnull=False) | ~Q(external_reference=""),
                name="witnessing_names_its_audit",
                violation_error_message=_(
                    "Choose the audit witnessed, or describe the external audit."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(witness=models.F("user")),
                name="witnessing_witness_is_another_person",
                violation_error_message=_("A person cannot witness themselves."),
            ),
        ]
        indexes = [models.Index(fields=["user", "function", "-witnessed_on"])]

    def __str__(self) -> str:
        return (
            f"{self.user} · {self.get_function_display()} · {self.witnessed_on} · "
            f"{self.get_outcome_display()}"
        )

    @property
    def audit_label(self) -> str:
        if self.audit_id:
            return str(self.audit)
        return self.external_reference


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
