"""What people are told: in-app notifications (each with its e-mail delivery) and their
e-mail preferences."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What a notification is about; e-mail can be switched off per category."""

    APPLICATIONS = "applications", _("Applications")
    AUDITS = "audits", _("Audits")
    FINDINGS = "findings", _("Findings")
    CERTIFICATES = "certificates", _("Certificates")
    REGISTRATIONS = "registrations", _("Body registrations")
    APPEALS_COMPLAINTS = "appeals_complaints", _("Appeals and complaints")
    REMINDERS = "reminders", _("Reminders and deadlines")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person about one event on one object.

    `dedup_key` (unique) is a hash of (event, object, recipient, period): the same message is
    stored once however often a job or task runs. The e-mail copy is delivered by its own task,
    which claims the row (`email_status` pending → sending) before sending.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("To send")  # waiting for (or between) delivery attempts
        SENDING = "sending", _("Sending")  # claimed by a worker; reclaimable after a lease
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")  # the last attempt failed; not tried again
        SKIPPED = "skipped", _("Not sent")  # e-mail off for the category, or no address

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=64)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    object_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    # The title and message in every language of the site ({"vi": {"title", "body"}, "en": …}),
    # so the page shows them in the reader's language of the moment; `title`/`body` are the
    # recipient's language when it was sent (the e-mail's).
    translations = models.JSONField(_("translations"), default=dict, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    dedup_key = models.CharField(max_length=64, unique=True, editable=False)
    email_status = models.CharField(
        _("e-mail"), max_length=8, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.TextField(_("last e-mail error"), blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The notification centre (unread first, newest first) and the header counter.
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(
                fields=["email_status"],
                name="notification_email_to_send",
                condition=Q(email_status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def _text(self, part: str) -> str:
        texts = (self.translations or {}).get(get_language() or "", {})
        return texts.get(part) or getattr(self, part)

    @property
    def display_title(self) -> str:
        """The title in the active language (the stored one when it has no translation)."""
        return self._text("title")

    @property
    def display_body(self) -> str:
        return self._text("body")


class NotificationPreference(models.Model):
    """A person's choice to receive e-mail for a category. No row means e-mail is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    email = models.BooleanField(_("send e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="notification_preference_once_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_category_display()}: {self.email}"
