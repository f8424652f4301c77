from django.contrib import admin

from signing.models import SignedPdf, SigningCertificate


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ["subject", "body", "not_after", "is_demo", "retired_at"]
    list_filter = ["is_demo", "body"]
    search_fields = ["subject", "fingerprint", "serial_number"]
    readonly_fields = [f.name for f in SigningCertificate._meta.fields]

    def has_add_permission(self, request):
        # Registered through signing_certificate_register (page or command): it validates.
        return False


@admin.register(SignedPdf)
class SignedPdfAdmin(admin.ModelAdmin):
    list_display = ["kind", "certificate", "decision", "edition", "signed_at", "timestamped"]
    list_filter = ["kind"]
    search_fields = ["sha256", "certificate__number"]
    readonly_fields = [f.name for f in SignedPdf._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
