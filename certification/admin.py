from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from certification.models import (
    Appeal,
    Application,
    BodyRegistration,
    Certificate,
    Complaint,
    ConflictDeclaration,
    Decision,
    Membership,
    Organisation,
    Province,
    Scheme,
    StopUseNotice,
)
from certification.services import membership_end, membership_grant, membership_validate
from core.exceptions import DomainError


@admin.register(Province)
class ProvinceAdmin(GuardedModelAdmin):
    list_display = ("name", "code", "authority_name")
    search_fields = ("name", "code")


@admin.register(Organisation)
class OrganisationAdmin(GuardedModelAdmin):
    list_display = ("name", "kind", "tax_code", "code", "province", "sector", "is_active")
    list_filter = ("kind", "province", "sector", "is_active")
    search_fields = ("name", "short_name", "tax_code", "code")
    list_select_related = ("province",)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role", "organisation", "jurisdiction", "title")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            membership_validate(
                user=data["user"],
                role=data["role"],
                organisation=data.get("organisation"),
                jurisdiction=data.get("jurisdiction"),
            )
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are granted and ended through the services, so permissions follow."""

    form = MembershipForm
    list_display = ("user", "role", "organisation", "jurisdiction", "created_at", "ended_at")
    list_filter = ("role", "ended_at")
    search_fields = ("user__username", "user__full_name", "organisation__name")
    list_select_related = ("user", "organisation", "jurisdiction")
    autocomplete_fields = ("user", "organisation")
    actions = ["end_memberships"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("ended_at",)
        return ("user", "role", "organisation", "jurisdiction", "title", "ended_at")

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable on an existing membership
        created = membership_grant(
            user=obj.user,
            role=obj.role,
            organisation=obj.organisation,
            jurisdiction=obj.jurisdiction,
            title=obj.title,
            by=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("End the selected memberships"))
    def end_memberships(self, request, queryset):
        ended = 0
        for membership in queryset.active():
            try:
                membership_end(membership=membership, by=request.user)
                ended += 1
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, _("%(n)d membership(s) ended.") % {"n": ended})


class WorkflowAdmin(admin.ModelAdmin):
    """State is never edited here: it changes only through the services (pages and API)."""

    def get_readonly_fields(self, request, obj=None):
        fields = ["state"]
        if obj is not None:
            fields += [f.name for f in self.model._meta.fields if f.name not in {"id"}]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "standard",
        "validity_months",
        "surveillance_interval_months",
        "is_active",
    )
    search_fields = ("code", "name", "standard")


@admin.register(Application)
class ApplicationAdmin(WorkflowAdmin):
    list_display = ("number", "enterprise", "body", "scheme", "kind", "state", "created_at")
    list_filter = ("state", "kind", "body", "scheme")
    search_fields = ("number", "enterprise__name", "enterprise__tax_code")
    list_select_related = ("enterprise", "body", "scheme")

    def has_add_permission(self, request):
        return False  # applications are opened through the pages or the API (numbering, history)


@admin.register(Decision)
class DecisionAdmin(WorkflowAdmin):
    list_display = ("application", "outcome", "decision_maker", "decided_on")
    list_select_related = ("application", "decision_maker")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Certificate)
class CertificateAdmin(WorkflowAdmin):
    list_display = (
        "number",
        "enterprise",
        "body",
        "state",
        "issued_on",
        "valid_until",
        "next_surveillance_due",
    )
    list_filter = ("state", "body", "scheme")
    search_fields = ("number", "enterprise__name", "enterprise__tax_code")
    list_select_related = ("enterprise", "body")

    def has_add_permission(self, request):
        return False


@admin.register(BodyRegistration)
class BodyRegistrationAdmin(WorkflowAdmin):
    list_display = ("body", "scheme", "jurisdiction", "state", "registration_number", "valid_until")
    list_filter = ("state", "jurisdiction", "scheme")
    list_select_related = ("body", "scheme", "jurisdiction")

    def has_add_permission(self, request):
        return False


@admin.register(Appeal)
class AppealAdmin(WorkflowAdmin):
    list_display = ("enterprise", "subject", "state", "handler", "created_at")
    list_filter = ("state", "subject")
    list_select_related = ("enterprise", "handler")

    def has_add_permission(self, request):
        return False


@admin.register(Complaint)
class ComplaintAdmin(WorkflowAdmin):
    list_display = ("subject", "body", "enterprise", "state", "complainant_email", "created_at")
    list_filter = ("state", "body")
    list_select_related = ("body", "enterprise")

    def has_add_permission(self, request):
        return False


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    list_display = ("user", "enterprise", "created_at", "ended_on")
    list_select_related = ("user", "enterprise")
    autocomplete_fields = ("user", "enterprise")


@admin.register(StopUseNotice)
class StopUseNoticeAdmin(admin.ModelAdmin):
    """Notices recorded with suspensions and withdrawals: shown, never edited."""

    list_display = ("certificate", "cause", "issued_on", "deadline", "issued_by")
    list_filter = ("cause",)
    search_fields = ("certificate__number",)
    list_select_related = ("certificate", "issued_by")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from certification import admin_impartiality  # noqa: E402, F401  (registers its admins)
