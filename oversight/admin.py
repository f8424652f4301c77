import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oversight.models import (
    HighRiskCoverageSnapshot,
    HighRiskProduct,
    HighRiskProductGroup,
    OutsideCertification,
    PlanActivity,
    PlanTarget,
    PortalRecord,
)
from oversight.services import portal_record_resend


@admin.register(PlanTarget)
class PlanTargetAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "label_vi",
        "jurisdiction",
        "target_value",
        "unit",
        "computed",
        "year_from",
        "year_to",
    )
    list_filter = ("jurisdiction", "computed")
    search_fields = ("code", "label_vi", "label_en")
    list_select_related = ("jurisdiction",)
    ordering = ("position", "code")


@admin.register(HighRiskProductGroup)
class HighRiskProductGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "ministry", "jurisdiction")
    list_filter = ("jurisdiction", "ministry")
    search_fields = ("name",)
    list_select_related = ("jurisdiction",)
    raw_id_fields = ("certificates", "enterprises")


@admin.register(HighRiskProduct)
class HighRiskProductAdmin(admin.ModelAdmin):
    list_display = ("name", "group")
    list_filter = ("group__jurisdiction", "group__ministry")
    search_fields = ("name", "group__name")
    list_select_related = ("group",)
    raw_id_fields = ("group", "certificates", "enterprises")


@admin.register(HighRiskCoverageSnapshot)
class HighRiskCoverageSnapshotAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction", "year", "products_covered", "products_total", "taken_on")
    list_filter = ("jurisdiction", "year")
    list_select_related = ("jurisdiction",)
    readonly_fields = ("by_group",)


@admin.register(OutsideCertification)
class OutsideCertificationAdmin(admin.ModelAdmin):
    list_display = ("certificate_number", "issuer", "enterprise_name", "tax_code", "valid_until")
    list_filter = ("jurisdiction",)
    search_fields = ("certificate_number", "issuer", "enterprise_name", "tax_code")
    list_select_related = ("jurisdiction",)
    raw_id_fields = ("recorded_by",)


@admin.register(PlanActivity)
class PlanActivityAdmin(admin.ModelAdmin):
    list_display = ("date", "target", "jurisdiction", "quantity", "recorded_by")
    list_filter = ("jurisdiction", "target__code")
    search_fields = ("description",)
    list_select_related = ("target", "jurisdiction", "recorded_by")
    date_hierarchy = "date"
    readonly_fields = (
        "evidence",
        "evidence_name",
        "evidence_sha256",
        "evidence_mime_type",
        "recorded_by",
    )


@admin.register(PortalRecord)
class PortalRecordAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "certificate_version",
        "certificate_state",
        "status",
        "attempts",
        "last_status_code",
        "sent_at",
        "created_at",
    )
    list_filter = ("status", "certificate_state", "schema_version")
    search_fields = ("certificate__number", "idempotency_key")
    list_select_related = ("certificate",)
    actions = ("resend",)
    readonly_fields = (
        "certificate",
        "certificate_version",
        "certificate_state",
        "schema_version",
        "idempotency_key",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "sent_at",
        "created_at",
        "updated_at",
        "payload_pretty",
    )
    exclude = ("payload",)

    @admin.display(description=_("payload"))
    def payload_pretty(self, record: PortalRecord) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(record.payload, ensure_ascii=False, indent=2)
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Resend the selected records to the national portal"))
    def resend(self, request, queryset) -> None:
        count = 0
        for record in queryset:
            portal_record_resend(record=record, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d record queued again.", "%(n)d records queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
