"""Keys for the signing tests: made once per test session (RSA key generation is slow), put in
each test's temporary key folder as the configured PKCS#12 file."""

from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from documents.tests import factories
from signing import demo
from signing.keys import pkcs12_path
from signing.services import signing_certificate_register


@dataclass
class KeyMaterial:
    ca_certificate: object
    key: object
    certificate: object
    other_key: object  # a key whose certificate no body registered (another CA)
    other_certificate: object

    def p12(self, *, other: bool = False) -> bytes:
        if other:
            return demo.pkcs12_bytes(self.other_key, self.other_certificate)
        return demo.pkcs12_bytes(self.key, self.certificate, [self.ca_certificate])

    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)


@pytest.fixture(scope="session")
def key_material() -> KeyMaterial:
    ca_key, ca_certificate = demo.make_ca()
    key, signing_certificate = demo.issue_signing_certificate(
        organisation="Trung tâm Chứng nhận Phù hợp Gia Lai",
        common_name=f"GLCERT ({demo.DEMO_MARK})",
        ca_key=ca_key,
        ca_certificate=ca_certificate,
    )
    other_ca_key, other_ca = demo.make_ca(name="Other CA")
    other_key, other_certificate = demo.issue_signing_certificate(
        organisation="Trung tâm Chứng nhận Phù hợp Gia Lai",
        common_name="GLCERT (copy)",
        ca_key=other_ca_key,
        ca_certificate=other_ca,
    )
    return KeyMaterial(ca_certificate, key, signing_certificate, other_key, other_certificate)


def install_key(body, key_material: KeyMaterial, *, other: bool = False) -> None:
    """Put a key in `body`'s configured PKCS#12 file (the other key when `other`)."""
    demo.write_private(pkcs12_path(body), key_material.p12(other=other))


@pytest.fixture
def body_key(body, key_material):
    """`body` can sign: its key in the store, its certificate registered (as demo)."""
    install_key(body, key_material)
    return signing_certificate_register(
        body=body, certificate=key_material.der(), by=None, is_demo=True
    )


@pytest.fixture
def issued_certificate(enterprise, body, enterprise_user, decider):
    return factories.certificate(
        enterprise=enterprise, body=body, created_by=enterprise_user, decider=decider
    )


# The certification workflow's fixtures, for the tests that grant through the services.
from certification.tests.conftest import (  # noqa: E402, F401
    certificate,
    decision_pending,
    draft,
    evaluated,
    in_evaluation,
    registration,
    scheme,
    submitted,
    under_review,
)
