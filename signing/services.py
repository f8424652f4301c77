"""Writes of the signing app: registering a body's signing certificate, and making the signed
PDFs of certificates and decisions (run by the worker after the decision, see tasks.py)."""

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Certificate, Decision, Organisation, Role
from certification.selectors import has_role
from core.models import User
from core.services import log_transition
from documents.models import GeneratedType
from documents.services import document_generate
from signing.keys import SigningKeyUnavailable, body_signer, fingerprint, timestamper
from signing.models import SignedPdf, SigningCertificate

if TYPE_CHECKING:
    from cryptography import x509

logger = logging.getLogger(__name__)

PDF = "application/pdf"


class SigningRefused(SigningKeyUnavailable):
    """The key is there but its certificate is not registered (or retired) for the body."""


def _load_certificate(data: bytes) -> "x509.Certificate":
    from cryptography import x509

    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data.strip())
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise ValidationError(
            {"certificate": _("This is not an X.509 certificate (PEM or DER).")}
        ) from None


@transaction.atomic
def signing_certificate_register(
    *, body: Organisation, certificate: bytes, by: User | None, is_demo: bool = False
) -> SigningCertificate:
    """Register `certificate` (PEM or DER bytes) as one `body` signs its documents with.

    `by` is an officer of the body (or None for the system: seed_demo, the management command).
    Refused: PermissionDenied for anyone else; ValidationError when the bytes are not a
    certificate, when it has expired, or when it is already registered."""
    if by is not None and not (by.is_superuser or has_role(by, Role.CB_STAFF, body)):
        raise PermissionDenied(_("Only the body's staff may register its signing certificate."))
    if body.kind != Organisation.Kind.CERTIFICATION_BODY:
        raise ValidationError(_("Only a certification body registers a signing certificate."))
    from cryptography.hazmat.primitives import serialization

    parsed = _load_certificate(certificate)
    der = parsed.public_bytes(serialization.Encoding.DER)
    from asn1crypto import x509 as asn1_x509

    digest = fingerprint(asn1_x509.Certificate.load(der))
    if parsed.not_valid_after_utc <= timezone.now():
        raise ValidationError({"certificate": _("This certificate has expired.")})
    if SigningCertificate.objects.filter(fingerprint=digest).exists():
        raise ValidationError({"certificate": _("This certificate is already registered.")})
    registered = SigningCertificate.objects.create(
        body=body,
        subject=parsed.subject.rfc4514_string()[:500],
        issuer=parsed.issuer.rfc4514_string()[:500],
        serial_number=format(parsed.serial_number, "x")[:100],
        fingerprint=digest,
        certificate_pem=parsed.public_bytes(serialization.Encoding.PEM).decode(),
        not_before=parsed.not_valid_before_utc,
        not_after=parsed.not_valid_after_utc,
        is_demo=is_demo,
        registered_by=by,
    )
    log_transition(
        body,
        "register_signing_certificate",
        by=by,
        previous="",
        target="",
        data={"fingerprint": digest, "subject": registered.subject, "demo": is_demo},
    )
    return registered


@transaction.atomic
def signing_certificate_retire(*, certificate: SigningCertificate, by: User) -> SigningCertificate:
    """The body stops signing with `certificate` (files it signed still verify)."""
    if not (by.is_superuser or has_role(by, Role.CB_STAFF, certificate.body)):
        raise PermissionDenied(_("Only the body's staff may retire its signing certificate."))
    locked = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.retired_at is None:
        locked.retired_at = timezone.now()
        locked.save(update_fields=["retired_at", "updated_at"])
        log_transition(
            locked.body,
            "retire_signing_certificate",
            by=by,
            previous="",
            target="",
            data={"fingerprint": locked.fingerprint},
        )
    return locked


def _registered(body: Organisation, signer) -> SigningCertificate:
    digest = fingerprint(signer.signing_cert)
    registered = SigningCertificate.objects.filter(
        body=body, fingerprint=digest, retired_at__isnull=True
    ).first()
    if registered is None:
        raise SigningRefused(
            f"The signing key of body {body.code} belongs to a certificate it has not registered "
            f"(SHA-256 {digest}): register it first (manage.py signing_register)."
        )
    return registered


def _signed(render, *, body: Organisation, reason: str, signer_name: str):
    """(signed bytes, registered certificate, timestamped) for the PDF `render(demo)` makes."""
    # pyHanko (signing.pdf) is loaded by the process that signs (the worker), not by every
    # web worker that imports this module for its views.
    from signing.pdf import sign_pdf

    with body_signer(body) as signer:
        registered = _registered(body, signer)
        stamper = timestamper()
        data = sign_pdf(
            render(registered.is_demo),
            signer=signer,
            reason=reason,
            location=body.province.name,
            name=signer_name,
            timestamper=stamper,
        )
    return data, registered, stamper is not None


def _file_stem(number: str) -> str:
    return number.replace("/", "-")


def signed_pdf_of_certificate(*, certificate_id: int, source_key: str, reason: str) -> SignedPdf:
    """The signed PDF of a certificate's face, made once per `source_key` (the event that
    changed the face: issue, re-issue, reinstatement, restoration). Each one is the next
    version of the certificate's `certificate_pdf` document.

    Idempotent: an existing `source_key` returns its PDF without rendering. Raises
    SigningKeyUnavailable (or SigningRefused) when the body cannot sign: nothing is stored."""
    existing = SignedPdf.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    from documents.generation.certificate_pdf import render_certificate_pdf

    certificate = Certificate.objects.select_related(
        "enterprise__province", "body__province", "scheme", "decision__decision_maker"
    ).get(pk=certificate_id)
    signer = certificate.decision.decision_maker
    data, registered, timestamped = _signed(
        lambda demo: render_certificate_pdf(certificate, demo=demo),
        body=certificate.body,
        reason=f"Giấy chứng nhận {certificate.number}",
        signer_name=signer.get_full_name() if signer else "",
    )
    made: list[SignedPdf] = []

    def record(document) -> None:
        made.append(
            SignedPdf.objects.create(
                kind=SignedPdf.Kind.CERTIFICATE,
                document=document,
                certificate=certificate,
                edition=document.version,
                reason=reason[:40],
                sha256=document.sha256,
                signing_certificate=registered,
                timestamped=timestamped,
                source_key=source_key,
            )
        )
        # The public page offers the current signed PDF: its cached answer is stale now.
        from certification import public_cache

        transaction.on_commit(lambda: public_cache.invalidate(certificate))

    document = document_generate(
        owner=certificate,
        doc_type=GeneratedType.CERTIFICATE_PDF,
        source_key=source_key,
        name=f"giay-chung-nhan-{_file_stem(certificate.number)}.pdf",
        render=lambda: data,
        mime_type=PDF,
        after=record,
    )
    return made[0] if made else SignedPdf.objects.get(document=document)


def signed_pdf_of_decision(*, decision_id: int) -> SignedPdf:
    """The signed PDF of a certification decision, made once. Same contract as
    signed_pdf_of_certificate."""
    source_key = f"decision_pdf:{decision_id}"
    existing = SignedPdf.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    from documents.generation.decision_pdf import render_decision_pdf

    decision = Decision.objects.select_related(
        "application__enterprise__province",
        "application__body__province",
        "application__scheme",
        "decision_maker",
    ).get(pk=decision_id)
    certificate = Certificate.objects.filter(decision=decision).order_by("version", "id").first()
    signer = decision.decision_maker
    data, registered, timestamped = _signed(
        lambda demo: render_decision_pdf(decision, certificate, demo=demo),
        body=decision.application.body,
        reason=f"Quyết định {decision.number or decision.application.number}",
        signer_name=signer.get_full_name() if signer else "",
    )
    made: list[SignedPdf] = []

    def record(document) -> None:
        made.append(
            SignedPdf.objects.create(
                kind=SignedPdf.Kind.DECISION,
                document=document,
                decision=decision,
                edition=document.version,
                reason="decision",
                sha256=document.sha256,
                signing_certificate=registered,
                timestamped=timestamped,
                source_key=source_key,
            )
        )

    stem = _file_stem(decision.number or decision.application.number)
    document = document_generate(
        owner=decision.application,
        doc_type=GeneratedType.DECISION_PDF,
        source_key=source_key,
        name=f"quyet-dinh-{stem}.pdf",
        render=lambda: data,
        mime_type=PDF,
        after=record,
    )
    return made[0] if made else SignedPdf.objects.get(document=document)


LOGO_MAX_BYTES = 1024 * 1024


@transaction.atomic
def body_logo_set(*, body: Organisation, file, by: User) -> Organisation:
    """Set the logo drawn on `body`'s PDF certificates (PNG or JPEG, at most 1 MB, an image
    Pillow can open). Refused: PermissionDenied for anyone but the body's staff;
    DocumentTooLarge (413) / UnsupportedDocumentType (415) before anything is stored. The
    previous logo file is deleted after commit."""
    from PIL import Image, UnidentifiedImageError

    from documents import storage
    from documents.validation import (
        DocumentTooLarge,
        UnsupportedDocumentType,
        detect_kind,
        name_for,
    )

    if not (by.is_superuser or has_role(by, Role.CB_STAFF, body)):
        raise PermissionDenied(_("Only the body's staff may change its logo."))
    if file.size > LOGO_MAX_BYTES:
        raise DocumentTooLarge(_("The logo is larger than 1 MB."))
    kind = detect_kind(file)
    if kind is None or kind.code not in ("png", "jpeg"):
        raise UnsupportedDocumentType(_("The logo must be a PNG or JPEG image."))
    try:
        with Image.open(file) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise UnsupportedDocumentType(_("The logo must be a PNG or JPEG image.")) from None
    file.seek(0)
    import uuid

    name = storage.store(f"logos/{uuid.uuid4().hex}/{name_for(kind, file.name or '')}", file)
    locked = Organisation.objects.select_for_update().get(pk=body.pk)
    previous = locked.logo.name
    locked.logo.name = name
    try:
        locked.save(update_fields=["logo", "updated_at"])
        log_transition(locked, "set_logo", by=by, previous="", target="", data={"file": name})
    except BaseException:
        storage.discard(name)
        raise
    if previous:
        transaction.on_commit(lambda: storage.discard(previous))
    return locked
