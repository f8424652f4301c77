"""Signed PDFs on the real services: Debian's pdfsig (poppler, an independent implementation)
checks our signatures, and the Celery worker process signs a certificate after the grant."""

import shutil
import subprocess

import pytest

from certification.services import application_grant
from certification.tests.conftest import (  # noqa: F401
    decision_pending,
    draft,
    evaluated,
    in_evaluation,
    registration,
    scheme,
    submitted,
    under_review,
)
from signing.models import SignedPdf
from signing.services import signed_pdf_of_certificate, signing_certificate_register
from signing.tests.conftest import install_key, key_material  # noqa: F401
from tests.test_integration_notifications import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def pdfsig(path) -> str:
    """pdfsig's report. It exits 0 even on "Digest Mismatch", so callers read the text."""
    program = shutil.which("pdfsig")
    if program is None:
        pytest.fail("pdfsig is missing: apt-get install -y poppler-utils")
    done = subprocess.run(
        [program, "-nocert", str(path)], capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


@pytest.fixture
def signed_pdf(tmp_path, enterprise, body, enterprise_user, decider, key_material):  # noqa: F811
    from documents.tests import factories

    certificate = factories.certificate(
        enterprise=enterprise, body=body, created_by=enterprise_user, decider=decider
    )
    install_key(body, key_material)
    signing_certificate_register(body=body, certificate=key_material.der(), by=None)
    signed = signed_pdf_of_certificate(
        certificate_id=certificate.pk, source_key="pdfsig:1", reason="issue"
    )
    path = tmp_path / "giay-chung-nhan.pdf"
    with signed.document.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def test_pdfsig_reports_the_signature_valid_and_the_whole_document_signed(signed_pdf):
    report = pdfsig(signed_pdf)
    assert "Signature #1" in report
    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "Digest Mismatch" not in report
    assert "ETSI.CAdES.detached" in report


def test_pdfsig_reports_a_digest_mismatch_when_one_byte_changed(signed_pdf):
    data = bytearray(signed_pdf.read_bytes())
    data[data.index(b"stream") + 100] ^= 0x01
    signed_pdf.write_bytes(bytes(data))
    report = pdfsig(signed_pdf)
    assert "Digest Mismatch" in report
    assert "Signature is Valid." not in report


def test_the_worker_process_signs_the_certificate_and_decision_after_the_grant(
    celery_worker_process,
    worker_files_dir,
    settings,
    decision_pending,  # noqa: F811
    decider,
    body,
    key_material,  # noqa: F811
):
    from signing import demo

    settings.MEDIA_ROOT = str(worker_files_dir / "media")
    demo.write_private(worker_files_dir / "signing" / f"{body.code}.p12", key_material.p12())
    signing_certificate_register(body=body, certificate=key_material.der(), by=None)

    certificate = application_grant(application=decision_pending, by=decider, comment="OK")

    signed = wait_for(
        "the signed certificate and decision",
        lambda: SignedPdf.objects.count() == 2 and SignedPdf.objects.get(kind="certificate"),
    )
    assert signed.certificate == certificate
    with signed.document.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
