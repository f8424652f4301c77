"""Digital signatures: the certificates bodies register with us to sign their documents, and
every signed PDF we issued (its SHA-256, so anyone can check a file is exactly one of them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class SigningCertificate(TimeStampedModel):
    """An X.509 certificate a certification body registered as the one it signs with. A PDF
    whose signature was made by this certificate's key is "signed by the body"."""

    body = models.ForeignKey(
        "certification.Organisation",
        on_delete=models.PROTECT,
        related_name="signing_certificates",
        verbose_name=_("certification body"),
    )
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial_number = models.CharField(_("serial number"), max_length=100)
    # SHA-256 of the certificate's DER bytes, lower-case hex: how a signature finds it.
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    is_demo = models.BooleanField(
        _("demo certificate"),
        default=False,
        help_text=_("Made by seed_demo from a demo CA: no legal value."),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # Set when the body stops using the certificate: no new signature is made with it, and
    # files it signed before still verify as signed by the body.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["body_id", "-not_after"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint[:16]}…)"


class SignedPdf(models.Model):
    """One signed PDF we issued: an edition of a certificate (a new edition whenever its face
    changes) or a decision. The file itself is a documents.Document."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        DECISION = "decision", _("Certification decision")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    document = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        related_name="signed_pdf",
        verbose_name=_("document"),
    )
    certificate = models.ForeignKey(
        "certification.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_pdfs",
        verbose_name=_("certificate"),
    )
    decision = models.ForeignKey(
        "certification.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_pdfs",
        verbose_name=_("decision"),
    )
    # The document's version for its owner: 1 for the first signed PDF, 2 after a change of
    # the face (reinstatement, restoration), …
    edition = models.PositiveIntegerField(_("edition"))
    reason = models.CharField(_("reason"), max_length=40)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    signing_certificate = models.ForeignKey(
        SigningCertificate,
        on_delete=models.PROTECT,
        related_name="signed_pdfs",
        verbose_name=_("signing certificate"),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    timestamped = models.BooleanField(_("timestamped by a TSA"), default=False)
    # Idempotency key: a retried task finds the PDF it already made.
    source_key = models.CharField(_("source key"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("signed PDF")
        verbose_name_plural = _("signed PDFs")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="certificate") & Q(certificate__isnull=False))
                | (Q(kind="decision") & Q(decision__isnull=False)),
                name="signedpdf_kind_has_owner",
            ),
        ]
        indexes = [models.Index(fields=["certificate", "-edition"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]} (v{self.edition})"
