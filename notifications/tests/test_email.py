"""E-mail copies: sent once, retried with backoff on SMTP errors, recorded as failed after the
last retry — and the in-app notification never duplicated."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from audits.tests import factories as af
from certification.services import application_create, application_submit
from notifications.models import Notification
from notifications.services import notifications_email_requeue_stale, preferences_update
from notifications.tasks import send_notification_email
from notifications.tests.backends import FailingBackend, FlakyBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_retries():
    """Eager tasks (no broker in these tests) retry in-process only when their errors are not
    propagated to the caller — as a worker would."""
    from config.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def draft(enterprise, body, scheme, enterprise_user, registration):
    return application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **af.SCOPE
    )


@pytest.fixture
def submit(draft, enterprise_user, told):
    return lambda: told(lambda: application_submit(application=draft, by=enterprise_user))


def test_a_failing_mail_server_is_retried_then_the_email_is_recorded_as_failed_once(
    settings, cb_staff, submit
):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FailingBackend"
    FailingBackend.attempts = 0
    retries = send_notification_email.max_retries

    people = submit()

    notification = Notification.objects.get(recipient=cb_staff)
    assert list(people) == ["staff"]
    assert notification.email_status == Notification.EmailStatus.FAILED
    assert notification.email_attempts == retries + 1
    assert FailingBackend.attempts == retries + 1
    assert "SMTPException: 421 Service not available" in notification.email_error
    assert notification.emailed_at is None
    assert Notification.objects.count() == 1


def test_a_mail_server_that_recovers_gets_the_email_delivered_on_the_retry(
    settings, cb_staff, submit
):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FlakyBackend"
    FlakyBackend.attempts, FlakyBackend.failures = 0, 1

    submit()

    notification = Notification.objects.get(recipient=cb_staff)
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 2
    assert notification.email_error == ""
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["staff@example.vn"]]


def test_running_the_send_task_again_after_success_sends_nothing(cb_staff, submit):
    submit()
    notification = Notification.objects.get(recipient=cb_staff)

    assert send_notification_email.delay(notification.pk).get() == "not_claimed"
    assert send_notification_email.delay(notification.pk).get() == "not_claimed"

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_an_email_claimed_by_another_worker_is_not_sent_twice(cb_staff, submit, settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FailingBackend"
    submit()
    notification = Notification.objects.get(recipient=cb_staff)
    # Another worker holds a fresh claim on it.
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at=timezone.now()
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert send_notification_email.delay(notification.pk).get() == "not_claimed"
    assert mail.outbox == []


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(
    cb_staff, submit, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FailingBackend"
    submit()
    notification = Notification.objects.get(recipient=cb_staff)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=long_ago,
        created_at=long_ago,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_email_requeue_stale() == 1

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [["staff@example.vn"]]


def test_a_category_switched_off_still_notifies_in_the_app_but_sends_no_email(cb_staff, submit):
    preferences_update(by=cb_staff, email={"applications": False})

    people = submit()

    assert list(people) == ["staff"]
    assert people["staff"][0].email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


def test_a_person_without_an_email_address_is_notified_in_the_app_only(cb_staff, submit):
    cb_staff.email = ""
    cb_staff.save(update_fields=["email"])

    people = submit()

    assert people["staff"][0].email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


def test_the_email_links_to_the_site(cb_staff, submit, settings):
    settings.SITE_URL = "https://txng-cert.example.vn"

    submit()

    assert "https://txng-cert.example.vn/notifications/" in mail.outbox[0].body
