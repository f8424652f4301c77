"""Checklist templates (versioned, imported from data files), their sections and items.

A template version is immutable once an audit has pinned it: a change is a new version number.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

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
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
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
    requirement_vi = models.TextField(_("requirement (Vietnamese)"))
    requirement_en = models.TextField(_("requirement (English)"))
    guidance_vi = models.TextField(_("guidance (Vietnamese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    evidence_vi = models.TextField(_("evidence to look for (Vietnamese)"), blank=True)
    evidence_en = models.TextField(_("evidence to look for (English)"), blank=True)
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
    note = models.TextField(_("note"), blank=True)
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
