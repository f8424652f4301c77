"""The national-portal record of a certificate and the HTTP sender.

No public API of the national traceability portal was found (standards.md), so the record is
our own documented, versioned JSON format (docs/portal-export.md) and the sender is a plain
HTTPS POST that a deployment points at the portal (or at a gateway) with PORTAL_URL and
PORTAL_TOKEN. Only the standard library is used (urllib).
"""

import contextlib
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, QuerySet

from certification.models import BodyRegistration, Certificate

SCHEMA_VERSION = "1.0"
RECORD_TYPE = "txng.certificate"
# Seconds to wait for the portal to connect and answer.
DEFAULT_TIMEOUT = 10


def certificates_for_export(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """`queryset` with everything a record needs loaded (a constant number of queries)."""
    return queryset.select_related(
        "enterprise", "enterprise__province", "body", "scheme", "superseded_by"
    ).prefetch_related(
        Prefetch(
            "body__registrations",
            queryset=BodyRegistration.objects.order_by("-registered_on", "-id"),
            to_attr="portal_registrations",
        )
    )


def _registration_number(certificate: Certificate) -> str:
    """The body's registration for the certificate's scheme (registered or suspended, latest
    first), else the number on the body's own profile."""
    registrations = getattr(certificate.body, "portal_registrations", None)
    if registrations is None:
        registrations = list(
            BodyRegistration.objects.filter(body_id=certificate.body_id).order_by(
                "-registered_on", "-id"
            )
        )
    for registration in registrations:
        if registration.scheme_id == certificate.scheme_id and registration.registration_number:
            return registration.registration_number
    return certificate.body.registration_number


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def record_for(certificate: Certificate) -> dict:
    """The portal record of `certificate` as it is now (schema SCHEMA_VERSION)."""
    enterprise, body = certificate.enterprise, certificate.body
    return {
        "schema_version": SCHEMA_VERSION,
        "record_type": RECORD_TYPE,
        "certificate": {
            "number": certificate.number,
            "base_number": certificate.base_number,
            "version": certificate.version,
            "state": certificate.state,
            "issued_on": _iso(certificate.issued_on),
            "valid_from": _iso(certificate.valid_from),
            "valid_until": _iso(certificate.valid_until),
            "original_valid_until": _iso(certificate.original_valid_until),
            "suspended_until": _iso(certificate.suspended_until),
            "expired_on": _iso(certificate.expired_on),
            "restored_on": _iso(certificate.restored_on),
            "superseded_by": certificate.superseded_by.number
            if certificate.superseded_by_id
            else None,
            "changed_at": certificate.updated_at.isoformat(),
        },
        "enterprise": {
            "tax_code": enterprise.tax_code,
            "name": enterprise.name,
            "address": enterprise.address,
            "commune": enterprise.commune,
            "province": {"code": enterprise.province.code, "name": enterprise.province.name},
        },
        "standard": certificate.standard,
        "scheme": {"code": certificate.scheme.code, "name": certificate.scheme.name},
        "scope": {
            "products": [
                {"name": p.get("name", ""), "gtin": p.get("gtin", "") or None}
                for p in certificate.products or []
            ],
            "sites": [
                {"name": s.get("name", ""), "address": s.get("address", "")}
                for s in certificate.sites or []
            ],
            "stages": list(certificate.stages or []),
        },
        "body": {
            "code": body.code,
            "name": body.name,
            "registration_number": _registration_number(certificate),
        },
    }


def idempotency_key(certificate: Certificate) -> str:
    """Stable for one state of one certificate version: the same number, version, state and
    time of the last change always give the same key; any later change gives a new one."""
    material = "|".join(
        [
            certificate.number,
            str(certificate.version),
            certificate.state,
            certificate.updated_at.isoformat(),
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


def dumps(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


# --- sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: `ok` (2xx), `retryable` (5xx, 429, network), or neither (4xx)."""

    ok: bool
    retryable: bool
    status_code: int | None
    error: str


def is_configured() -> bool:
    return bool(getattr(settings, "PORTAL_URL", None))


def post(payload: dict, *, key: str) -> Outcome:
    """POST `payload` to settings.PORTAL_URL with the bearer token and `Idempotency-Key`."""
    request = urllib.request.Request(
        settings.PORTAL_URL,
        data=dumps(payload),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {settings.PORTAL_TOKEN}",
            "Idempotency-Key": key,
            "User-Agent": "txng-cert-portal-export/1",
        },
    )
    timeout = getattr(settings, "PORTAL_TIMEOUT", DEFAULT_TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Outcome(True, False, response.status, "")
    except urllib.error.HTTPError as exc:
        body = ""
        with contextlib.suppress(OSError):
            body = exc.read(500).decode("utf-8", "replace")
        retryable = exc.code >= 500 or exc.code in (408, 429)
        return Outcome(False, retryable, exc.code, f"HTTP {exc.code}: {body or exc.reason}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, True, None, f"{type(exc).__name__}: {reason}")
