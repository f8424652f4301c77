"""Admin of the body's impartiality records (registered from certification.admin). Writes go
through certification.services.impartiality (checked and logged)."""

from django.contrib import admin

from certification.models import BodyConflict, CommitteeDecision, CommitteeMeeting, ImpartialityRisk
from certification.services.impartiality import (
    body_conflict_record,
    body_conflict_update,
    meeting_record,
    risk_record,
    risk_update,
)


class _ServiceAdmin(admin.ModelAdmin):
    create = None
    update = None
    update_kwarg = ""
    readonly_fields = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form.fields
            if name not in {"body", "recorded_by", "state"}
        }
        if change:
            type(self).update(by=request.user, **{self.update_kwarg: obj}, **fields)
        else:
            saved = type(self).create(body=form.cleaned_data["body"], by=request.user, **fields)
            obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # records of the body's impartiality are kept


@admin.register(BodyConflict)
class BodyConflictAdmin(_ServiceAdmin):
    list_display = ("body", "enterprise", "kind", "started_on", "ended_on")
    list_filter = ("kind", "body")
    search_fields = ("enterprise__name", "related_body_name")
    list_select_related = ("body", "enterprise")
    autocomplete_fields = ("body", "enterprise")
    create = staticmethod(body_conflict_record)
    update = staticmethod(body_conflict_update)
    update_kwarg = "conflict"


@admin.register(ImpartialityRisk)
class ImpartialityRiskAdmin(_ServiceAdmin):
    list_display = ("title", "body", "source", "likelihood", "impact", "state", "next_review")
    list_filter = ("state", "source", "body")
    search_fields = ("title",)
    list_select_related = ("body",)
    readonly_fields = ("recorded_by", "state")
    create = staticmethod(risk_record)
    update = staticmethod(risk_update)
    update_kwarg = "risk"


class CommitteeDecisionInline(admin.TabularInline):
    model = CommitteeDecision
    extra = 0
    fields = ("text", "risk", "due_on")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(_ServiceAdmin):
    list_display = ("body", "held_on")
    list_filter = ("body",)
    list_select_related = ("body",)
    inlines = (CommitteeDecisionInline,)
    create = staticmethod(meeting_record)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # minutes are kept as recorded; decisions are added on the page
            return [f.name for f in self.model._meta.fields]
        return ["recorded_by"]


@admin.register(CommitteeDecision)
class CommitteeDecisionAdmin(admin.ModelAdmin):
    """Decisions are added on the meeting's page (logged on the meeting): shown here."""

    list_display = ("meeting", "text", "risk", "due_on")
    list_select_related = ("meeting__body", "risk")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
