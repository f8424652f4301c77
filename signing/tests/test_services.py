"""Registering signing certificates; signing certificates and decisions in the worker."""

import datetime
import logging

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied, ValidationError

from certification.services import certificate_reinstate, certificate_suspend
from core.clock import today
from core.models import LogEntry
from documents.models import Document
from signing import tasks
from signing.keys import SigningKeyUnavailable, timestamper
from signing.models import SignedPdf, SigningCertificate
from signing.services import (
    SigningRefused,
    signed_pdf_of_certificate,
    signing_certificate_register,
    signing_certificate_retire,
)
from signing.tests.conftest import install_key

pytestmark = pytest.mark.django_db


# --- registering ---------------------------------------------------------------------------


def test_the_bodys_staff_register_its_signing_certificate(body, cb_staff, key_material):
    pem = key_material.certificate.public_bytes(Encoding.PEM)
    registered = signing_certificate_register(body=body, certificate=pem, by=cb_staff)
    assert registered.body == body
    assert "GLCERT" in registered.subject
    assert len(registered.fingerprint) == 64
    assert LogEntry.objects.filter(transition="register_signing_certificate").count() == 1


def test_someone_outside_the_body_may_not_register_a_certificate(
    body, outsider, decider, key_material
):
    for user in (outsider, decider):
        with pytest.raises(PermissionDenied):
            signing_certificate_register(body=body, certificate=key_material.der(), by=user)
    assert not SigningCertificate.objects.exists()


def test_bytes_that_are_not_a_certificate_are_refused(body, cb_staff):
    with pytest.raises(ValidationError, match=r"X\.509"):
        signing_certificate_register(body=body, certificate=b"not a certificate", by=cb_staff)


def test_a_certificate_is_registered_once(body, cb_staff, key_material):
    signing_certificate_register(body=body, certificate=key_material.der(), by=cb_staff)
    with pytest.raises(ValidationError, match="đã được đăng ký"):
        signing_certificate_register(body=body, certificate=key_material.der(), by=cb_staff)


def test_an_expired_certificate_is_refused(body, cb_staff, key_material):
    now = datetime.datetime.now(datetime.UTC)
    expired = (
        x509.CertificateBuilder()
        .subject_name(key_material.certificate.subject)
        .issuer_name(key_material.certificate.subject)
        .public_key(key_material.key.public_key())
        .serial_number(7)
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key_material.key, hashes.SHA256())
    )
    with pytest.raises(ValidationError, match="hết hạn"):
        signing_certificate_register(
            body=body, certificate=expired.public_bytes(Encoding.DER), by=cb_staff
        )


# --- signing -------------------------------------------------------------------------------


def test_a_body_without_a_key_signs_nothing_and_nothing_is_stored(issued_certificate):
    with pytest.raises(SigningKeyUnavailable, match="No PKCS#12 file"):
        signed_pdf_of_certificate(
            certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
        )
    assert not Document.objects.exists() and not SignedPdf.objects.exists()


def test_a_key_whose_certificate_is_not_registered_signs_nothing(issued_certificate, key_material):
    install_key(issued_certificate.body, key_material)
    with pytest.raises(SigningRefused, match="not registered"):
        signed_pdf_of_certificate(
            certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
        )
    assert not Document.objects.exists()


def test_a_retired_certificate_signs_nothing_more(issued_certificate, body_key, cb_staff):
    signing_certificate_retire(certificate=body_key, by=cb_staff)
    with pytest.raises(SigningRefused):
        signed_pdf_of_certificate(
            certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
        )


def test_signing_the_same_event_twice_makes_one_pdf(issued_certificate, body_key):
    first = signed_pdf_of_certificate(
        certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
    )
    again = signed_pdf_of_certificate(
        certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
    )
    assert first.pk == again.pk
    assert Document.objects.filter(doc_type="certificate_pdf").count() == 1
    assert first.document.mime_type == "application/pdf"
    assert first.document.original_name == "giay-chung-nhan-GLCERT-TXNG-2026-0001.pdf"
    assert first.sha256 == first.document.sha256


def test_the_outbox_handler_run_twice_signs_once(issued_certificate, body_key):
    first = tasks.sign_certificate(
        certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
    )
    second = tasks.sign_certificate(
        certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
    )
    assert first == second
    assert SignedPdf.objects.count() == 1


def test_the_handler_for_a_body_without_a_key_logs_an_error_and_stores_nothing(
    issued_certificate, caplog
):
    with caplog.at_level(logging.ERROR, logger="signing.tasks"):
        assert (
            tasks.sign_certificate(
                certificate_id=issued_certificate.pk, source_key="k:1", reason="issue"
            )
            is None
        )
    assert "not signed" in caplog.text
    assert not SignedPdf.objects.exists()


def test_the_timestamp_server_is_used_when_configured(settings):
    from pyhanko.sign.timestamps import HTTPTimeStamper

    assert timestamper() is None
    settings.SIGNING_TSA_URL = "http://tsa.example.vn/tsr"
    stamper = timestamper()
    assert isinstance(stamper, HTTPTimeStamper)
    assert stamper.url == "http://tsa.example.vn/tsr"


def test_a_timestamped_signature_is_reported_timestamped(issued_certificate, key_material):
    """A timestamp token from an RFC 3161 stand-in (pyHanko's DummyTimeStamper) is embedded."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from documents.generation.certificate_pdf import render_certificate_pdf
    from signing.pdf import sign_pdf
    from signing.verify import verify_pdf

    tsa_cert = asn1_x509.Certificate.load(key_material.der())
    tsa_key = asn1_keys.PrivateKeyInfo.load(
        key_material.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    signer = signers.SimpleSigner(signing_cert=tsa_cert, signing_key=tsa_key, cert_registry=None)
    data = sign_pdf(
        render_certificate_pdf(issued_certificate),
        signer=signer,
        reason="issue",
        location="Gia Lai",
        name="",
        timestamper=DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key),
    )
    assert verify_pdf(data).timestamped


# --- after the decision, through the workflow ---------------------------------------------


def test_the_signing_follow_ups_are_outbox_messages_written_with_the_grant(
    decision_pending, decider, django_capture_on_commit_callbacks
):
    from certification.services import application_grant
    from core.models import OutboxMessage

    with django_capture_on_commit_callbacks(execute=False):
        certificate = application_grant(application=decision_pending, by=decider, comment="OK")
    messages = OutboxMessage.objects.filter(kind__startswith="signing.")
    assert sorted(messages.values_list("kind", flat=True)) == [
        "signing.certificate",
        "signing.decision",
    ]
    assert messages.get(kind="signing.certificate").payload["certificate_id"] == certificate.pk


def test_a_grant_signs_the_certificate_and_the_decision_after_commit(
    decision_pending, decider, body, key_material, django_capture_on_commit_callbacks
):
    from certification.services import application_grant

    install_key(body, key_material)
    signing_certificate_register(body=body, certificate=key_material.der(), by=None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = application_grant(application=decision_pending, by=decider, comment="OK")
    # Nothing is signed inside the decision's transaction ...
    assert not SignedPdf.objects.exists()
    for callback in callbacks:
        callback()
    # ... and both PDFs once it has committed.
    kinds = set(SignedPdf.objects.values_list("kind", "edition"))
    assert kinds == {("certificate", 1), ("decision", 1)}
    assert SignedPdf.objects.get(kind="certificate").certificate == certificate


def test_lifting_a_suspension_signs_a_new_edition_and_suspending_does_not(
    certificate, cb_staff, body, key_material, django_capture_on_commit_callbacks
):
    install_key(body, key_material)
    signing_certificate_register(body=body, certificate=key_material.der(), by=None)
    # The grant happened before the key existed: nothing signed yet.
    assert not SignedPdf.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            certificate=certificate,
            by=cb_staff,
            comment="Chưa khắc phục.",
            until=today() + datetime.timedelta(days=30),
        )
    assert not SignedPdf.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        certificate_reinstate(certificate=certificate, by=cb_staff, comment="Đã khắc phục.")
    signed = SignedPdf.objects.get()
    assert signed.certificate == certificate
    assert signed.reason == "reinstate"
