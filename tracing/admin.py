from django.contrib import admin

from tracing.models import EpcisDataset, EpcisEndpoint, ProposedFinding, TraceAnalysis, TraceRules


@admin.register(TraceRules)
class TraceRulesAdmin(admin.ModelAdmin):
    """The required KDEs per CTE are data: edited here, per scheme (the tolerance is the
    scheme's trace-test tolerance)."""

    list_display = ["scheme", "updated_at"]
    autocomplete_fields = ["scheme"]


@admin.register(EpcisEndpoint)
class EpcisEndpointAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "url", "registered_by", "updated_at"]
    exclude = ["token"]  # a secret: never shown
    readonly_fields = ["enterprise", "url", "registered_by"]


@admin.register(EpcisDataset)
class EpcisDatasetAdmin(admin.ModelAdmin):
    list_display = ["pk", "audit", "source", "event_count", "answer_seconds", "created_at"]
    list_filter = ["source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(TraceAnalysis)
class TraceAnalysisAdmin(admin.ModelAdmin):
    list_display = ["pk", "gtin", "lot", "result", "created_at"]
    list_filter = ["result"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ProposedFinding)
class ProposedFindingAdmin(admin.ModelAdmin):
    list_display = ["pk", "analysis", "code", "severity", "state"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
