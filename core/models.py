"""Shared building blocks: the user, timestamps, and the append-only transition log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.limits import TEXT_MAX_LENGTH


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who signs in. Roles come from memberships (certification.Membership)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of pages, e-mails and notifications."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.full_name.strip() or super().get_full_name() or self.username

    def save(self, *args, **kwargs):
        # `set_password` keeps the new raw password in `_password` until the save: a password
        # change, a reset or an administrator's new password revokes every API token.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from core.api.auth import tokens_revoke

            tokens_revoke(user=self)

    def __str__(self) -> str:
        return self.get_full_name()


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a LogEntry."""


class LogEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Log entries are append-only: they cannot be updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Log entries are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Log entries are append-only: they cannot be deleted.")

    def for_object(self, obj: models.Model) -> "LogEntryQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )

    def for_objects(self, model: type[models.Model], pks) -> "LogEntryQuerySet":
        """The entries of the objects of `model` with these primary keys (one query)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=[str(pk) for pk in pks],
        )


class LogEntry(models.Model):
    """One transition or recorded action on one object: who, when, from, to, why.

    Written by services in the same transaction as the change (core.services.log_transition);
    it is the history pages and the API show and what notifications are built from. Rows
    are never updated or deleted (model, queryset and, on PostgreSQL, a trigger refuse it).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=255)
    transition = models.CharField(_("transition or action"), max_length=64)
    source_state = models.CharField(_("from"), max_length=40, blank=True)
    target_state = models.CharField(_("to"), max_length=40, blank=True)
    # PROTECT: a person with history is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for actions of the system (scheduled jobs)."),
    )
    actor_name = models.CharField(_("by (name at the time)"), max_length=200)
    comment = models.TextField(_("comment"), blank=True, max_length=TEXT_MAX_LENGTH)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.transition} ({self.source_state} → {self.target_state})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Log entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Log entries are append-only: they cannot be deleted.")


class Counter(models.Model):
    """The last number handed out in a series (e.g. certificates of one body in one year).

    Numbers come from `core.services.next_number`, which locks this row: gap-free and unique
    under concurrent use."""

    series = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="counter_series_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.value}"


class OutboxMessage(models.Model):
    """A follow-up of a change (notify, generate a document, push to the portal…), written in
    the same transaction as the change and delivered after it commits (see core.outbox).

    `status` is a delivery bookkeeping field of this technical queue, not a business workflow:
    pending → delivered, or pending → failed after the last attempt (an administrator may put
    a failed message back to pending)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "available_at"], name="outbox_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_dedupe_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
