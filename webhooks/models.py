"""Webhooks: HTTPS endpoints that certification bodies and regulators register to be told of
certificate events, and the log of every delivery to them."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from certification.models import Certificate, Organisation, Province
from core.models import TimeStampedModel, User


class Event(models.TextChoices):
    """Certificate events an endpoint may subscribe to (the `event` of each delivery)."""

    ISSUED = "certificate.issued", _("Certificate issued")
    SUSPENDED = "certificate.suspended", _("Certificate suspended")
    REINSTATED = "certificate.reinstated", _("Certificate reinstated")
    WITHDRAWN = "certificate.withdrawn", _("Certificate withdrawn")
    EXPIRED = "certificate.expired", _("Certificate expired")
    RESTORED = "certificate.restored", _("Certificate restored")


# The certificate's logged transition → the event it is.
EVENT_OF_TRANSITION = {
    "issue": Event.ISSUED,
    "reissue": Event.ISSUED,
    "suspend": Event.SUSPENDED,
    "reinstate": Event.REINSTATED,
    "withdraw": Event.WITHDRAWN,
    "expire": Event.EXPIRED,
    "restore": Event.RESTORED,
}


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(TimeStampedModel):
    """Where the events of a body's certificates (`body`) or of the certificates of a
    regulator's province (`jurisdiction`) are POSTed, signed with `secret`."""

    body = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("certification body"),
    )
    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("jurisdiction"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=80, default=new_secret)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(body__isnull=False, jurisdiction__isnull=True)
                    | models.Q(body__isnull=True, jurisdiction__isnull=False)
                ),
                name="webhook_endpoint_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def owner(self) -> Organisation | Province:
        return self.body or self.jurisdiction


class WebhookDelivery(models.Model):
    """One event for one endpoint: its frozen payload, and each attempt to POST it (status
    code, error, time) until the endpoint answers 2xx or the attempts run out. Retries back
    off exponentially (`next_attempt_at`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # not yet accepted; next attempt at next_attempt_at
        DELIVERED = "delivered", _("Delivered")  # the endpoint answered 2xx
        FAILED = "failed", _("Failed")  # refused (4xx other than 408/429) or attempts exhausted

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("certificate"),
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # [{"at": ISO time, "status_code": int | None, "error": str, "ms": int}, …]
    attempt_log = models.JSONField(_("attempts log"), default=list)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"

    @property
    def last_attempt(self) -> dict | None:
        return self.attempt_log[-1] if self.attempt_log else None
