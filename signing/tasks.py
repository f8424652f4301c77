"""Signing the PDF of a certificate or a decision in the worker.

`sign_certificate` and `sign_decision` are the outbox handlers (signing.apps registers
them; the outbox's delivery task runs them in a worker after the change commits).
Idempotent: the services key each PDF on a `source_key`, so a retried or duplicated delivery
never adds a second PDF. A body without a usable key is an operator's matter, not a transient
failure: it is logged as an error and not retried (`signing_sign_missing` signs once the key
is registered).
"""

import logging

from signing.keys import SigningKeyUnavailable

logger = logging.getLogger(__name__)


def sign_certificate(*, certificate_id: int, source_key: str, reason: str) -> int | None:
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


def sign_decision(*, decision_id: int) -> int | None:
    """Make the signed PDF of the decision (once); None when the body cannot sign (logged)."""
    from signing.services import signed_pdf_of_decision

    try:
        return signed_pdf_of_decision(decision_id=decision_id).pk
    except SigningKeyUnavailable as exc:
        logger.error("Decision %s not signed: %s", decision_id, exc)
        return None
