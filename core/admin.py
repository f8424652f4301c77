from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.models import Counter, LogEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Profile"), {"fields": ("full_name", "phone", "preferred_language")}),
    )
    list_display = ("username", "full_name", "email", "preferred_language", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Read-only: the history is evidence and is never edited."""

    list_display = (
        "created_at",
        "object_repr",
        "transition",
        "source_state",
        "target_state",
        "actor_name",
    )
    list_filter = ("content_type", "transition")
    search_fields = ("object_repr", "actor_name", "comment")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    """Read-only: numbers are handed out by the services."""

    list_display = ("series", "year", "value")
    list_filter = ("year",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
