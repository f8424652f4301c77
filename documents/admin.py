from django.contrib import admin

from documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are added by the upload service and the generation tasks, and
    downloaded through the permission-checked view, never from here."""

    list_display = (
        "original_name",
        "doc_type",
        "version",
        "content_type",
        "object_id",
        "size",
        "generated",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("doc_type", "generated", "content_type")
    search_fields = ("original_name", "sha256", "source_key")
    list_select_related = ("content_type", "uploaded_by")
    date_hierarchy = "uploaded_at"
    readonly_fields = [f.name for f in Document._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
