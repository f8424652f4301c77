"""Documents attached to applications, audits, findings, certificates and body registrations.

A document is immutable: a new upload of the same type for the same owner is a new version and
older versions are kept. The one later change is the removal marker (who, when, why): a removed
version keeps its row and file for the record but no longer fills its slot. Files live in the
default storage under a key nobody can guess and are downloaded only through the
permission-checked view (documents.views.download).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from certification.models.schemes import DocumentType
from core.workflow import Rule


class GeneratedType(models.TextChoices):
    """Types the documents app adds to the scheme's: what the system writes, and evidence."""

    CERTIFICATE = "certificate", _("Certificate")
    DECISION = "decision", _("Certification decision")
    AUDIT_REPORT = "audit_report", _("Audit report")
    FINDINGS_REPORT = "findings_report", _("Findings report")
    # Signed PDFs (signing app): a new version of the certificate's whenever its face changes.
    CERTIFICATE_PDF = "certificate_pdf", _("Certificate (signed PDF)")
    DECISION_PDF = "decision_pdf", _("Certification decision (signed PDF)")
    # Uploaded, not generated: evidence of a corrective action, attached to a finding.
    EVIDENCE = "evidence", _("Evidence")
    # Read from the enterprise's system for a trace test (tracing app): an EPCIS 2.0 document.
    EPCIS_EVENTS = "epcis_events", _("EPCIS events")
    TRACE_REPORT = "trace_report", _("Trace test report")


# Types the browser shows inline (documents.views.preview).
PREVIEW_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})

DOC_TYPE_CHOICES = [*DocumentType.choices, *GeneratedType.choices]
# Types only the system writes: an upload may not claim them.
SYSTEM_TYPES = frozenset(
    {
        GeneratedType.CERTIFICATE,
        GeneratedType.DECISION,
        GeneratedType.AUDIT_REPORT,
        GeneratedType.FINDINGS_REPORT,
        GeneratedType.CERTIFICATE_PDF,
        GeneratedType.DECISION_PDF,
        GeneratedType.EPCIS_EVENTS,
        GeneratedType.TRACE_REPORT,
    }
)

# Owner kinds accepted by the upload form (`owner_type`) → "app_label.Model". The audits models
# are looked up lazily (documents.selectors.owner_model): the app may not define them yet.
OWNER_MODELS: dict[str, str] = {
    "application": "certification.Application",
    "registration": "certification.BodyRegistration",
    "certificate": "certification.Certificate",
    "audit": "audits.Audit",
    "finding": "audits.Finding",
    "trace_test": "audits.TraceTest",
    "qualification": "audits.AssessorQualification",
    "impartiality_risk": "certification.ImpartialityRisk",
    "committee_meeting": "certification.CommitteeMeeting",
}


def owner_reference(owner: models.Model) -> dict:
    """The generic-relation fields that point at `owner`: use in filters and constructors."""
    return {
        "content_type": ContentType.objects.get_for_model(owner, for_concrete_model=False),
        "object_id": owner.pk,
    }


class DocumentQuerySet(models.QuerySet):
    def for_owner(self, owner: models.Model) -> "DocumentQuerySet":
        return self.filter(**owner_reference(owner))

    def of_type(self, doc_type: str) -> "DocumentQuerySet":
        return self.filter(doc_type=doc_type)

    def kept(self) -> "DocumentQuerySet":
        """Versions nobody removed: what fills a slot."""
        return self.filter(state=Document.State.KEPT)


def _may_change_owner_documents(document: "Document", user) -> bool | str:
    """Who may take a version out of its slot: who may add documents to its owner (a lazy
    import: the rule lives beside the upload services)."""
    from documents.services import may_upload

    return may_upload.test(document.owner, user)


may_remove = Rule(_may_change_owner_documents, _("You may not change these documents."))


class Document(FSMModelMixin, models.Model):
    """One version of one document of one owner."""

    class State(models.TextChoices):
        KEPT = "kept", _("In use")
        REMOVED = "removed", _("Removed")

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner type")
    )
    object_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("content_type", "object_id")
    doc_type = models.CharField(_("type"), max_length=40, choices=DOC_TYPE_CHOICES)
    version = models.PositiveIntegerField(_("version"))
    # Key in the default storage: documents/<yyyy>/<uuid4 hex>/<sanitised name>.
    file = models.FileField(_("file"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    mime_type = models.CharField(
        _("content type"), max_length=100, help_text=_("Detected from the file's bytes.")
    )
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
        help_text=_("Empty for documents the system generated."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    generated = models.BooleanField(_("generated by the system"), default=False)
    # Idempotency key of a generated document (e.g. "certificate:12:v0"): a retried task finds
    # the document it already made instead of adding a version.
    source_key = models.CharField(_("source key"), max_length=100, blank=True, default="")
    # Removal is a marker, never a deletion: the row and the file stay for the record, the
    # version stays in the history, but it no longer fills its slot (documents.services.
    # document_remove; a replacement marks the version it replaces the same way).
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removed_note = models.CharField(_("why removed"), max_length=200, blank=True, default="")
    # In use, or removed (the `remove` transition; who and when are also in the log).
    state = FSMField(
        _("state"), max_length=8, choices=State.choices, default=State.KEPT, protected=True
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["content_type_id", "object_id", "doc_type", "-version"]
        indexes = [models.Index(fields=["content_type", "object_id", "doc_type"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "doc_type", "version"],
                name="document_owner_type_version_unique",
            ),
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~Q(source_key=""),
                name="document_source_key_unique",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
            models.CheckConstraint(
                condition=Q(generated=False) | ~Q(source_key=""),
                name="document_generated_has_source_key",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(removed_by__isnull=False),
                name="document_removal_names_who",
            ),
            models.CheckConstraint(
                condition=Q(state="kept", removed_at__isnull=True)
                | Q(state="removed", removed_at__isnull=False),
                name="document_state_matches_removal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.version})"

    @property
    def removed(self) -> bool:
        return self.state == self.State.REMOVED

    @transition(
        field=state,
        source=State.KEPT,
        target=State.REMOVED,
        permission=may_remove,
        custom={"label": _("Remove the document")},
    )
    def remove(self):
        pass

    @property
    def previewable(self) -> bool:
        """Shown in the browser (PDF, image) rather than only downloaded."""
        return self.mime_type in PREVIEW_TYPES

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @classmethod
    def for_owner(cls, owner: models.Model, **fields) -> "Document":
        """An unsaved document attached to `owner`."""
        return cls(**owner_reference(owner), **fields)
