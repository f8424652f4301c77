"""The PKCS#11 key store with a software token (Debian's SoftHSM 2, installed by .ci/run):
the same library interface as the USB tokens licensed CAs issue."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from signing.keys import SigningKeyUnavailable, body_signer
from signing.services import signed_pdf_of_certificate, signing_certificate_register
from signing.verify import Verdict, verify_pdf

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TOKEN, PIN = "txng-test", "1234"
MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


def _module() -> str:
    found = next((m for m in MODULES if Path(m).is_file()), None)
    if found is None or shutil.which("softhsm2-util") is None:
        pytest.fail("SoftHSM 2 is missing: apt-get install -y softhsm2")
    return found


@pytest.fixture(scope="module")
def token(tmp_path_factory, key_material):
    """A SoftHSM token holding the body's key and certificate, both labelled GLCERT. The
    PKCS#11 library reads its configuration once per process: one token for the module."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    module = _module()
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = ["softhsm2-util"]
    subprocess.run(
        [*util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    key_file = folder / "key.pem"
    key_file.write_bytes(
        key_material.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            *util,
            *("--import", str(key_file), "--token", TOKEN),
            *("--label", "GLCERT", "--id", "01", "--pin", PIN),
        ],
        check=True,
        capture_output=True,
    )
    key_file.unlink()
    certificate = key_material.certificate
    with pkcs11.lib(module).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                Attribute.LABEL: "GLCERT",
                Attribute.ID: b"\x01",
                Attribute.TOKEN: True,
            }
        )
    return module


@pytest.fixture
def on_the_token(settings, token):
    settings.SIGNING_KEY_STORE = "pkcs11"
    settings.SIGNING_PKCS11_MODULE = token
    settings.SIGNING_PKCS11_SLOT = None
    settings.SIGNING_PKCS11_TOKEN_LABEL = TOKEN
    settings.SIGNING_PKCS11_PIN = PIN
    settings.SIGNING_PKCS11_KEY_LABEL = "{body}"


def test_a_certificate_signed_on_the_token_verifies_as_the_bodys(
    on_the_token, issued_certificate, key_material
):
    signing_certificate_register(
        body=issued_certificate.body, certificate=key_material.der(), by=None
    )
    signed = signed_pdf_of_certificate(
        certificate_id=issued_certificate.pk, source_key="p11:1", reason="issue"
    )
    with signed.document.file.open("rb") as handle:
        check = verify_pdf(handle.read())
    assert check.verdict == Verdict.VALID
    assert check.signed_by_registered_certificate


def test_a_wrong_pin_is_a_clear_error(on_the_token, settings, body):
    settings.SIGNING_PKCS11_PIN = "0000"
    refused = pytest.raises(SigningKeyUnavailable, match="PKCS#11 token could not be opened")
    with refused, body_signer(body):
        pass


def test_a_label_missing_from_the_token_is_a_clear_error(on_the_token, settings, body):
    settings.SIGNING_PKCS11_KEY_LABEL = "NOPE"
    with pytest.raises(SigningKeyUnavailable, match="labelled 'NOPE'"), body_signer(body):
        pass
