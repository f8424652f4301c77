from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.models import Counter, LogEntry, OutboxMessage, User


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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Follow-ups of changes waiting for delivery: stuck (pending long past due) and failed
    messages show here with their last error; "Deliver again" puts them back in the queue."""

    list_display = (
        "id",
        "kind",
        "status",
        "attempts",
        "created_at",
        "available_at",
        "delivered_at",
        "short_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("kind", "dedupe_key", "last_error")
    date_hierarchy = "created_at"
    actions = ["deliver_again"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return (obj.last_error.splitlines() or [""])[-1][:120]

    @admin.action(description=_("Deliver again"))
    def deliver_again(self, request, queryset):
        from core.outbox import outbox_retry

        count = 0
        for message in queryset.exclude(status=OutboxMessage.Status.PENDING):
            outbox_retry(message=message)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
        )
