"""Notifications on the real services: a transition made here is turned into an in-app
notification and an e-mail by a separate Celery worker process, through Redis."""

import email
import email.policy
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from audits.tests.factories import SCOPE
from certification.services import application_create, application_submit
from certification.tests.factories import SchemeFactory, registered_body
from notifications.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DEADLINE = 60  # seconds a worker gets to deliver


def wait_for(what: str, found: Callable[[], object], timeout: float = DEADLINE):
    """Poll `found()` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = found()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.2)


def mails_in(folder: Path) -> list[email.message.EmailMessage]:
    """The e-mails Django's file backend wrote to `folder` (messages separated by a line of
    dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def mail_to(folder: Path, address: str, containing: str):
    for message in mails_in(folder):
        if message["To"] == address and containing in message["Subject"]:
            return message
    return None


def test_a_transition_made_here_is_notified_and_emailed_by_the_worker_process(
    celery_worker_process,
    worker_mail_dir,
    enterprise,
    body,
    enterprise_user,
    cb_staff,
    regulator,
):
    scheme = SchemeFactory()
    registered_body(body, scheme, regulator=regulator, staff=cb_staff)
    draft = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )

    application_submit(application=draft, by=enterprise_user)

    notification = wait_for(
        "the in-app notification with its e-mail sent",
        lambda: Notification.objects.filter(
            recipient=cb_staff,
            event="application.submit",
            email_status=Notification.EmailStatus.SENT,
        ).first(),
    )
    assert notification.object_id == str(draft.pk)
    assert notification.email_attempts == 1
    message = wait_for(
        "the e-mail file", lambda: mail_to(worker_mail_dir, cb_staff.email, draft.number)
    )
    assert draft.number in message.get_content()
    assert celery_worker_process != os.getpid()
    # Delivered once, whatever else the worker did meanwhile.
    assert Notification.objects.filter(recipient=cb_staff, event="application.submit").count() == 1
