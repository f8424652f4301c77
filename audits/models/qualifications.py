"""Which scheme an assessor is qualified to audit, and to lead audits of."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.models import Scheme
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel


class AssessorQualificationQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "AssessorQualificationQuerySet":
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )


class AssessorQualification(TimeStampedModel):
    """An assessor's qualification for a scheme over a period (from the body's records of
    training, witnessed audits and evaluation)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qualifications",
        verbose_name=_("assessor"),
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="qualifications",
        verbose_name=_("scheme"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until withdrawn.")
    )
    is_lead_qualified = models.BooleanField(_("qualified to lead audits"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    objects = AssessorQualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessor qualification")
        verbose_name_plural = _("assessor qualifications")
        ordering = ["user_id", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="qualification_valid_until_after_valid_from",
                violation_error_message=_("A qualification ends after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["user", "scheme"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.scheme}"
