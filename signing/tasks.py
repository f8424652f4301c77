"""Celery tasks of the signing app: sign the PDF of a certificate or a decision.

Thin and idempotent: each task loads by id and calls a service keyed on a `source_key`, so a
retried or duplicated task never adds a second PDF. A body without a usable key is an
operator's matter, not a transient failure: it is logged as an error and not retried.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from signing.keys import SigningKeyUnavailable

logger = logging.getLogger(__name__)

_RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="signing.sign_certificate_pdf", **_RETRY)
def sign_certificate_pdf(certificate_id: int, source_key: str, reason: str) -> int | None:
    """Make the signed PDF of the certificate for the event `source_key`; returns the
    SignedPdf id, or None when the body has no usable signing key (logged)."""
    from signing.services import signed_pdf_of_certificate

    try:
        return signed_pdf_of_certificate(
            certificate_id=certificate_id, source_key=source_key, reason=reason
        ).pk
    except SigningKeyUnavailable as exc:
        logger.error("Certificate %s not signed: %s", certificate_id, exc)
        return None


@shared_task(name="signing.sign_decision_pdf", **_RETRY)
def sign_decision_pdf(decision_id: int) -> int | None:
    """Make the signed PDF of the decision (once); None when the body cannot sign (logged)."""
    from signing.services import signed_pdf_of_decision

    try:
        return signed_pdf_of_decision(decision_id=decision_id).pk
    except SigningKeyUnavailable as exc:
        logger.error("Decision %s not signed: %s", decision_id, exc)
        return None
