"""E-mails to a complainant who has no account: a receipt, every change of state and the
outcome, in the complainant's language, each with the private link to follow the case.

A `post_save` receiver on LogEntry records a `notify.complainant` outbox message (core.outbox)
in the same transaction as the complaint's change; the handler sends the e-mail after commit.
A complainant with an account gets the receipt here too, and the later changes in the
application (notifications.events).
Like every outbox handler, a crash between the send and the commit may send one e-mail twice;
the dedupe key keeps the message itself unique.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import LogEntry

# The complaint's entries the complainant is e-mailed about: receipt, state changes, outcome.
COMPLAINANT_TRANSITIONS = ("lodge", "acknowledge", "resolve")


def tracking_url(complaint) -> str:
    return settings.SITE_URL + reverse(
        "certification:complaint_track", args=[complaint.tracking_token]
    )


def _is_complaint_entry(entry: LogEntry) -> bool:
    content_type = ContentType.objects.get_for_id(entry.content_type_id)
    return (content_type.app_label, content_type.model) == ("certification", "complaint")


def enqueue_complainant_email(sender, instance: LogEntry, created: bool, raw=False, **kwargs):
    """LogEntry post_save: a receipt / change / outcome of a complaint → one outbox message."""
    if raw or not created or instance.transition not in COMPLAINANT_TRANSITIONS:
        return
    if not _is_complaint_entry(instance):
        return
    from core.outbox import outbox_enqueue

    outbox_enqueue(
        kind="notify.complainant",
        payload={"log_entry_id": instance.pk},
        dedupe_key=f"notify.complainant:{instance.pk}",
    )


def _message(complaint, entry: LogEntry) -> tuple[str, str]:
    """(subject, body) in the active language."""
    titles = {
        "lodge": _("Your complaint has been received: %(subject)s"),
        "acknowledge": _("Your complaint is being investigated: %(subject)s"),
        "resolve": _("Your complaint was resolved: %(subject)s"),
    }
    title = titles[entry.transition] % {"subject": complaint.subject}
    state = dict(complaint.State.choices).get(entry.target_state, entry.target_state)
    lines = [
        _("Dear %(name)s,") % {"name": complaint.complainant_name or complaint.complainant_email},
        _("%(body)s received your complaint on %(day)s: “%(subject)s”.")
        % {
            "body": complaint.body,
            "day": date_format(complaint.created_at, "SHORT_DATE_FORMAT"),
            "subject": complaint.subject,
        },
        _("Its state is now: %(state)s.") % {"state": state},
    ]
    if entry.transition == "resolve":
        lines.append(_("Outcome: %(resolution)s") % {"resolution": complaint.resolution})
    lines.append(
        _("Follow your complaint at this private link (do not share it): %(link)s")
        % {"link": tracking_url(complaint)}
    )
    lines.append(
        "-- \n"
        + _("You receive this e-mail because you lodged a complaint with %(body)s on TXNG Cert.")
        % {"body": complaint.body}
    )
    return f"[TXNG Cert] {title}".replace("\n", " ")[:250], "\n\n".join(lines)


def complainant_email_send(*, log_entry_id: int) -> str:
    """The `notify.complainant` outbox handler. Returns what happened."""
    from certification.models import Complaint

    entry = LogEntry.objects.filter(pk=log_entry_id).first()
    if entry is None:
        return "gone"
    complaint = Complaint.objects.select_related("body").filter(pk=int(entry.object_id)).first()
    if complaint is None or not complaint.complainant_email:
        return "gone"
    if complaint.submitted_by_id is not None and entry.transition != "lodge":
        # Told in the application (notifications.events), which skips the receipt: the
        # person lodging is its actor.
        return "has_account"
    with translation.override(complaint.language or settings.LANGUAGE_CODE):
        subject, body = _message(complaint, entry)
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[complaint.complainant_email],
    ).send(fail_silently=False)
    return "sent"
