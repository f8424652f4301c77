"""Follow-ups of a grant and of a suspension with the broker down: the request answers as
usual (the change is committed), nothing is lost, and the sweeper delivers the notifications,
documents and portal records once the broker is back, exactly once.

The broker being down is what the Celery client does then: `.delay()` raises kombu's
OperationalError. Here it is the delivery task's `.delay` that raises (the follow-ups are
queued after commit); the integration suite stops a real Redis."""

import datetime

import pytest
from django.core.management import call_command
from kombu.exceptions import OperationalError

from certification.models import Application, Certificate
from core import outbox
from core.clock import today
from core.models import LogEntry, OutboxMessage
from core.tasks import deliver_outbox_message
from core.tests.api_helpers import API, api_as
from documents.models import Document
from notifications.models import Notification
from oversight.models import PortalRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6381. Connection refused.")

    monkeypatch.setattr(deliver_outbox_message, "delay", refuse)
    # The pause after a refusal ends with the test (monkeypatch restores "not refused").
    monkeypatch.setattr(outbox, "_broker_refused_at", None)
    return calls


def generated(certificate: Certificate) -> list[tuple[str, int]]:
    return sorted(
        Document.objects.filter(
            generated=True, doc_type__in=("certificate", "decision")
        ).values_list("doc_type", "object_id")
    )


def test_a_grant_over_the_api_with_the_broker_down_answers_and_is_delivered_after(
    decision_pending,
    decider,
    enterprise_user,
    broker_down,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(decider).post(
            f"{API}/applications/{decision_pending.pk}/transitions/grant/",
            {"comment": "Đủ điều kiện."},
            format="json",
        )
    assert response.status_code == 200, response.content
    # The delivery was tried once and refused; the grant's other follow-ups were not tried
    # again against the broker just found down (the request waits for one refusal only).
    assert len(broker_down) == 1
    decision_pending.refresh_from_db()
    assert decision_pending.state == Application.State.CERTIFIED
    certificate = Certificate.objects.get(application=decision_pending)
    # Nothing delivered yet, nothing lost: the follow-ups wait in the outbox.
    assert not Notification.objects.filter(event="certificate.issue").exists()
    assert generated(certificate) == []
    kinds = set(OutboxMessage.objects.filter(status="pending").values_list("kind", flat=True))
    assert {"notify.log_entry", "documents.certificate", "documents.decision"} <= kinds
    assert "portal.queue" in kinds

    # The broker is back (the eager delivery works again); the sweeper runs, twice.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_outbox")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_outbox")

    assert generated(certificate) == sorted(
        [("certificate", certificate.pk), ("decision", decision_pending.pk)]
    )
    assert (
        Notification.objects.filter(recipient=enterprise_user, event="certificate.issue").count()
        == 1
    )
    assert PortalRecord.objects.filter(certificate=certificate).count() == 1
    assert not OutboxMessage.objects.exclude(status="delivered").exists()
    download = api_as(enterprise_user).get(f"{API}/certificates/{certificate.pk}/document/")
    assert download.status_code == 200


def test_a_grant_on_the_page_with_the_broker_down_redirects_as_usual(
    client,
    decision_pending,
    decider,
    enterprise_user,
    broker_down,
    django_capture_on_commit_callbacks,
):
    client.force_login(decider)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/applications/{decision_pending.pk}/transitions/grant/")
    assert response.status_code == 302
    certificate = Certificate.objects.get(application=decision_pending)
    assert generated(certificate) == []

    call_command("deliver_outbox")

    assert generated(certificate) == sorted(
        [("certificate", certificate.pk), ("decision", decision_pending.pk)]
    )
    assert (
        Notification.objects.filter(recipient=enterprise_user, event="certificate.issue").count()
        == 1
    )


def test_a_suspension_with_the_broker_down_answers_and_is_delivered_after(
    client,
    certificate,
    cb_staff,
    enterprise_user,
    broker_down,
    django_capture_on_commit_callbacks,
):
    client.force_login(cb_staff)
    until = today() + datetime.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/certificates/{certificate.pk}/transitions/suspend/",
            {"comment": "Không duy trì hệ thống TXNG.", "until": until.isoformat()},
        )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED
    suspend = LogEntry.objects.for_object(certificate).get(transition="suspend")
    assert OutboxMessage.objects.get(dedupe_key=f"notify.log_entry:{suspend.pk}").status == (
        "pending"
    )
    assert not Notification.objects.filter(event="certificate.suspend").exists()

    call_command("deliver_outbox")
    call_command("deliver_outbox")

    assert (
        Notification.objects.filter(recipient=enterprise_user, event="certificate.suspend").count()
        == 1
    )
    assert (
        PortalRecord.objects.filter(certificate=certificate, certificate_state="suspended").count()
        == 1
    )


def test_a_suspension_over_the_api_with_the_broker_down_answers_2xx(
    certificate, cb_staff, broker_down, django_capture_on_commit_callbacks
):
    until = today() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(cb_staff).post(
            f"{API}/certificates/{certificate.pk}/transitions/suspend/",
            {"comment": "Không duy trì.", "until": until.isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.content
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED


def test_the_sweep_regenerates_a_certificate_and_a_decision_missing_their_documents(
    certificate, decision_pending
):
    # Issued before the outbox existed, or its documents lost: no message, no document.
    OutboxMessage.objects.all().delete()
    assert generated(certificate) == []

    call_command("deliver_outbox")

    assert generated(certificate) == sorted(
        [("certificate", certificate.pk), ("decision", decision_pending.pk)]
    )
    # A document deleted after delivery comes back too, and only that one.
    Document.objects.filter(doc_type="certificate").delete()
    call_command("deliver_outbox")
    call_command("deliver_outbox")
    assert generated(certificate) == sorted(
        [("certificate", certificate.pk), ("decision", decision_pending.pk)]
    )
    assert Document.objects.filter(doc_type__in=("certificate", "decision")).count() == 2
