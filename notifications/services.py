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
from django.core.mail import EmailMessage, get_connection
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
    rendered: dict[int, dict[str, dict[str, str]]] = {}
    rows = []
    for key, message in new.items():
        language = _language_of(message.recipient)
        # Rendered once per message text in every language: the page shows the reader's.
        if id(message.render) not in rendered:
            texts = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    title, body = message.render()
                texts[code] = {"title": str(title)[:255], "body": str(body)}
            rendered[id(message.render)] = texts
        translations = rendered[id(message.render)]
        title, body = translations[language]["title"], translations[language]["body"]
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
                translations=translations,
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
    pending: list[int] = []
    for chunk in _chunks(to_email):
        pending.extend(
            Notification.objects.filter(
                dedup_key__in=chunk, email_status=Notification.EmailStatus.PENDING
            ).values_list("pk", flat=True)
        )
    _enqueue_emails(pending)
    return len(rows)


def _email_batch_size() -> int:
    return max(1, int(getattr(settings, "NOTIFICATIONS_EMAIL_BATCH_SIZE", 200)))


def _enqueue_emails(notification_ids: Sequence[int]) -> None:
    """One `notify.email` outbox message per batch of notifications, in the current
    transaction: after the commit it hands the batch to the `send_notification_emails` task
    (one SMTP connection; its claim keeps each e-mail single). A broker outage never breaks the
    request that made the notifications: the message stays pending for the sweeper (and the
    e-mails pending for `requeue_stale_emails`)."""
    from core.outbox import outbox_enqueue

    for batch in _chunks(list(notification_ids), _email_batch_size()):
        if batch:
            outbox_enqueue(kind="notify.email", payload={"notification_ids": list(batch)})


def _enqueue_email(notification_id: int) -> None:
    _enqueue_emails([notification_id])


def notification_email_hand_off(*, notification_ids: Sequence[int]) -> None:
    """The `notify.email` outbox handler: queue the batch send task of these e-mails (batches
    of NOTIFICATIONS_EMAIL_BATCH_SIZE). Raises when the broker cannot take them, so the outbox
    tries again later (a repeat sends nothing twice)."""
    from notifications.tasks import send_notification_emails

    for batch in _chunks(list(notification_ids), _email_batch_size()):
        send_notification_emails.delay(list(batch))


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


class EmailBatchInterrupted(SMTPException):
    """A batch stopped on a retryable error: the e-mails not sent are pending again."""


def notification_emails_send(*, notification_ids: Sequence[int], final: bool) -> dict[str, int]:
    """Send the e-mail copies of many notifications over one connection of the e-mail backend;
    the batch task's body. Returns how many were sent, skipped, failed, left pending and not
    claimed.

    1. One compare-and-swap UPDATE claims every claimable row (`pending`, or `sending` with a
       lapsed lease): rows sent, skipped or claimed by another worker are left out, so a
       retried or duplicated batch sends nothing twice.
    2. The claimed e-mails go out over one open connection, in id order.
    3. The outcome is written with one UPDATE per outcome: `sent` (with the time), `skipped`,
       `failed` (a non-retryable error, or the `final` attempt), or back to `pending` (a
       retryable SMTP or network error: the connection is presumed broken, the rest of the
       batch is not tried and EmailBatchInterrupted is raised for the task to retry).
    """
    ids = sorted({int(pk) for pk in notification_ids})
    counts = {"sent": 0, "skipped": 0, "failed": 0, "pending": 0, "not_claimed": 0}
    if not ids:
        return counts
    now = timezone.now()
    claimable = Q(email_status=Notification.EmailStatus.PENDING) | Q(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - EMAIL_CLAIM_LEASE
    )
    claimed = Notification.objects.filter(claimable, pk__in=ids).update(
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    counts["not_claimed"] = len(ids) - claimed
    if not claimed:
        return counts
    mine = Notification.objects.filter(
        pk__in=ids, email_status=Notification.EmailStatus.SENDING, email_claimed_at=now
    )
    rows = list(mine.select_related("recipient").order_by("pk"))
    sent: list[int] = []
    skipped: list[int] = []
    failed: dict[str, list[int]] = {}
    pending: dict[str, list[int]] = {}
    interrupted: Exception | None = None
    connection = None
    try:
        for index, notification in enumerate(rows):
            if not _emailable(notification):
                skipped.append(notification.pk)
                continue
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    connection.open()
                message = _email_message(notification)
                message.connection = connection
                message.send(fail_silently=False)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:2000]
                if isinstance(exc, RETRYABLE_EMAIL_ERRORS) and not final:
                    later = rows[index:]
                    pending.setdefault(error, []).extend(n.pk for n in later if _emailable(n))
                    skipped.extend(n.pk for n in later if not _emailable(n))
                    interrupted = exc
                    break
                failed.setdefault(error, []).append(notification.pk)
                logger.error("E-mail of notification %s failed: %s", notification.pk, exc)
                if isinstance(exc, RETRYABLE_EMAIL_ERRORS):
                    # The connection may be broken: the next e-mail opens a new one.
                    _close_quietly(connection)
                    connection = None
                continue
            sent.append(notification.pk)
    finally:
        _close_quietly(connection)
        written = timezone.now()
        if sent:
            mine.filter(pk__in=sent).update(
                email_status=Notification.EmailStatus.SENT,
                emailed_at=written,
                email_error="",
                email_claimed_at=None,
            )
        if skipped:
            mine.filter(pk__in=skipped).update(
                email_status=Notification.EmailStatus.SKIPPED, email_claimed_at=None
            )
        for status, groups in (
            (Notification.EmailStatus.FAILED, failed),
            (Notification.EmailStatus.PENDING, pending),
        ):
            for error, pks in groups.items():
                mine.filter(pk__in=pks).update(
                    email_status=status, email_error=error, email_claimed_at=None
                )
    counts.update(
        sent=len(sent),
        skipped=len(skipped),
        failed=sum(len(v) for v in failed.values()),
        pending=sum(len(v) for v in pending.values()),
    )
    if interrupted is not None:
        raise EmailBatchInterrupted(
            f"{counts['pending']} e-mail(s) left pending: {interrupted}"
        ) from interrupted
    return counts


def _emailable(notification: Notification) -> bool:
    return bool(notification.recipient.email) and notification.recipient.is_active


def _close_quietly(connection) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception:
        logger.debug("Closing the e-mail connection failed", exc_info=True)


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
