"""Writes of the notifications app: deliver messages (exactly once), send their e-mail copy,
mark them read, and keep each person's e-mail preferences."""

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import User
from notifications.models import Category, Notification, NotificationPreference

logger = logging.getLogger(__name__)

# Errors after which an e-mail is tried again (with backoff); any other error fails it at once.
RETRYABLE_EMAIL_ERRORS: tuple[type[Exception], ...] = (SMTPException, OSError)
# A worker that claimed an e-mail and died is presumed gone after this long; the row may then be
# claimed again (acks_late redelivers the task).
EMAIL_CLAIM_LEASE = timedelta(minutes=10)
# Rows per INSERT / IN (…) list, well under SQLite's limit on query parameters.
_CHUNK = 500


@dataclass(frozen=True)
class Message:
    """One notification to deliver: `render()` returns (title, body) and is called with the
    recipient's language active. `period` separates repeats of the same event on the same
    object (a log entry, a day, a week, a due date)."""

    recipient: User
    event: str
    category: str
    subject: models.Model | None
    period: str
    render: Callable[[], tuple[str, str]]
    url: str = ""


def dedup_key(*, event: str, subject: models.Model | None, recipient_id: int, period: str) -> str:
    """SHA-256 of (event, object, recipient, period): the row's unique key."""
    if subject is None:
        obj = "-"
    else:
        ct = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        obj = f"{ct.pk}:{subject.pk}"
    raw = f"{event}|{obj}|{recipient_id}|{period}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _language_of(user: User) -> str:
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notifications_deliver(*, messages: Iterable[Message]) -> int:
    """Store each message as an in-app notification, once, and enqueue its e-mail.

    Exactly once: a message whose (event, object, recipient, period) was delivered before is
    left out, and the unique `dedup_key` makes a concurrent duplicate a no-op. Titles and
    bodies are rendered in each recipient's language (`User.preferred_language`). E-mail is
    `skipped` for recipients without an address or who switched the category off; the others
    get a `send_notification_email` task after the surrounding transaction commits.

    Queries do not grow with the number of messages beyond fixed-size chunks. Returns how
    many notifications were new.
    """
    keyed: dict[str, Message] = {}
    for message in messages:
        key = dedup_key(
            event=message.event,
            subject=message.subject,
            recipient_id=message.recipient.pk,
            period=message.period,
        )
        keyed.setdefault(key, message)
    if not keyed:
        return 0
    existing: set[str] = set()
    for chunk in _chunks(list(keyed)):
        existing.update(
            Notification.objects.filter(dedup_key__in=chunk).values_list("dedup_key", flat=True)
        )
    new = {key: message for key, message in keyed.items() if key not in existing}
    if not new:
        return 0
    opted_out = set(
        NotificationPreference.objects.filter(
            user_id__in={m.recipient.pk for m in new.values()}, email=False
        ).values_list("user_id", "category")
    )
    rendered: dict[tuple[int, str], tuple[str, str]] = {}
    rows = []
    for key, message in new.items():
        language = _language_of(message.recipient)
        cache_key = (id(message.render), language)
        if cache_key not in rendered:
            with translation.override(language):
                title, body = message.render()
            rendered[cache_key] = (str(title)[:255], str(body))
        title, body = rendered[cache_key]
        wants_email = (
            bool(message.recipient.email)
            and message.recipient.is_active
            and (message.recipient.pk, message.category) not in opted_out
        )
        content_type = (
            ContentType.objects.get_for_model(message.subject, for_concrete_model=False)
            if message.subject is not None
            else None
        )
        rows.append(
            Notification(
                recipient=message.recipient,
                event=message.event,
                category=message.category,
                content_type=content_type,
                object_id=str(message.subject.pk) if message.subject is not None else "",
                title=title,
                body=body,
                url=message.url[:500],
                dedup_key=key,
                email_status=(
                    Notification.EmailStatus.PENDING
                    if wants_email
                    else Notification.EmailStatus.SKIPPED
                ),
            )
        )
    Notification.objects.bulk_create(rows, batch_size=_CHUNK, ignore_conflicts=True)
    to_email = [
        row.dedup_key for row in rows if row.email_status == Notification.EmailStatus.PENDING
    ]
    for chunk in _chunks(to_email):
        _enqueue_emails(
            list(
                Notification.objects.filter(
                    dedup_key__in=chunk, email_status=Notification.EmailStatus.PENDING
                ).values_list("pk", flat=True)
            )
        )
    return len(rows)


def _enqueue_emails(notification_ids: Sequence[int]) -> None:
    """One `notify.email` outbox message per chunk of notifications, in the current
    transaction: after the commit it hands each e-mail to the `send_notification_email` task
    (whose claim keeps each e-mail single). A broker outage never breaks the request that made
    the notifications: the message stays pending for the sweeper (and the e-mails pending for
    `requeue_stale_emails`)."""
    from core.outbox import outbox_enqueue

    for chunk in _chunks(list(notification_ids)):
        if chunk:
            outbox_enqueue(kind="notify.email", payload={"notification_ids": list(chunk)})


def notification_email_hand_off(*, notification_ids: Sequence[int]) -> None:
    """The `notify.email` outbox handler: queue the send task of each e-mail. Raises when the
    broker cannot take them, so the outbox tries again later (a repeat sends nothing twice)."""
    from notifications.tasks import send_notification_email

    for notification_id in notification_ids:
        send_notification_email.delay(notification_id)


# --- E-mail -------------------------------------------------------------------------------


def _email_message(notification: Notification) -> EmailMessage:
    """The e-mail copy, its fixed parts in the recipient's language."""
    recipient = notification.recipient
    with translation.override(_language_of(recipient)):
        link = f"{settings.SITE_URL}{notification.url or '/notifications/'}"
        body = "\n\n".join(
            part
            for part in (
                notification.body,
                _("Open: %(link)s") % {"link": link},
                "-- \n"
                + _(
                    "You receive this e-mail as a user of TXNG Cert. Choose which e-mails you "
                    "receive: %(link)s"
                )
                % {"link": f"{settings.SITE_URL}/notifications/preferences/"},
            )
            if part
        )
        subject = f"[TXNG Cert] {notification.title}"
    return EmailMessage(
        subject=subject.replace("\n", " ")[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )


def notification_email_send(*, notification_id: int, final: bool) -> str:
    """Send the e-mail copy of one notification; the task's body. Returns what happened.

    1. Claim the row (compare-and-swap `pending` → `sending`, or a `sending` claim older than
       the lease): a second task for the same row finds nothing to claim and returns
       "not_claimed", so an e-mail is sent by one worker only.
    2. Send through Django's e-mail backend (settings.EMAIL_BACKEND).
    3. Success → `sent` with the time. A retryable error (SMTP, network) when this is not the
       `final` attempt → back to `pending` with the error kept, and re-raised for the task to
       retry with backoff. Otherwise → `failed` with the error (not raised). The in-app
       notification is never touched, so it is never duplicated.
    """
    now = timezone.now()
    claimable = Q(email_status=Notification.EmailStatus.PENDING) | Q(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - EMAIL_CLAIM_LEASE
    )
    claimed = (
        Notification.objects.filter(claimable, pk=notification_id).update(
            email_status=Notification.EmailStatus.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
        == 1
    )
    if not claimed:
        return "not_claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.SENDING, email_claimed_at=now
    )
    if not notification.recipient.email or not notification.recipient.is_active:
        mine.update(email_status=Notification.EmailStatus.SKIPPED, email_claimed_at=None)
        return "skipped"
    try:
        _email_message(notification).send(fail_silently=False)
    except Exception as exc:
        retry = isinstance(exc, RETRYABLE_EMAIL_ERRORS) and not final
        mine.update(
            email_status=(
                Notification.EmailStatus.PENDING if retry else Notification.EmailStatus.FAILED
            ),
            email_error=f"{type(exc).__name__}: {exc}"[:2000],
            email_claimed_at=None,
        )
        if retry:
            raise
        logger.error(
            "E-mail of notification %s failed after %s attempt(s): %s",
            notification_id,
            notification.email_attempts,
            exc,
        )
        return "failed"
    mine.update(
        email_status=Notification.EmailStatus.SENT,
        emailed_at=timezone.now(),
        email_error="",
        email_claimed_at=None,
    )
    return "sent"


def notifications_email_requeue_stale(*, older_than: timedelta = EMAIL_CLAIM_LEASE) -> int:
    """Enqueue again the e-mails still waiting long after their notification was made (a task
    lost with a broker outage, or a worker that died holding the claim). Safe to run any time:
    the send task's claim keeps each e-mail single. Returns how many were enqueued."""
    cutoff = timezone.now() - older_than
    stale = list(
        Notification.objects.filter(
            Q(email_status=Notification.EmailStatus.PENDING)
            | Q(email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=cutoff),
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:5000]
    )
    _enqueue_emails(stale)
    return len(stale)


# --- The person's own actions ---------------------------------------------------------------


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of `by`'s notifications read (already read: unchanged). PermissionDenied for
    anyone else's (views fetch through the selector, which answers 404 first)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    """Mark every unread notification of `by` read; returns how many changed."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(*, by: User, email: Mapping[str, bool]) -> dict[str, bool]:
    """Set `by`'s e-mail on/off per category (categories left out keep their setting).
    ValidationError for an unknown category. Returns every category's setting."""
    unknown = set(email) - set(Category.values)
    if unknown:
        raise ValidationError(
            {"email": _("Unknown categories: %(c)s.") % {"c": ", ".join(sorted(unknown))}}
        )
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=by, category=category, email=bool(on))
            for category, on in email.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "category"],
        update_fields=["email"],
    )
    from notifications.selectors import email_preferences_of

    return email_preferences_of(by)
