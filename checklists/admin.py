"""Checklist templates in the admin: read the sections and items, copy a version into a new
draft, publish a draft. Items change through data files (export_checklist → edit →
import_checklists); a published or used version is read-only here."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from checklists.models import (
    AnswerConflict,
    AuditChecklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidencePhoto,
    EvidenceUpload,
    SyncDevice,
    SyncReceipt,
)
from checklists.selectors import used_template_ids
from checklists.services import template_copy_as_draft, template_publish, template_update_draft
from core.exceptions import DomainError

_TEMPLATE_TEXTS = ("standard", "title_vi", "title_en", "description_vi", "description_en")


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SectionInline(_ReadOnlyInline):
    model = ChecklistSection
    fields = ("position", "code", "title_vi", "title_en")
    readonly_fields = fields


class ItemInline(_ReadOnlyInline):
    model = ChecklistItem
    fk_name = "template"
    fields = ("position", "code", "section", "clause", "requirement_vi", "severity", "applies_to")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "title_vi", "status", "item_count", "updated_at")
    list_filter = ("status", "code")
    search_fields = ("code", "title_vi", "title_en", "standard")
    inlines = [SectionInline, ItemInline]
    actions = ["copy_into_new_draft", "publish"]
    readonly_fields = ("code", "version", "status", "content_hash", "source_file")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description=_("items"), ordering="item_total")
    def item_count(self, obj):
        return obj.item_total

    def _is_frozen(self, obj) -> bool:
        return obj.is_published or bool(used_template_ids([obj.pk]))

    def has_change_permission(self, request, obj=None):
        # A published or used version is only viewed; a draft's texts may be edited.
        if obj is not None and self._is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # versions come from data files or from copying a version

    def has_delete_permission(self, request, obj=None):
        # Only a draft no audit uses may go; the list page (obj None) keeps the bulk action off.
        return (
            obj is not None
            and not self._is_frozen(obj)
            and super().has_delete_permission(request, obj)
        )

    def get_deleted_objects(self, objs, request):
        # A draft's sections and items go with it; they have no delete permission of their own.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        content = {str(m._meta.verbose_name) for m in (ChecklistSection, ChecklistItem)}
        return deleted, counts, {p for p in perms_needed if str(p) not in content}, protected

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        try:
            template_update_draft(
                template=obj, by=request.user, **{f: form.cleaned_data[f] for f in _TEMPLATE_TEXTS}
            )
        except (DomainError, PermissionDenied) as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description=_("Copy into a new draft version"))
    def copy_into_new_draft(self, request, queryset):
        for template in queryset:
            try:
                draft = template_copy_as_draft(template=template, by=request.user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            self.message_user(
                request,
                _("%(source)s copied into the draft version %(version)d.")
                % {"source": template, "version": draft.version},
            )

    @admin.action(description=_("Publish"))
    def publish(self, request, queryset):
        for template in queryset:
            try:
                template_publish(template=template, by=request.user)
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, f"{template}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(t)s published.") % {"t": template})


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Sections and items are read here; they change only through data files."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(_ReadOnlyAdmin):
    list_display = ("template", "position", "code", "title_vi")
    list_filter = ("template",)
    list_select_related = ("template",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(_ReadOnlyAdmin):
    list_display = ("template", "code", "clause", "severity", "section")
    list_filter = ("template", "severity")
    search_fields = ("code", "requirement_vi", "requirement_en", "clause")
    list_select_related = ("template", "section")


@admin.register(AuditChecklist)
class AuditChecklistAdmin(_ReadOnlyAdmin):
    """Which version each audit pinned (set when the audit is created, never changed)."""

    list_display = ("audit", "template", "pinned_at", "pinned_by")
    list_filter = ("template",)
    list_select_related = ("audit__application", "audit__certificate", "template", "pinned_by")


@admin.register(ChecklistAnswer)
class ChecklistAnswerAdmin(_ReadOnlyAdmin):
    """Answers are given by the audit team in the application, never here."""

    list_display = ("audit", "item", "result", "answered_by", "answered_at", "finding")
    list_filter = ("result",)
    list_select_related = (
        "audit__application",
        "audit__certificate",
        "item__template",
        "answered_by",
        "finding",
    )


# --- Working offline: read-only records (changed only through the sync services) -------------


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncDevice)
class SyncDeviceAdmin(_ReadOnlyAdmin):
    list_display = ("audit", "user", "device_id", "pending", "last_seen")
    list_select_related = ("audit", "user")
    list_filter = ("last_seen",)


@admin.register(SyncReceipt)
class SyncReceiptAdmin(_ReadOnlyAdmin):
    list_display = ("key", "audit", "item", "user", "outcome", "version", "created_at")
    list_select_related = ("audit", "item", "user")
    list_filter = ("outcome",)


@admin.register(AnswerConflict)
class AnswerConflictAdmin(_ReadOnlyAdmin):
    list_display = (
        "audit",
        "item",
        "state",
        "result",
        "server_result",
        "answered_by",
        "created_at",
    )
    list_select_related = ("audit", "item", "answered_by")
    list_filter = ("state",)


@admin.register(EvidencePhoto)
class EvidencePhotoAdmin(_ReadOnlyAdmin):
    list_display = ("original_name", "audit", "item", "finding", "taken_at", "uploaded_by")
    list_select_related = ("audit", "item", "finding", "uploaded_by")
    exclude = ("file", "thumbnail")  # downloads go through the permission-checked API


@admin.register(EvidenceUpload)
class EvidenceUploadAdmin(_ReadOnlyAdmin):
    list_display = ("key", "audit", "filename", "received", "size", "user", "created_at")
    list_select_related = ("audit", "user")
