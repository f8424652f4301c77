import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from certification.services import (
    certificate_surveillance_done,
    certificate_suspend,
    certificate_withdraw,
)
from core.clock import today
from core.models import LogEntry
from oversight import portal
from oversight.models import PortalRecord
from oversight.services import portal_record_queue, portal_record_resend
from oversight.tasks import MAX_RETRIES, push_portal_record
from oversight.tests import factories

pytestmark = pytest.mark.django_db


class FakePortal:
    """A local HTTP server answering POSTs with scripted statuses (200 once the script runs
    out) and keeping every request it received."""

    def __init__(self):
        self.statuses: list[int] = []
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length) or b"null"),
                    }
                )
                status = fake.statuses.pop(0) if fake.statuses else 200
                body = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/txng/records"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_portal(settings):
    with FakePortal() as server:
        settings.PORTAL_URL = server.url
        settings.PORTAL_TOKEN = "portal-secret-token"
        settings.PORTAL_TIMEOUT = 5
        yield server


@pytest.fixture
def certificate(enterprise, body, scheme, admin_user):
    return factories.certificate(
        enterprise=enterprise, body=body, scheme=scheme, by=admin_user, issued_on=today()
    )


def queue(certificate, capture) -> PortalRecord:
    with capture(execute=True):
        return portal_record_queue(certificate_id=certificate.pk)


def test_a_record_is_sent_with_the_token_and_its_idempotency_key(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts, record.last_status_code) == ("sent", 1, 200)
    assert record.sent_at is not None
    [request] = fake_portal.requests
    assert request["path"] == "/api/txng/records"
    assert request["headers"]["Authorization"] == "Bearer portal-secret-token"
    assert request["headers"]["Idempotency-Key"] == record.idempotency_key
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["body"] == record.payload
    assert request["body"]["certificate"]["number"] == certificate.number


def test_a_500_is_retried_and_the_record_is_sent_on_the_retry(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    fake_portal.statuses = [500]

    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts, record.last_status_code) == ("sent", 2, 200)
    assert [r["headers"]["Idempotency-Key"] for r in fake_portal.requests] == [
        record.idempotency_key
    ] * 2


def test_a_400_is_recorded_as_failed_with_the_error_and_not_retried(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    fake_portal.statuses = [400]

    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts, record.last_status_code) == ("failed", 1, 400)
    assert record.last_error.startswith("HTTP 400")
    assert len(fake_portal.requests) == 1


def test_a_portal_that_keeps_failing_marks_the_record_failed_after_the_last_retry(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    fake_portal.statuses = [503] * (MAX_RETRIES + 1)

    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts) == ("failed", MAX_RETRIES + 1)
    assert "HTTP 503" in record.last_error
    assert len(fake_portal.requests) == MAX_RETRIES + 1


def test_an_unreachable_portal_is_a_network_error_that_is_retried(
    settings, certificate, django_capture_on_commit_callbacks
):
    with FakePortal() as closed:
        url = closed.url
    settings.PORTAL_URL, settings.PORTAL_TOKEN, settings.PORTAL_TIMEOUT = url, "t", 1

    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts) == ("failed", MAX_RETRIES + 1)
    assert record.last_status_code is None
    assert record.last_error


def test_a_resend_of_the_same_version_carries_the_same_idempotency_key(
    fake_portal, certificate, admin_user, django_capture_on_commit_callbacks
):
    record = queue(certificate, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        portal_record_resend(record=record, by=admin_user)

    record.refresh_from_db()
    assert record.status == "sent" and record.attempts == 2
    first, second = fake_portal.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert first["body"] == second["body"]
    assert LogEntry.objects.for_object(record).filter(transition="resend").count() == 1


def test_queuing_the_same_state_twice_keeps_one_record_and_sends_once(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    first = queue(certificate, django_capture_on_commit_callbacks)
    second = queue(certificate, django_capture_on_commit_callbacks)

    assert first.pk == second.pk
    assert PortalRecord.objects.count() == 1
    assert len(fake_portal.requests) == 1


def test_a_sent_record_is_not_sent_again_when_its_task_runs_twice(
    fake_portal, certificate, django_capture_on_commit_callbacks
):
    record = queue(certificate, django_capture_on_commit_callbacks)

    assert push_portal_record.delay(record.pk).get() == "skipped"
    assert len(fake_portal.requests) == 1


def test_without_a_portal_records_stay_pending(
    settings, certificate, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = None

    record = queue(certificate, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert (record.status, record.attempts) == ("pending", 0)


def test_every_certificate_change_queues_its_record_once(
    dataset, cb_staff, django_capture_on_commit_callbacks, settings
):
    """Suspend and withdraw each queue one record when their transaction commits; a
    surveillance done (the state does not change) queues none."""
    settings.PORTAL_URL = None
    # The dataset was built without running on-commit callbacks: nothing is queued yet.
    assert PortalRecord.objects.count() == 0
    until = today() + datetime.timedelta(days=30)

    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_suspend(
            certificate=dataset.cert_f1, by=cb_staff, comment="Khiếu nại.", until=until
        )
    with django_capture_on_commit_callbacks(execute=True):
        certificate_surveillance_done(certificate=certificate, audit_end=today(), by=cb_staff)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_withdraw(certificate=certificate, by=cb_staff, comment="Không khắc phục.")

    records = list(PortalRecord.objects.order_by("created_at", "id"))
    assert [(r.certificate_id, r.certificate_state) for r in records] == [
        (certificate.pk, "suspended"),
        (certificate.pk, "withdrawn"),
    ]
    assert records[0].payload["certificate"]["suspended_until"] == until.isoformat()
    assert records[0].idempotency_key != records[1].idempotency_key


def test_a_grant_queues_the_new_certificate_s_record(
    enterprise,
    body,
    scheme,
    registration,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
    django_capture_on_commit_callbacks,
    settings,
):
    from audits.tests.factories import application_in_evaluation, certify

    settings.PORTAL_URL = None
    application = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certify(application, staff=cb_staff, lead=lead_assessor, decider=decider)

    [record] = PortalRecord.objects.all()
    assert (record.certificate_id, record.certificate_state) == (certificate.pk, "active")
    assert record.status == "pending"


def test_the_record_holds_the_documented_fields(certificate, registration, body):
    record = portal.record_for(
        portal.certificates_for_export(type(certificate).objects.filter(pk=certificate.pk)).get()
    )

    assert record["schema_version"] == portal.SCHEMA_VERSION == "1.0"
    assert record["certificate"]["number"] == certificate.number
    assert record["certificate"]["version"] == 0
    assert record["certificate"]["state"] == "active"
    assert record["certificate"]["issued_on"] == today().isoformat()
    assert record["enterprise"]["tax_code"] == certificate.enterprise.tax_code
    assert record["enterprise"]["name"] == certificate.enterprise.name
    assert record["enterprise"]["address"] == certificate.enterprise.address
    assert record["standard"] == "TCVN 12850:2019"
    assert record["scope"]["products"] == [{"name": "Hồ tiêu đen Chư Sê", "gtin": "8934588012228"}]
    assert record["scope"]["sites"][0]["name"] == "Vùng trồng Ia Tiêm"
    assert record["scope"]["stages"] == ["primary_production", "processing"]
    assert record["body"] == {
        "code": "GLCERT",
        "name": body.name,
        "registration_number": registration.registration_number,
    }
    json.dumps(record)  # serialisable as it is


def test_the_idempotency_key_changes_with_the_state_and_not_otherwise(certificate):
    key = portal.idempotency_key(certificate)
    assert key == portal.idempotency_key(type(certificate).objects.get(pk=certificate.pk))
    assert len(key) == 64


def test_an_administrator_resends_a_failed_record_from_the_admin(
    client, admin_user, fake_portal, certificate, django_capture_on_commit_callbacks
):
    fake_portal.statuses = [422]
    record = queue(certificate, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == "failed"
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/oversight/portalrecord/",
            {"action": "resend", "_selected_action": [record.pk]},
        )

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("sent", 2)
    keys = {r["headers"]["Idempotency-Key"] for r in fake_portal.requests}
    assert keys == {record.idempotency_key}
    assert client.get(f"/admin/oversight/portalrecord/{record.pk}/change/").status_code == 200
