"""Trace tests (thử truy xuất): a timed trace of one finished lot, backward and/or forward."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audits.models.audits import Audit
from audits.validators import validate_gtin
from core.models import TimeStampedModel


class TraceTest(TimeStampedModel):
    """The team picks a finished lot (GTIN + lot) and times the enterprise tracing it one step
    back (inputs, suppliers) and/or one step forward (customers), with a mass balance."""

    class Direction(models.TextChoices):
        BACKWARD = "backward", _("Backward (inputs and suppliers)")
        FORWARD = "forward", _("Forward (customers)")
        BOTH = "both", _("Backward and forward")

    class Result(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Failed")  # raises a major finding

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="trace_tests", verbose_name=_("audit")
    )
    gtin = models.CharField(_("GTIN"), max_length=14, validators=[validate_gtin])
    lot = models.CharField(_("lot / batch"), max_length=20)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.BOTH
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    # Mass balance of the lot, in one unit (kg, cases…): inputs against shipped + in stock.
    quantity_in = models.DecimalField(_("quantity in (inputs)"), max_digits=14, decimal_places=3)
    quantity_out = models.DecimalField(
        _("quantity out (shipped and in stock)"), max_digits=14, decimal_places=3
    )
    # Computed from the directions (audits.trace.trace_outcome), never typed.
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    failure_reasons = models.JSONField(_("why it failed"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    finding = models.OneToOneField(
        "audits.Finding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trace_test",
        verbose_name=_("finding raised"),
    )

    class Meta:
        verbose_name = _("trace test")
        verbose_name_plural = _("trace tests")
        ordering = ["audit_id", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")),
                name="trace_test_ends_after_it_starts",
                violation_error_message=_("A trace test ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gtin} / {self.lot}"

    def clean(self) -> None:
        super().clean()
        if self.started_at and self.ended_at and self.ended_at <= self.started_at:
            raise ValidationError({"ended_at": _("The end time must be after the start time.")})

    @property
    def duration(self) -> datetime.timedelta:
        return self.ended_at - self.started_at

    @property
    def duration_hours(self) -> Decimal:
        return (Decimal(self.duration.total_seconds()) / 3600).quantize(Decimal("0.01"))

    @property
    def target_hours(self) -> Decimal:
        return self.audit.scheme.trace_test_target_hours

    @property
    def within_target(self) -> bool:
        """Traced within the scheme's target time (default 4 hours)."""
        return self.duration <= datetime.timedelta(hours=float(self.target_hours))

    @property
    def quantity_difference(self) -> Decimal:
        """Mass balance: inputs minus outputs."""
        return self.quantity_in - self.quantity_out

    @property
    def difference_percent(self) -> Decimal | None:
        from audits.trace import mass_balance_percent

        return mass_balance_percent(self.quantity_in, self.quantity_out)


class TraceTestDirection(TimeStampedModel):
    """One direction of a trace test of a lot, as the enterprise answered it: when asked and
    answered, the lines shown (inputs and outputs with quantities) and the documents shown.

    Recorded on the audit first (trace_test_record_direction); the trace test that judges the
    lot is made when the team concludes (trace_test_conclude), which links its directions."""

    class Direction(models.TextChoices):
        BACKWARD = "backward", _("One step back (inputs and suppliers)")
        FORWARD = "forward", _("One step forward (customers)")

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="trace_directions", verbose_name=_("audit")
    )
    trace_test = models.ForeignKey(
        TraceTest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directions",
        verbose_name=_("trace test"),
    )
    gtin = models.CharField(_("GTIN"), max_length=14, validators=[validate_gtin])
    lot = models.CharField(_("lot / batch"), max_length=20)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    started_at = models.DateTimeField(_("asked at"))
    answered_at = models.DateTimeField(_("answered at"))
    # [{"party": supplier or customer, "lot": …, "quantity": "…", "unit": "kg"}]
    inputs = models.JSONField(_("inputs"), default=list, blank=True)
    outputs = models.JSONField(_("outputs"), default=list, blank=True)
    documents_shown = models.TextField(_("documents shown"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("trace test direction")
        verbose_name_plural = _("trace test directions")
        ordering = ["audit_id", "gtin", "lot", "direction"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__gt=F("started_at")),
                name="trace_direction_answered_after_asked",
                violation_error_message=_("The answer comes after the question."),
            ),
            # One open record per lot and direction; a concluded lot may be traced again.
            models.UniqueConstraint(
                fields=["audit", "gtin", "lot", "direction"],
                condition=Q(trace_test__isnull=True),
                name="trace_direction_one_open_per_lot_and_direction",
                violation_error_message=_("This direction of this lot is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gtin} / {self.lot} · {self.get_direction_display()}"

    def facts(self):
        from audits.trace import DirectionFacts

        return DirectionFacts(
            direction=self.direction,
            started_at=self.started_at,
            answered_at=self.answered_at,
            inputs=tuple(self.inputs or ()),
            outputs=tuple(self.outputs or ()),
        )
