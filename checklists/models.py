"""Checklist templates (versioned, imported from data files), their sections and items.

A template version is immutable once an audit has pinned it: a change is a new version number.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel
from core.workflow import rule

# Audit kinds an item may name in `applies_to`. A special audit uses every item of its template.
ITEM_AUDIT_KINDS = ("stage1", "stage2", "surveillance", "recertification")


def _in_active_language(obj: models.Model, name: str) -> str:
    language = translation.get_language() or ""
    return getattr(obj, f"{name}_en" if language.startswith("en") else f"{name}_vi")


class Severity(models.TextChoices):
    """The default severity of a nonconformity with an item (the assessor may adjust it)."""

    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class ChecklistTemplate(TimeStampedModel):
    """One version of a checklist (code + version), with its sections and items."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # a copy being prepared; no audit can pin it
        PUBLISHED = "published", _("Published")  # available to new audits

    code = models.SlugField(_("code"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    standard = models.CharField(_("standard"), max_length=100)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    description_vi = models.TextField(
        _("description (Vietnamese)"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    description_en = models.TextField(
        _("description (English)"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        editable=False,
        help_text=_("SHA-256 of the canonical content (everything but the version number)."),
    )
    # Changed only by the services (import, publish), which log it.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    source_file = models.CharField(_("source file"), max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="checklisttemplate_code_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="checklisttemplate_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]),
                name="checklisttemplate_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def title(self) -> str:
        return _in_active_language(self, "title")

    @property
    def description(self) -> str:
        return _in_active_language(self, "description")

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ChecklistSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("template"),
    )
    code = models.CharField(_("code"), max_length=20)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"], name="checklistsection_template_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def title(self) -> str:
        return _in_active_language(self, "title")


class ChecklistItem(models.Model):
    """One requirement. `template` repeats `section.template` so that the items of a template
    (and an audit's answers) are read without a join; the services keep the two equal."""

    section = models.ForeignKey(
        ChecklistSection,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("section"),
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    code = models.CharField(_("code"), max_length=20)
    clause = models.CharField(_("clause"), max_length=100, blank=True)
    # Whether the clause number was read in the standard or inferred (checklists.clauses);
    # reports print an inferred clause as its requirement group, never as a number.
    clause_status = models.CharField(
        _("clause status"),
        max_length=8,
        choices=[("verified", _("Verified")), ("inferred", _("Inferred"))],
        default="inferred",
    )
    requirement_vi = models.TextField(_("requirement (Vietnamese)"), max_length=TEXT_MAX_LENGTH)
    requirement_en = models.TextField(_("requirement (English)"), max_length=TEXT_MAX_LENGTH)
    guidance_vi = models.TextField(
        _("guidance (Vietnamese)"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    guidance_en = models.TextField(_("guidance (English)"), blank=True, max_length=TEXT_MAX_LENGTH)
    evidence_vi = models.TextField(
        _("evidence to look for (Vietnamese)"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    evidence_en = models.TextField(
        _("evidence to look for (English)"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    severity = models.CharField(_("default severity"), max_length=5, choices=Severity.choices)
    applies_to = models.JSONField(
        _("applies to"),
        default=list,
        help_text=_("Audit kinds this item is checked in (stage1, stage2, surveillance, …)."),
    )
    # Order within the whole template (sections first, then items).
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"], name="checklistitem_template_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["major", "minor"]), name="checklistitem_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.requirement[:60]}"

    @property
    def requirement(self) -> str:
        return _in_active_language(self, "requirement")

    @property
    def clause_printed(self) -> str:
        from checklists.clauses import clause_as_printed

        return clause_as_printed(self.clause, self.clause_status)

    @property
    def guidance(self) -> str:
        return _in_active_language(self, "guidance")

    @property
    def evidence(self) -> str:
        return _in_active_language(self, "evidence")

    def applies_to_kind(self, kind: str) -> bool:
        """Whether the item is checked in an audit of `kind` (a special audit checks all)."""
        return kind == "special" or kind in (self.applies_to or [])

    def applies_to_audit(self, audit) -> bool:
        """Whether the item is checked in `audit`: listed in its audit programme when it has
        one (checklists.programme), else by the audit's kind."""
        if audit.programme_items:
            return self.code in audit.programme_items
        return self.applies_to_kind(audit.kind)


class AuditChecklist(models.Model):
    """The template version an audit uses, chosen when the audit is created. Later versions
    never change it (the version is PROTECTed while pinned)."""

    audit = models.OneToOneField(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="checklist",
        verbose_name=_("audit"),
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="audit_checklists",
        verbose_name=_("template version"),
    )
    pinned_at = models.DateTimeField(_("pinned at"), auto_now_add=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pinned by"),
    )
    # Raised by one on every write of the audit's answers; each answer keeps the value of the
    # write that last changed it (its version), so devices ask for "changes since version N".
    sync_version = models.PositiveBigIntegerField(_("sync version"), default=0, editable=False)

    class Meta:
        verbose_name = _("audit checklist")
        verbose_name_plural = _("audit checklists")

    def __str__(self) -> str:
        return f"{self.audit_id}: {self.template}"


class ChecklistAnswer(models.Model):
    """An audit team's answer to one item of the audit's pinned template."""

    class Result(models.TextChoices):
        CONFORM = "conform", _("Conforms")
        MINOR = "minor", _("Minor nonconformity")
        MAJOR = "major", _("Major nonconformity")
        OBSERVATION = "observation", _("Observation")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    # Results that must say why (a note).
    NOTE_REQUIRED = (Result.NOT_APPLICABLE, Result.MINOR, Result.MAJOR)
    # Results that are nonconformities and need a finding.
    NONCONFORMITIES = (Result.MINOR, Result.MAJOR)

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="checklist_answers",
        verbose_name=_("audit"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("item"),
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"))
    finding = models.ForeignKey(
        "audits.Finding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_answers",
        verbose_name=_("finding"),
    )
    # The audit's sync version of the write that last changed this answer.
    version = models.PositiveBigIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["audit_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "item"], name="checklistanswer_audit_item"),
            models.CheckConstraint(
                condition=Q(
                    result__in=["conform", "minor", "major", "observation", "not_applicable"]
                ),
                name="checklistanswer_result_valid",
            ),
            models.CheckConstraint(
                condition=~Q(result__in=["not_applicable", "minor", "major"]) | ~Q(note=""),
                name="checklistanswer_note_when_required",
                violation_error_message=_(
                    "A note is required for a nonconformity or a “not applicable” answer."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"


# --- Working offline: devices, idempotency receipts, conflicts, evidence photos ---------------


class SyncDevice(models.Model):
    """A browser (phone, tablet, laptop) of a team member that keeps a local queue of answers
    and photos of an audit. It reports how many changes still wait in its queue on every sync
    and status call; the report cannot be submitted while any device reports some."""

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="sync_devices",
        verbose_name=_("audit"),
    )
    device_id = models.UUIDField(_("device"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    pending = models.PositiveIntegerField(_("changes waiting to sync"), default=0)
    label = models.CharField(_("label"), max_length=200, blank=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("sync device")
        verbose_name_plural = _("sync devices")
        ordering = ["audit_id", "-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "device_id"], name="syncdevice_audit_device"),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.device_id}: {self.pending}"


class SyncReceipt(models.Model):
    """What the server did with one change sent under an idempotency key: a change sent again
    under the same key is answered from here and stored nothing new."""

    class Outcome(models.TextChoices):
        SAVED = "saved", _("Saved")
        CONFLICT = "conflict", _("Conflict")

    key = models.UUIDField(_("idempotency key"), unique=True)
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.CASCADE, related_name="+", verbose_name=_("audit")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    version = models.PositiveBigIntegerField(_("version"))
    conflict = models.ForeignKey(
        "checklists.AnswerConflict",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conflict"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sync receipt")
        verbose_name_plural = _("sync receipts")

    def __str__(self) -> str:
        return f"{self.key}: {self.outcome}"


@rule(_("Only the lead assessor of this audit resolves a conflict."))
def lead_of_conflict_audit(conflict, user):
    from audits.rules import lead_of_audit

    return lead_of_audit.test(conflict.audit, user)


class AnswerConflict(FSMModelMixin, models.Model):
    """An answer sent by a device that was based on an older version of the item's answer than
    the server's, and differs from it. The server keeps its answer and this one side by side;
    the lead chooses (keep the server's answer, or take the device's)."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the lead")
        KEPT = "kept", _("Server answer kept")
        TAKEN = "taken", _("Device answer taken")

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="answer_conflicts",
        verbose_name=_("audit"),
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    state = FSMField(
        _("state"), max_length=8, choices=State.choices, default=State.OPEN, protected=True
    )
    # The device's answer.
    result = models.CharField(_("result"), max_length=16, choices=ChecklistAnswer.Result.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"))
    device_id = models.UUIDField(_("device"), null=True, blank=True)
    base_version = models.PositiveBigIntegerField(_("based on version"))
    # The server's answer when the conflict was found.
    server_version = models.PositiveBigIntegerField(_("server version"))
    server_result = models.CharField(_("server result"), max_length=16, blank=True)
    server_note = models.TextField(_("server note"), blank=True)
    server_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("server answer by"),
    )
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer conflict")
        verbose_name_plural = _("answer conflicts")
        ordering = ["audit_id", "item__position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "kept", "taken"]),
                name="answerconflict_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.item_id}: {self.result} ≠ {self.server_result}"

    @property
    def server_result_label(self) -> str:
        choices = dict(ChecklistAnswer.Result.choices)
        return str(choices.get(self.server_result, self.server_result))

    @transition(
        field=state,
        source=State.OPEN,
        target=State.KEPT,
        permission=lead_of_conflict_audit,
        custom={"label": _("Keep the server's answer")},
    )
    def keep_server(self):
        pass

    @transition(
        field=state,
        source=State.OPEN,
        target=State.TAKEN,
        permission=lead_of_conflict_audit,
        custom={"label": _("Take the device's answer")},
    )
    def take_device(self):
        pass


class EvidencePhoto(models.Model):
    """A photo or file taken as evidence for a checklist item or a finding of an audit. HEIC
    and HEIF photos are stored as JPEG; the time and place the camera recorded (EXIF) are kept
    as evidence metadata."""

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="evidence_photos",
        verbose_name=_("audit"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item"),
    )
    finding = models.ForeignKey(
        "audits.Finding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_photos",
        verbose_name=_("finding"),
    )
    upload_key = models.UUIDField(_("upload"), unique=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", max_length=255)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="evidence/thumbs/%Y/%m/", max_length=255, blank=True
    )
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    converted_from = models.CharField(_("converted from"), max_length=10, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["audit_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class EvidenceUpload(models.Model):
    """A file being uploaded in chunks (resumable): the bytes received so far wait in a
    temporary file; the last chunk turns it into an EvidencePhoto."""

    key = models.UUIDField(_("upload"), primary_key=True)
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.CASCADE, related_name="+", verbose_name=_("audit")
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item"),
    )
    finding = models.ForeignKey(
        "audits.Finding",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finding"),
    )
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    received = models.PositiveBigIntegerField(_("received"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    photo = models.OneToOneField(
        EvidencePhoto,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence upload")
        verbose_name_plural = _("evidence uploads")

    def __str__(self) -> str:
        return f"{self.filename} ({self.received}/{self.size})"
