from django.contrib import admin

from imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Imports are read here; they are made and confirmed on the import pages only."""

    list_display = (
        "file_name",
        "kind",
        "state",
        "body",
        "jurisdiction",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "state")
    search_fields = ("file_name", "sha256")
    exclude = ("rows", "report")
    list_select_related = ("body", "jurisdiction", "created_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
