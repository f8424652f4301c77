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
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
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
