"""Checking a file: the answers anyone gets for the files they may hold."""

import pytest

from certification.services import certificate_reissue, certificate_withdraw
from documents.tests import factories
from signing.services import signed_pdf_of_certificate, signed_pdf_of_decision
from signing.tests.conftest import install_key
from signing.verify import UnreadablePdf, Verdict, verify_pdf

pytestmark = pytest.mark.django_db


def signed_bytes(certificate, key="issue") -> bytes:
    signed = signed_pdf_of_certificate(
        certificate_id=certificate.pk, source_key=f"test:{certificate.pk}:{key}", reason=key
    )
    with signed.document.file.open("rb") as handle:
        return handle.read()


def test_the_issued_pdf_is_valid_and_current(issued_certificate, body_key):
    check = verify_pdf(signed_bytes(issued_certificate))
    assert check.verdict == Verdict.VALID
    assert check.intact and check.covers_whole_file
    assert check.signed_by_registered_certificate
    assert check.body == issued_certificate.body.name
    assert check.issued_by_us and check.is_current
    assert check.certificate_number == "GLCERT-TXNG-2026-0001"
    assert check.certificate_state == "active"
    assert check.demo_certificate
    assert "hiện hành" in check.message or "current" in check.message


def test_one_byte_changed_is_reported_as_modified(issued_certificate, body_key):
    data = bytearray(signed_bytes(issued_certificate))
    # A byte inside the first content stream (covered by the signature).
    position = data.index(b"stream") + 100
    data[position] ^= 0x01
    check = verify_pdf(bytes(data))
    assert check.verdict == Verdict.MODIFIED
    assert not check.intact
    assert not check.issued_by_us


def test_bytes_appended_after_the_signature_are_reported_as_modified(issued_certificate, body_key):
    data = signed_bytes(issued_certificate) + b"\n% added later\n"
    check = verify_pdf(data)
    assert check.verdict == Verdict.MODIFIED
    assert not check.covers_whole_file


def test_a_pdf_signed_with_another_key_is_not_signed_by_the_body(
    issued_certificate, body_key, key_material
):
    """Someone with a key of their own (even one naming the body) re-makes the certificate."""
    from pyhanko.sign import signers

    from documents.generation.certificate_pdf import render_certificate_pdf
    from signing.keys import pkcs12_path
    from signing.pdf import sign_pdf

    install_key(issued_certificate.body, key_material, other=True)
    signer = signers.SimpleSigner.load_pkcs12(str(pkcs12_path(issued_certificate.body)))
    forged = sign_pdf(
        render_certificate_pdf(issued_certificate),
        signer=signer,
        reason="forged",
        location="Gia Lai",
        name="Someone",
    )
    check = verify_pdf(forged)
    assert check.verdict == Verdict.NOT_BY_BODY == "not_signed_by_body"
    assert check.intact
    assert not check.signed_by_registered_certificate
    assert not check.issued_by_us


def test_a_superseded_version_is_not_current_and_links_to_the_current_one(
    issued_certificate, body_key, cb_staff, enterprise_user, decider
):
    old_pdf = signed_bytes(issued_certificate)
    extension = factories.application(
        enterprise=issued_certificate.enterprise,
        body=issued_certificate.body,
        created_by=enterprise_user,
        state="certified",
    )
    new = certificate_reissue(
        certificate=issued_certificate,
        by=cb_staff,
        application=extension,
        decision=factories.decision(application=extension, decider=decider),
    )
    signed_bytes(new)
    check = verify_pdf(old_pdf)
    assert check.verdict == Verdict.NOT_CURRENT
    assert check.intact and check.issued_by_us
    assert check.is_current is False
    assert check.current_number == "GLCERT-TXNG-2026-0001/1"
    assert check.current_verify_url.endswith("/verify/GLCERT-TXNG-2026-0001/1/")
    assert check.current_pdf_url.endswith("/verify/pdf/GLCERT-TXNG-2026-0001/1/")
    assert "GLCERT-TXNG-2026-0001/1" in check.message


def test_an_older_edition_of_the_same_certificate_is_not_current(issued_certificate, body_key):
    first = signed_bytes(issued_certificate, "issue")
    second = signed_bytes(issued_certificate, "reinstate")
    assert verify_pdf(first).verdict == Verdict.NOT_CURRENT
    newest = verify_pdf(second)
    assert newest.verdict == Verdict.VALID
    assert newest.edition == 2


def test_a_withdrawn_certificates_pdf_is_intact_but_withdrawn(
    issued_certificate, body_key, cb_staff
):
    data = signed_bytes(issued_certificate)
    certificate_withdraw(certificate=issued_certificate, by=cb_staff, comment="Vi phạm.")
    check = verify_pdf(data)
    assert check.verdict == Verdict.WITHDRAWN
    assert check.intact and check.issued_by_us
    assert check.certificate_state == "withdrawn"
    assert "đã bị thu hồi" in check.message


def test_a_signed_decision_is_recognised(issued_certificate, body_key):
    signed = signed_pdf_of_decision(decision_id=issued_certificate.decision_id)
    with signed.document.file.open("rb") as handle:
        check = verify_pdf(handle.read())
    assert check.verdict == Verdict.VALID
    assert check.kind == "decision"
    assert check.certificate_number == issued_certificate.number


def test_an_unsigned_pdf_is_reported_as_unsigned(issued_certificate):
    from documents.generation.certificate_pdf import render_certificate_pdf

    check = verify_pdf(render_certificate_pdf(issued_certificate))
    assert check.verdict == Verdict.UNSIGNED
    assert not check.signed


def test_bytes_that_are_not_a_pdf_are_refused():
    with pytest.raises(UnreadablePdf):
        verify_pdf(b"PK\x03\x04 not a pdf")
