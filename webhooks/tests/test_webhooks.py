"""Webhooks: certificate events delivered to registered endpoints, signed, retried with
backoff, logged; who may register them; the pages and the API."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from certification.services import (
    certificate_expire_due,
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from core.clock import today
from core.tests.api_helpers import API, api_as, queries_of
from webhooks.models import EVENT_OF_TRANSITION, Event, WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    backoff,
    sign,
    verify_signature,
    webhook_deliveries_retry_due,
    webhook_delivery_resend,
    webhook_endpoint_create,
)

pytestmark = pytest.mark.django_db


def suspend(certificate, by):
    return certificate_suspend(
        certificate=certificate,
        by=by,
        comment="Không duy trì hệ thống.",
        until=today() + datetime.timedelta(days=30),
    )


@pytest.fixture
def endpoint(body, cb_staff, receiver):
    return webhook_endpoint_create(by=cb_staff, owner=body, url=receiver.url)


# --- Acceptance: a delivery survives two 500s, arrives once, signed, logged -----------------


def test_a_delivery_survives_two_500s_arrives_once_with_a_valid_signature_and_is_logged(
    certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks, client
):
    receiver.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("pending", 1)

    # The retries come when their backoff has passed (the periodic job), not before.
    assert webhook_deliveries_retry_due(now=delivery.next_attempt_at - datetime.timedelta(1)) == 0
    assert webhook_deliveries_retry_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert webhook_deliveries_retry_due(now=delivery.next_attempt_at) == 1
    assert webhook_deliveries_retry_due(now=timezone.now() + datetime.timedelta(days=1)) == 0

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 500, 200]
    assert [r.status for r in receiver.received] == [500, 500, 200]
    (arrived,) = receiver.accepted
    assert verify_signature(endpoint.secret, arrived.headers["x-txng-signature"], arrived.body)
    assert {r.headers["x-txng-event-id"] for r in receiver.received} == {str(delivery.event_id)}
    body = json.loads(arrived.body)
    assert body["event"] == "certificate.suspended"
    assert body["id"] == str(delivery.event_id)
    assert body["certificate"]["number"] == certificate.number
    assert body["certificate"]["state"] == "suspended"

    client.force_login(cb_staff)
    page = client.get(f"/webhooks/{endpoint.pk}/")
    assert page.status_code == 200
    assert certificate.number in page.text and "certificate.suspended" in page.text
    assert "HTTP 200" in page.text
    log = api_as(cb_staff).get(f"{API}/webhooks/{endpoint.pk}/deliveries/").json()
    assert [(d["status"], d["attempts"]) for d in log["results"]] == [("delivered", 3)]


def test_the_backoff_doubles_up_to_six_hours(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == datetime.timedelta(hours=6)


def test_a_refusal_4xx_is_not_retried_and_can_be_sent_again(
    certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert webhook_deliveries_retry_due(now=timezone.now() + datetime.timedelta(days=1)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_resend(delivery=delivery, by=cb_staff)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.accepted) == 1


def test_the_attempts_run_out(
    settings, certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [503, 503, 503]
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    webhook_deliveries_retry_due(now=timezone.now() + datetime.timedelta(hours=1))
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert len(receiver.received) == 2


def test_an_unreachable_endpoint_is_retried(
    settings, certificate, cb_staff, body, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP = True
    webhook_endpoint_create(by=cb_staff, owner=body, url="http://127.0.0.1:9/closed")
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.attempt_log[0]["status_code"] is None
    assert delivery.attempt_log[0]["error"]


def test_running_an_attempt_twice_delivers_once(
    certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    from webhooks.services import webhook_delivery_attempt

    (delivery,) = WebhookDelivery.objects.all()
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.received) == 1


# --- Which events go where ------------------------------------------------------------------


def test_each_certificate_change_is_an_event(
    certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_reinstate(certificate=certificate, by=cb_staff, comment="Đã khắc phục.")
    with django_capture_on_commit_callbacks(execute=True):
        certificate_withdraw(certificate=certificate, by=cb_staff, comment="Vi phạm.")
    events = [json.loads(r.body)["event"] for r in receiver.received]
    assert events == ["certificate.suspended", "certificate.reinstated", "certificate.withdrawn"]
    assert set(EVENT_OF_TRANSITION.values()) == set(Event)


def test_issue_and_expiry_reach_the_regulators_endpoint(
    regulator, province, receiver, decision_pending, decider, django_capture_on_commit_callbacks
):
    from certification.services import application_grant

    endpoint = webhook_endpoint_create(by=regulator, owner=province, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = application_grant(application=decision_pending, by=decider, comment="Đạt.")
    with django_capture_on_commit_callbacks(execute=True):
        certificate_expire_due(certificate.valid_until)
    events = [json.loads(r.body)["event"] for r in receiver.received]
    assert events == ["certificate.issued", "certificate.expired"]
    assert all(d.endpoint_id == endpoint.pk for d in WebhookDelivery.objects.all())


def test_only_subscribed_active_endpoints_of_the_body_or_province_get_the_event(
    certificate, cb_staff, body, receiver, admin_user, django_capture_on_commit_callbacks
):
    from certification.models import Role
    from certification.tests.factories import BodyFactory, ProvinceFactory, UserFactory, grant

    subscribed = webhook_endpoint_create(
        by=cb_staff, owner=body, url=receiver.url, events=["certificate.suspended"]
    )
    webhook_endpoint_create(
        by=cb_staff, owner=body, url=receiver.url, events=["certificate.withdrawn"]
    )
    inactive = webhook_endpoint_create(by=cb_staff, owner=body, url=receiver.url)
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(is_active=False)
    other_body = BodyFactory(code="OTHER")
    other_staff = grant(UserFactory(), Role.CB_STAFF, other_body, by=admin_user)
    webhook_endpoint_create(by=other_staff, owner=other_body, url=receiver.url)
    far = ProvinceFactory(code="ca-mau")
    far_regulator = grant(UserFactory(), Role.REGULATOR, far, by=admin_user)
    webhook_endpoint_create(by=far_regulator, owner=far, url=receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [subscribed.pk]
    assert len(receiver.received) == 1


def test_a_change_that_rolls_back_sends_nothing(certificate, cb_staff, endpoint, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        suspend(certificate, cb_staff)
        raise RuntimeError("after the change, before the commit")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


# --- Signature --------------------------------------------------------------------------------


def test_the_signature_fails_for_another_body_secret_or_an_old_timestamp():
    body = b'{"event": "certificate.issued"}'
    header = sign("whsec_a", 1_800_000_000, body)
    assert verify_signature("whsec_a", header, body, now=1_800_000_010)
    assert not verify_signature("whsec_a", header, body + b" ", now=1_800_000_010)
    assert not verify_signature("whsec_b", header, body, now=1_800_000_010)
    assert not verify_signature("whsec_a", header, body, now=1_800_000_000 + 301)
    assert not verify_signature("whsec_a", "nonsense", body)


# --- Who registers endpoints ------------------------------------------------------------------


def test_only_the_bodys_officers_and_the_provinces_regulators_register_endpoints(
    body, province, cb_staff, regulator, enterprise_user, decider, lead_assessor, outsider
):
    url = "https://hooks.example.vn/txng"
    assert webhook_endpoint_create(by=cb_staff, owner=body, url=url).body == body
    assert webhook_endpoint_create(by=regulator, owner=province, url=url).jurisdiction == province
    for user in (enterprise_user, decider, lead_assessor, outsider, regulator):
        with pytest.raises(PermissionDenied):
            webhook_endpoint_create(by=user, owner=body, url=url)
    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(by=cb_staff, owner=province, url=url)


@pytest.mark.parametrize(
    "url", ["http://hooks.example.vn/txng", "ftp://hooks.example.vn/", "not a url", ""]
)
def test_an_endpoint_must_use_https(body, cb_staff, url):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(by=cb_staff, owner=body, url=url)
    assert "url" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_http_to_loopback_needs_the_setting(settings, body, cb_staff):
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        webhook_endpoint_create(by=cb_staff, owner=body, url="http://127.0.0.1:8000/hook")


def test_unknown_events_are_refused(body, cb_staff):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(
            by=cb_staff, owner=body, url="https://h.example.vn/", events=["certificate.eaten"]
        )
    assert "events" in error.value.message_dict


# --- Pages ------------------------------------------------------------------------------------


def test_an_officer_registers_an_endpoint_on_the_page_and_sees_its_secret(client, cb_staff, body):
    client.force_login(cb_staff)
    assert client.get("/webhooks/").status_code == 200
    form = client.get("/webhooks/new/")
    assert form.status_code == 200 and body.name in form.text
    response = client.post(
        "/webhooks/new/",
        {
            "owner": f"organisation:{body.pk}",
            "url": "https://hooks.example.vn/txng",
            "events": ["certificate.issued", "certificate.withdrawn"],
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == f"/webhooks/{endpoint.pk}/"
    assert endpoint.events == ["certificate.issued", "certificate.withdrawn"]
    detail = client.get(response.url)
    assert endpoint.secret in detail.text
    listing = client.get("/webhooks/")
    assert "https://hooks.example.vn/txng" in listing.text


def test_the_page_form_shows_an_http_url_as_an_error(client, cb_staff, body):
    client.force_login(cb_staff)
    response = client.post(
        "/webhooks/new/", {"owner": f"organisation:{body.pk}", "url": "http://hooks.example.vn/"}
    )
    assert response.status_code == 200
    assert "HTTPS" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_and_removing_the_endpoint(client, cb_staff, body):
    endpoint = webhook_endpoint_create(by=cb_staff, owner=body, url="https://h.example.vn/")
    client.force_login(cb_staff)
    client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    response = client.post(f"/webhooks/{endpoint.pk}/edit/", {"url": "https://h2.example.vn/"})
    endpoint.refresh_from_db()
    assert response.status_code == 302
    assert (endpoint.url, endpoint.is_active) == ("https://h2.example.vn/", False)
    client.post(f"/webhooks/{endpoint.pk}/delete/")
    assert not WebhookEndpoint.objects.exists()


def test_others_get_403_on_the_pages_and_404_on_an_endpoint(
    client, cb_staff, body, enterprise_user, admin_user
):
    from certification.models import Role
    from certification.tests.factories import BodyFactory, UserFactory, grant

    endpoint = webhook_endpoint_create(by=cb_staff, owner=body, url="https://h.example.vn/")
    client.force_login(enterprise_user)
    assert client.get("/webhooks/").status_code == 403
    assert client.get("/webhooks/new/").status_code == 403
    other_staff = grant(UserFactory(), Role.CB_STAFF, BodyFactory(code="OTHER"), by=admin_user)
    client.force_login(other_staff)
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_resending_a_delivery_that_has_not_failed_is_a_409(
    client, certificate, cb_staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(certificate, cb_staff)
    delivery = WebhookDelivery.objects.get()
    client.force_login(cb_staff)
    response = client.post(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 409
    api = api_as(cb_staff)
    answer = api.post(f"{API}/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")
    assert answer.status_code == 409 and answer.json()["code"] == "invalid_state"


# --- API --------------------------------------------------------------------------------------


def test_the_api_registers_lists_changes_and_removes_endpoints(cb_staff, body, province):
    api = api_as(cb_staff)
    created = api.post(
        f"{API}/webhooks/",
        {"body": body.pk, "url": "https://hooks.example.vn/txng", "description": "ERP"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["secret"].startswith("whsec_") and data["events"] == list(Event.values)
    listed = api.get(f"{API}/webhooks/").json()
    assert [e["id"] for e in listed["results"]] == [data["id"]]
    changed = api.patch(
        f"{API}/webhooks/{data['id']}/", {"is_active": False, "events": []}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    rotated = api.post(f"{API}/webhooks/{data['id']}/rotate-secret/").json()
    assert rotated["secret"] != data["secret"]
    assert api.delete(f"{API}/webhooks/{data['id']}/").status_code == 204
    refused = api.post(
        f"{API}/webhooks/",
        {"jurisdiction": province.code, "url": "https://hooks.example.vn/"},
        format="json",
    )
    assert refused.status_code == 403
    both = api.post(
        f"{API}/webhooks/",
        {"body": body.pk, "jurisdiction": province.code, "url": "https://h.example.vn/"},
        format="json",
    )
    assert both.status_code == 400
    insecure = api.post(
        f"{API}/webhooks/", {"body": body.pk, "url": "http://h.example.vn/"}, format="json"
    )
    assert insecure.status_code == 400 and "url" in insecure.json()["errors"]


def test_the_api_hides_endpoints_from_others(cb_staff, body, enterprise_user):
    endpoint = webhook_endpoint_create(by=cb_staff, owner=body, url="https://h.example.vn/")
    api = api_as(enterprise_user)
    assert api.get(f"{API}/webhooks/").json()["results"] == []
    assert api.get(f"{API}/webhooks/{endpoint.pk}/").status_code == 404
    assert api.get(f"{API}/webhooks/{endpoint.pk}/deliveries/").status_code == 404
    created = api.post(f"{API}/webhooks/", {"body": body.pk, "url": "https://x.vn/"}, format="json")
    assert created.status_code == 403


def test_the_delivery_log_costs_the_same_queries_for_more_rows(cb_staff, body, certificate):
    endpoint = webhook_endpoint_create(by=cb_staff, owner=body, url="https://h.example.vn/")
    api = api_as(cb_staff)

    def add(n):
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                event="certificate.issued",
                certificate=certificate,
                payload={"certificate": {"number": certificate.number}},
            )
            for _ in range(n)
        )

    add(2)
    few = queries_of(lambda: api.get(f"{API}/webhooks/{endpoint.pk}/deliveries/"))
    add(20)
    many = queries_of(lambda: api.get(f"{API}/webhooks/{endpoint.pk}/deliveries/"))
    assert few == many
