"""Checking a PDF anyone uploads: is the signature intact and the body's, is the file exactly
a version we issued, what is the certificate's state now, and which version is current.

Works on the bytes in memory: nothing is stored.
"""

import datetime
import hashlib
import io
import logging
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from certification.models import Certificate
from certification.selectors import certificate_lineage
from signing.keys import fingerprint
from signing.models import SignedPdf, SigningCertificate

logger = logging.getLogger(__name__)


class Verdict:
    UNSIGNED = "unsigned"  # no digital signature in the file
    MODIFIED = "modified"  # changed after signing (or the signature is broken)
    NOT_BY_BODY = "not_signed_by_body"  # intact, but not by a certificate a body registered
    NOT_ISSUED = "not_issued"  # signed by a body, but not a file we issued
    WITHDRAWN = "withdrawn"  # our file, intact, but the certificate has been withdrawn
    NOT_CURRENT = "not_current"  # our file, intact, but a newer version replaces it
    VALID = "valid"  # our file, intact, current


class UnreadablePdf(Exception):
    """The bytes are not a PDF we can read."""


@dataclass
class FileCheck:
    verdict: str
    message: str = ""
    sha256: str = ""
    signed: bool = False
    intact: bool = False
    covers_whole_file: bool = False
    signed_by_registered_certificate: bool = False
    signer: str = ""
    signed_at: datetime.datetime | None = None
    timestamped: bool = False
    body: str = ""
    demo_certificate: bool = False
    issued_by_us: bool = False
    kind: str = ""
    edition: int | None = None
    certificate_number: str = ""
    certificate_state: str = ""
    certificate_state_label: str = ""
    is_current: bool | None = None
    current_number: str = ""
    current_verify_url: str = ""
    current_pdf_url: str = ""
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def verify_url(number: str) -> str:
    return _absolute(reverse("certification:verify", args=[number]))


def pdf_url(number: str) -> str:
    return _absolute(reverse("signing:certificate_pdf", args=[number]))


def _signature_status(data: bytes, check: FileCheck) -> None:
    """Fill the signature part of `check` (pyHanko, trust roots always given: the registered
    certificate, else the signer's own, so no OS trust list is consulted)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises several types for a damaged file
        raise UnreadablePdf(str(exc)) from exc
    if not signatures:
        return
    check.signed = True
    signature = signatures[-1]
    try:
        signer_cert = signature.signer_cert
        digest = fingerprint(signer_cert)
        registered = (
            SigningCertificate.objects.select_related("body").filter(fingerprint=digest).first()
        )
        root = asn1_x509.Certificate.load(
            registered_der(registered) if registered else signer_cert.dump()
        )
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=[root]), skip_diff=True
        )
    except Exception as exc:  # a mangled signature dictionary or CMS blob
        logger.info("Signature could not be validated: %s", exc)
        check.details.append(str(exc)[:200])
        return
    check.intact = bool(status.intact and status.valid)
    check.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check.signer = signer_cert.subject.human_friendly
    check.signed_at = status.signer_reported_dt
    check.timestamped = status.timestamp_validity is not None
    if registered is not None:
        check.signed_by_registered_certificate = True
        check.body = registered.body.name
        check.demo_certificate = registered.is_demo


def registered_der(registered: SigningCertificate) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(registered.certificate_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )


def _issued(check: FileCheck) -> None:
    """Fill what we know of the file from its SHA-256: which PDF we issued, and the current
    state and version of its certificate."""
    issued = (
        SignedPdf.objects.select_related("certificate", "decision")
        .filter(sha256=check.sha256)
        .first()
    )
    if issued is None:
        return
    check.issued_by_us = True
    check.kind = issued.kind
    check.edition = issued.edition
    certificate = issued.certificate
    if certificate is None:
        certificate = (
            Certificate.objects.filter(decision_id=issued.decision_id)
            .order_by("version", "id")
            .first()
        )
    if certificate is None:  # a refusal decision: no certificate to speak of
        check.is_current = True
        return
    current, _versions = certificate_lineage(certificate)
    newest_edition = (
        SignedPdf.objects.filter(certificate=current)
        .order_by("-edition")
        .values_list("pk", flat=True)
        .first()
    )
    check.certificate_number = certificate.number
    check.certificate_state = current.state
    check.certificate_state_label = str(Certificate.State(current.state).label)
    if issued.kind == SignedPdf.Kind.CERTIFICATE:
        check.is_current = current.pk == certificate.pk and newest_edition == issued.pk
    else:
        check.is_current = True
    check.current_number = current.number
    check.current_verify_url = verify_url(current.number)
    if newest_edition is not None:
        check.current_pdf_url = pdf_url(current.number)


def _verdict(check: FileCheck) -> None:
    if not check.signed:
        check.verdict = Verdict.UNSIGNED
        check.message = _("The file has no digital signature: it is not a document we issued.")
    elif not (check.intact and check.covers_whole_file):
        check.verdict = Verdict.MODIFIED
        check.message = _(
            "The file has been modified after it was signed: its content cannot be trusted."
        )
    elif not check.signed_by_registered_certificate:
        check.verdict = Verdict.NOT_BY_BODY
        check.message = _(
            "The signature is intact but was not made by a certificate that a certification "
            "body registered with us: the file was not signed by the body."
        )
    elif not check.issued_by_us:
        check.verdict = Verdict.NOT_ISSUED
        check.message = _(
            "The file is signed by %(body)s but is not exactly a version we issued."
        ) % {"body": check.body}
    elif check.certificate_state == Certificate.State.WITHDRAWN:
        check.verdict = Verdict.WITHDRAWN
        check.message = _(
            "The file is intact and signed by %(body)s, but certificate %(number)s has been "
            "withdrawn."
        ) % {"body": check.body, "number": check.current_number}
    elif check.is_current is False:
        check.verdict = Verdict.NOT_CURRENT
        check.message = _(
            "The file is intact and was issued by %(body)s, but it is not the current version: "
            "the current certificate is %(number)s."
        ) % {"body": check.body, "number": check.current_number}
    else:
        check.verdict = Verdict.VALID
        if check.certificate_state:
            check.message = _(
                "The file is intact, signed by %(body)s and is the current version. The "
                "certificate's state today: %(state)s."
            ) % {"body": check.body, "state": check.certificate_state_label}
        else:
            check.message = _(
                "The file is intact, signed by %(body)s and is the current version."
            ) % {"body": check.body}


def verify_pdf(data: bytes) -> FileCheck:
    """Check the PDF `data` (see the module). Raises UnreadablePdf when it is not a PDF."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise UnreadablePdf("not a PDF")
    check = FileCheck(verdict="", sha256=hashlib.sha256(data).hexdigest())
    _signature_status(data, check)
    _issued(check)
    _verdict(check)
    return check
