"""The demo signing keys of a fresh clone: a demo CA and, per body, a signing certificate it
issues, both marked "DEMO — không có giá trị pháp lý". Written at seed time as PKCS#12 files
under the configured path (var/signing/ by default, ignored by git), never committed."""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

DEMO_MARK = "DEMO — không có giá trị pháp lý"
CA_FILE = "demo-ca.p12"


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(*, name: str = "TXNG Cert Demo CA") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA for ten years."""
    key = new_key()
    now = datetime.datetime.now(datetime.UTC)
    subject = _name(name, f"{name} ({DEMO_MARK})")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue_signing_certificate(
    *, organisation: str, common_name: str, ca_key, ca_certificate: x509.Certificate, days=825
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A document-signing certificate for `organisation`, issued by the CA."""
    key = new_key()
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation, common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def pkcs12_bytes(key, certificate, chain=(), *, password: str = "") -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"signing", key, certificate, list(chain), encryption
    )


def write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(data)


def _demo_ca(folder: Path):
    path = folder / CA_FILE
    password = settings.SIGNING_PKCS12_PASSWORD
    if path.is_file():
        key, certificate, _chain = pkcs12.load_key_and_certificates(
            path.read_bytes(), password.encode() if password else None
        )
        return key, certificate
    key, certificate = make_ca()
    write_private(path, pkcs12_bytes(key, certificate, password=password))
    return key, certificate


def ensure_demo_key(body, *, path: Path) -> x509.Certificate | None:
    """Create the demo CA (once) and a demo signing key for `body` at `path`, unless a key
    file is already there. Returns the new certificate, or None when one existed."""
    if path.is_file():
        return None
    ca_key, ca_certificate = _demo_ca(path.parent)
    key, certificate = issue_signing_certificate(
        organisation=body.name,
        common_name=f"{body.code or body.name} ({DEMO_MARK})",
        ca_key=ca_key,
        ca_certificate=ca_certificate,
    )
    write_private(
        path,
        pkcs12_bytes(key, certificate, [ca_certificate], password=settings.SIGNING_PKCS12_PASSWORD),
    )
    return certificate


def ensure_demo_signing(body):
    """Seed time: make sure `body` can sign on a fresh clone. Creates the demo key file when
    there is none, and registers the certificate of the key file when it is not registered
    yet (as demo when it was made here). Returns the SigningCertificate."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.keys import pkcs12_path
    from signing.models import SigningCertificate
    from signing.services import signing_certificate_register

    path = pkcs12_path(body)
    ensure_demo_key(body, path=path)
    password = settings.SIGNING_PKCS12_PASSWORD
    _key, certificate, _chain = pkcs12.load_key_and_certificates(
        path.read_bytes(), password.encode() if password else None
    )
    der = certificate.public_bytes(Encoding.DER)
    import hashlib

    existing = SigningCertificate.objects.filter(fingerprint=hashlib.sha256(der).hexdigest())
    if existing.exists():
        return existing.get()
    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    is_demo = bool(common_name) and DEMO_MARK in common_name[0].value
    return signing_certificate_register(body=body, certificate=der, by=None, is_demo=is_demo)
