"""The body's signing key: a PKCS#12 file (the default) or a PKCS#11 token (the USB tokens
licensed CAs issue in Vietnam), chosen by SIGNING_KEY_STORE. Paths and labels may contain
`{body}`, replaced by the body's code, so each body signs with its own key.

Nothing here is stored in the database: the key stays in the file or on the token.
"""

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings


class SigningKeyUnavailable(Exception):
    """The body has no usable signing key in the configured store (the message says why)."""


def _for_body(template: str, body) -> str:
    return template.replace("{body}", body.code or str(body.pk))


def pkcs12_path(body) -> Path:
    path = Path(_for_body(settings.SIGNING_PKCS12_PATH, body))
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def _password() -> bytes | None:
    password = settings.SIGNING_PKCS12_PASSWORD
    return password.encode() if password else None


@functools.lru_cache(maxsize=32)
def _load_pkcs12(path: str, mtime_ns: int, password: bytes | None):
    from signing.pdf import KeptKeySigner

    signer = KeptKeySigner.load_pkcs12(path, passphrase=password)
    if signer is None:
        raise SigningKeyUnavailable(f"The PKCS#12 file {path} could not be opened.")
    return signer


def fingerprint(certificate: asn1_x509.Certificate) -> str:
    """SHA-256 of the certificate's DER bytes, lower-case hex."""
    return hashlib.sha256(certificate.dump()).hexdigest()


@contextlib.contextmanager
def body_signer(body) -> Iterator:
    """A pyHanko signer holding `body`'s key, for the duration of the block.

    Raises SigningKeyUnavailable when the configured store has no key for the body."""
    backend = settings.SIGNING_KEY_STORE
    if backend == "pkcs12":
        path = pkcs12_path(body)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            raise SigningKeyUnavailable(
                f"No PKCS#12 file for body {body.code} at {path} (SIGNING_PKCS12_PATH)."
            ) from None
        try:
            yield _load_pkcs12(str(path), mtime, _password())
        except (ValueError, OSError) as exc:
            raise SigningKeyUnavailable(
                f"The PKCS#12 file {path} could not be read: {exc}"
            ) from exc
        return
    if backend == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        label = _for_body(settings.SIGNING_PKCS11_KEY_LABEL, body)
        token_label = settings.SIGNING_PKCS11_TOKEN_LABEL
        try:
            session = pkcs11.open_pkcs11_session(
                settings.SIGNING_PKCS11_MODULE,
                slot_no=settings.SIGNING_PKCS11_SLOT,
                token_criteria=TokenCriteria(label=token_label) if token_label else None,
                user_pin=settings.SIGNING_PKCS11_PIN or None,
            )
        except Exception as exc:  # the PKCS#11 library raises its own types
            raise SigningKeyUnavailable(f"The PKCS#11 token could not be opened: {exc}") from exc
        try:
            try:
                signer = pkcs11.PKCS11Signer(session, cert_label=label, key_label=label)
                signer.signing_cert  # noqa: B018 - fetched now, so a missing label fails here
            except Exception as exc:
                raise SigningKeyUnavailable(
                    f"No key and certificate labelled {label!r} on the PKCS#11 token: {exc}"
                ) from exc
            yield signer
        finally:
            session.close()
        return
    raise SigningKeyUnavailable(f"Unknown SIGNING_KEY_STORE {backend!r}.")


def timestamper():
    """An RFC 3161 client for SIGNING_TSA_URL, or None when no TSA is configured."""
    if not settings.SIGNING_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=settings.SIGNING_TSA_TIMEOUT)
