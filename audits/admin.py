from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audits.models import (
    AssessorQualification,
    Audit,
    AuditTeamMember,
    Finding,
    ImpartialityDeclaration,
    TeamObjection,
    TraceTest,
    TraceTestDirection,
    TrainingRecord,
    WitnessedAudit,
)
from audits.services_people import qualification_delete, qualification_save
from certification.admin import WorkflowAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services (teams carry object permissions, everything is logged):
    shown here, never edited."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class TeamInline(ReadOnlyInline):
    model = AuditTeamMember
    fields = ("user", "role", "created_at")


class FindingInline(ReadOnlyInline):
    model = Finding
    fields = ("severity", "state", "description", "due_date")


@admin.register(AssessorQualification)
class AssessorQualificationAdmin(admin.ModelAdmin):
    """The competence matrix. Saved through audits.services_people (checked and logged)."""

    list_display = (
        "user",
        "function",
        "scheme",
        "technical_area",
        "valid_from",
        "valid_until",
        "witnessed_on",
    )
    list_filter = ("function", "scheme", "technical_area")
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user", "scheme")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data or form.fields}
        if change:
            qualification_save(by=request.user, qualification=obj, **fields)
        else:
            saved = qualification_save(by=request.user, **fields)
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        qualification_delete(qualification=obj, by=request.user)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "provider", "completed_on", "hours", "scheme")
    list_filter = ("scheme",)
    search_fields = ("user__username", "user__full_name", "title", "provider")
    list_select_related = ("user", "scheme")
    raw_id_fields = ("user",)


@admin.register(WitnessedAudit)
class WitnessedAuditAdmin(ReadOnlyAdmin):
    """Witnessed and monitored audits, recorded and corrected on the competence pages (checked
    and logged there)."""

    list_display = ("user", "function", "witnessed_on", "kind", "outcome", "witness")
    list_filter = ("function", "kind", "outcome")
    search_fields = ("user__username", "user__full_name", "external_reference")
    list_select_related = ("user", "witness")


@admin.register(TeamObjection)
class TeamObjectionAdmin(WorkflowAdmin):
    list_display = ("audit", "member", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("audit__application", "audit__certificate", "member")

    def has_add_permission(self, request):
        return False  # raised by the enterprise on the audit's page or through the API


@admin.register(Audit)
class AuditAdmin(WorkflowAdmin):
    list_display = ("__str__", "kind", "mode", "state", "planned_start", "planned_end")
    list_filter = ("state", "kind", "mode")
    search_fields = ("application__number", "certificate__number")
    list_select_related = ("application", "certificate")
    inlines = (TeamInline, FindingInline)

    def has_add_permission(self, request):
        return False  # planned through the pages or the API (checks, team permissions, log)


@admin.register(AuditTeamMember)
class AuditTeamMemberAdmin(ReadOnlyAdmin):
    list_display = ("audit", "user", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("audit__application", "audit__certificate", "user")


@admin.register(ImpartialityDeclaration)
class ImpartialityDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("audit", "user", "is_clean", "signed_at")
    list_select_related = ("audit__application", "audit__certificate", "user")

    @admin.display(boolean=True, description=_("free of conflicts"))
    def is_clean(self, obj):
        return obj.is_clean


@admin.register(TraceTest)
class TraceTestAdmin(ReadOnlyAdmin):
    list_display = ("audit", "gtin", "lot", "direction", "result", "started_at", "ended_at")
    list_filter = ("result", "direction")
    search_fields = ("gtin", "lot")
    list_select_related = ("audit__application", "audit__certificate")


@admin.register(TraceTestDirection)
class TraceTestDirectionAdmin(ReadOnlyAdmin):
    list_display = ("audit", "gtin", "lot", "direction", "started_at", "answered_at", "trace_test")
    list_filter = ("direction",)
    search_fields = ("gtin", "lot")
    list_select_related = ("audit__application", "audit__certificate", "trace_test")


@admin.register(Finding)
class FindingAdmin(WorkflowAdmin):
    list_display = ("__str__", "audit", "severity", "state", "due_date", "escalated_from_minor")
    list_filter = ("state", "severity", "escalated_from_minor")
    search_fields = ("description", "checklist_item_code", "clause_reference")
    list_select_related = ("audit__application", "audit__certificate")

    def has_add_permission(self, request):
        return False
