"""The operator's commands: register the configured key's certificate, sign what is missing."""

import io

import pytest
from django.core.management import CommandError, call_command

from signing.models import SignedPdf, SigningCertificate
from signing.tests.conftest import install_key

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_configured_keys_certificate_is_registered(body, key_material):
    install_key(body, key_material)
    assert "Registered" in run("signing_register", "--body", "GLCERT")
    assert SigningCertificate.objects.get().body == body


def test_registering_without_a_key_says_where_it_looked(body):
    with pytest.raises(CommandError, match="No PKCS#12 file"):
        run("signing_register", "--body", "GLCERT")


def test_an_unknown_body_code_is_refused(db):
    with pytest.raises(CommandError, match="No certification body"):
        run("signing_register", "--body", "NOPE")


def test_certificates_and_decisions_without_a_pdf_are_signed_once(
    issued_certificate, body_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("signing_sign_missing")
    assert "Enqueued 1 certificate(s) and 1 decision(s)." in output
    assert set(SignedPdf.objects.values_list("kind", flat=True)) == {"certificate", "decision"}
    assert "Enqueued 0 certificate(s) and 0 decision(s)." in run("signing_sign_missing")
