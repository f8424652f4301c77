"""Webhooks: registering endpoints, turning certificate events into deliveries, and
delivering them (signed, retried with exponential backoff, every attempt logged).

Signature: each POST carries `X-TXNG-Signature: t=<unix time>,v1=<hex>`, where `<hex>` is the
HMAC-SHA256 of `"<unix time>." + body` keyed with the endpoint's secret (`verify_signature`
checks one). `X-TXNG-Event` names the event, `X-TXNG-Event-Id` identifies it (the same for
every endpoint and every retry: receivers drop repeats by it) and `X-TXNG-Delivery` is the
delivery's id.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Certificate, Organisation, Province, Role
from certification.public_lookup import public_certificate_data
from certification.selectors import has_role
from core.exceptions import DomainError
from core.models import User
from core.outbox import outbox_enqueue
from core.services import log_transition
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint, new_secret

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-TXNG-Signature"


# --- endpoints ------------------------------------------------------------------------------


def may_manage(user: User, owner: Organisation | Province) -> bool:
    """A body's officers manage its endpoints; a regulator those of their province."""
    if isinstance(owner, Province):
        return has_role(user, Role.REGULATOR, owner)
    return owner.kind == Organisation.Kind.CERTIFICATION_BODY and has_role(
        user, Role.CB_STAFF, owner
    )


def _check_may_manage(user: User, owner: Organisation | Province) -> None:
    if not may_manage(user, owner):
        raise PermissionDenied(
            _("Only the body's officers or the province's regulators manage its webhooks.")
        )


def _clean_url(url: str) -> str:
    """An https:// URL (http:// to a loopback address only with WEBHOOK_ALLOW_HTTP, for
    local tests)."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise ValidationError({"url": _("Enter a valid URL.")}) from None
    parts = urlsplit(url)
    if parts.scheme == "https":
        return url
    loopback = False
    try:
        loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = parts.hostname == "localhost"
    if not (loopback and getattr(settings, "WEBHOOK_ALLOW_HTTP", False)):
        raise ValidationError({"url": _("The endpoint must use HTTPS.")})
    return url


def _clean_events(events) -> list[str]:
    if not events:
        return list(Event.values)
    unknown = [e for e in events if e not in Event.values]
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s.") % {"events": ", ".join(map(str, unknown))}}
        )
    return [e for e in Event.values if e in set(events)]


@transaction.atomic
def webhook_endpoint_create(
    *,
    by: User,
    owner: Organisation | Province,
    url: str,
    events: list[str] | None = None,
    description: str = "",
) -> WebhookEndpoint:
    """Register an endpoint for the certificates of a body (`owner` an Organisation) or of a
    province (`owner` a Province). A fresh secret is generated; all events unless listed."""
    _check_may_manage(by, owner)
    endpoint = WebhookEndpoint.objects.create(
        body=owner if isinstance(owner, Organisation) else None,
        jurisdiction=owner if isinstance(owner, Province) else None,
        url=_clean_url(url),
        events=_clean_events(events),
        description=(description or "").strip()[:200],
        created_by=by,
    )
    log_transition(endpoint, "create", by=by, data={"url": endpoint.url})
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, by: User, **changes) -> WebhookEndpoint:
    """Change `url`, `events`, `description` or `is_active` (logged)."""
    _check_may_manage(by, endpoint.owner)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    fields = []
    if "url" in changes:
        locked.url = _clean_url(changes["url"])
        fields.append("url")
    if "events" in changes:
        locked.events = _clean_events(changes["events"])
        fields.append("events")
    if "description" in changes:
        locked.description = (changes["description"] or "").strip()[:200]
        fields.append("description")
    if "is_active" in changes:
        locked.is_active = bool(changes["is_active"])
        fields.append("is_active")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
        log_transition(
            locked,
            "update",
            by=by,
            data={f: getattr(locked, f) for f in fields},
        )
    return locked


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User) -> WebhookEndpoint:
    """A new signing secret; the old one stops working at once (logged, secret not kept)."""
    _check_may_manage(by, endpoint.owner)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.secret = new_secret()
    locked.save(update_fields=["secret", "updated_at"])
    log_transition(locked, "rotate_secret", by=by)
    return locked


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    """Remove the endpoint and its delivery log (logged on the owner's side by url)."""
    _check_may_manage(by, endpoint.owner)
    log_transition(endpoint, "delete", by=by, data={"url": endpoint.url})
    endpoint.delete()


# --- events → deliveries ------------------------------------------------------------------


def event_payload(*, certificate: Certificate, event: str, event_id: uuid.UUID) -> dict:
    """The body POSTed for `event` on `certificate` (as the certificate is now)."""
    certificate = Certificate.objects.select_related("enterprise", "body").get(pk=certificate.pk)
    current = certificate.superseded_by if certificate.superseded_by_id else None
    data = public_certificate_data(certificate, current)
    return json.loads(
        json.dumps(
            {
                "id": str(event_id),
                "event": event,
                "created_at": timezone.now(),
                "certificate": {"id": certificate.pk, **data},
            },
            cls=DjangoJSONEncoder,
        )
    )


def endpoints_for(certificate: Certificate, event: str):
    """Active endpoints subscribed to `event` for `certificate`: its body's, and its holder's
    province's regulators'."""
    province_id = (
        Organisation.objects.filter(pk=certificate.enterprise_id)
        .values_list("province_id", flat=True)
        .first()
    )
    owners = Q(body_id=certificate.body_id)
    if province_id:
        owners |= Q(jurisdiction_id=province_id)
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(owners, is_active=True)
        if event in (endpoint.events or [])
    ]


def webhook_events_enqueue(*, certificate: Certificate, event: str) -> list[WebhookDelivery]:
    """Record `event` for every endpoint concerned, in the caller's transaction (so the
    deliveries exist exactly when the change is committed), with an outbox message each for
    the first attempt (made after commit). The one place certificate events become
    deliveries."""
    endpoints = endpoints_for(certificate, event)
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = event_payload(certificate=certificate, event=event, event_id=event_id)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                event_id=event_id,
                certificate=certificate,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        _enqueue_attempt(delivery.pk)
    return deliveries


# The outbox kind of a webhook delivery's first attempt (and of a resend).
OUTBOX_KIND = "webhooks.deliver"


def _enqueue_attempt(delivery_id: int) -> None:
    """Through the transactional outbox (core.outbox): recorded in the caller's
    transaction, attempted after it commits, swept if the broker is down."""
    outbox_enqueue(kind=OUTBOX_KIND, payload={"delivery_id": delivery_id})


def deliver_from_outbox(*, delivery_id: int) -> None:
    """The outbox handler: one attempt. A failed attempt is not an outbox failure: the
    delivery's own backoff schedules the next one (`webhook_deliveries_retry_due`)."""
    webhook_delivery_attempt(delivery_id=delivery_id)


# --- delivering -----------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: the header's `v1` is the HMAC of `"<t>." + body` with the secret,
    and `t` is within `tolerance` seconds of now (no replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: WEBHOOK_RETRY_BASE_SECONDS doubled
    each time (30 s, 1 min, 2 min, 4 min…), at most six hours."""
    base = getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 30)
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other (not followed: it would turn the POST into a
    GET elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "txng-cert-webhooks/1",
            "X-TXNG-Event": delivery.event,
            "X-TXNG-Event-Id": str(delivery.event_id),
            "X-TXNG-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        },
    )
    timeout = getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


def webhook_delivery_attempt(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Make one attempt at a pending delivery that is due (`next_attempt_at` ≤ now); returns
    "delivered", "retry" (next attempt scheduled with backoff), "failed" (refused with a 4xx
    other than 408/429, or WEBHOOK_MAX_ATTEMPTS reached) or "skipped" (not pending, not due,
    or being attempted by another worker). Running it twice never delivers twice."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return "skipped"
        started = time.monotonic()
        status_code, error = _post(delivery.endpoint, delivery)
        attempt = {
            "at": timezone.now().isoformat(),
            "status_code": status_code,
            "error": error,
            "ms": round((time.monotonic() - started) * 1000),
        }
        delivery.attempts += 1
        delivery.attempt_log = [*delivery.attempt_log, attempt]
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            result = "delivered"
        elif (
            status_code is not None and 400 <= status_code < 500 and status_code not in (408, 429)
        ) or delivery.attempts >= getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8):
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            result = "failed"
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            result = "retry"
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "attempt_log",
                "next_attempt_at",
                "delivered_at",
                "updated_at",
            ]
        )
    if result == "failed":
        logger.warning("Webhook delivery %s failed: %s", delivery_id, error or status_code)
    return result


def webhook_deliveries_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Attempt every pending delivery whose next attempt is due (celery beat, every
    minute). Returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    return sum(webhook_delivery_attempt(delivery_id=pk, now=now) != "skipped" for pk in due)


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Put a failed delivery back in the queue (same payload and event id), now; logged."""
    _check_may_manage(by, delivery.endpoint.owner)
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status != WebhookDelivery.Status.FAILED:
        raise DomainError(_("Only a failed delivery can be sent again."), code="invalid_state")
    locked.status = WebhookDelivery.Status.PENDING
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "next_attempt_at", "updated_at"])
    log_transition(
        locked, "resend", by=by, previous=WebhookDelivery.Status.FAILED, target=locked.status
    )
    _enqueue_attempt(locked.pk)
    return locked
