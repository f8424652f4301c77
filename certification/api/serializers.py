"""What the certification API reads and writes. Serializers only shape data: rules live in
the services (writes) and selectors (who sees what)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from certification.models import (
    Appeal,
    Application,
    BodyRegistration,
    Certificate,
    Complaint,
    Decision,
    Organisation,
    Province,
    Scheme,
    SupplyChainStage,
)
from core.api.views import CommentSerializer
from core.limits import TEXT_MAX_LENGTH
from core.models import User


class StateLabelMixin(serializers.Serializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)


# --- Organisations and schemes --------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "short_name",
            "tax_code",
            "address",
            "commune",
            "province",
            "sector",
            "email",
            "phone",
            "code",
            "registration_number",
            "accreditation_body",
            "accreditation_number",
            "is_active",
        ]


class SchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scheme
        fields = [
            "id",
            "code",
            "name",
            "standard",
            "checklist_code",
            "validity_months",
            "surveillance_interval_months",
            "major_close_days",
            "minor_plan_days",
            "stage2_within_months",
            "major_verify_months",
            "suspension_max_months",
            "restore_within_months",
            "trace_test_target_hours",
            "escalate_overdue_minors",
            "minors_per_section_warning",
            "appeal_days",
            "registration_validity_years",
            "required_document_types",
            "legal_bases",
            "trace_test_tolerance_percent",
            "mark_use_rules",
            "stop_use_days",
            "man_day_table",
            "is_active",
        ]


# --- Applications ----------------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    gtin = serializers.CharField(max_length=14, required=False, allow_blank=True)


class SiteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    risk = serializers.ChoiceField(
        choices=["high"], required=False, help_text="A high-risk site is always audited."
    )


class ScopeSerializer(serializers.Serializer):
    """The scope and contact of an application (checked again by the services)."""

    products = ProductSerializer(many=True, required=False)
    sites = SiteSerializer(many=True, required=False)
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=SupplyChainStage.choices), required=False
    )
    sector_standard = serializers.CharField(max_length=100, required=False, allow_blank=True)
    scope_note = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    employees_in_scope = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    # A transfer from another body: its certificate.
    previous_body_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    previous_certificate_number = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )
    previous_certificate_valid_until = serializers.DateField(required=False, allow_null=True)


class TransferReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    open_majors = serializers.IntegerField(min_value=0)


class ApplicationCreateSerializer(ScopeSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE)
    )
    body = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
    )
    scheme = serializers.PrimaryKeyRelatedField(queryset=Scheme.objects.all())
    kind = serializers.ChoiceField(
        choices=Application.Kind.choices, default=Application.Kind.INITIAL
    )
    renews = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.all(), required=False, allow_null=True
    )

    def __init__(self, *args, visible_certificates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if visible_certificates is not None:
            # A certificate the user may not see is reported as unknown, not as someone else's.
            self.fields["renews"].queryset = visible_certificates


class ApplicationListSerializer(StateLabelMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)
    scheme_code = serializers.CharField(source="scheme.code", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "kind",
            "state",
            "state_label",
            "enterprise",
            "enterprise_name",
            "body",
            "body_name",
            "scheme",
            "scheme_code",
            "submitted_at",
            "created_at",
            "updated_at",
        ]


class ApplicationSerializer(ApplicationListSerializer):
    products = ProductSerializer(many=True, read_only=True)
    sites = SiteSerializer(many=True, read_only=True)
    stages = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "mark_rules_accepted_at",
            "employees_in_scope",
            "renews",
            "products",
            "sites",
            "stages",
            "sector_standard",
            "scope_note",
            "contact_name",
            "contact_email",
            "contact_phone",
            "filed_by_body",
            "contract_reference",
            "scope_within_competence",
            "technical_reviewer",
            "technical_review_note",
            "decision_maker",
            "previous_body_name",
            "previous_certificate_number",
            "previous_certificate_valid_until",
            "transfer_review_note",
            "transfer_open_majors",
            "transfer_reviewed_at",
        ]


class AcceptSerializer(CommentSerializer):
    contract_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    scope_within_competence = serializers.BooleanField(required=False, default=False)


class TechnicalReviewSerializer(CommentSerializer):
    technical_review_note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class DecisionSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    decision_maker_name = serializers.CharField(
        source="decision_maker.get_full_name", read_only=True
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "application",
            "application_number",
            "outcome",
            "reasons",
            "technical_review_note",
            "decided_on",
            "number",
            "decision_maker",
            "decision_maker_name",
            "signer_name",
            "signer_title",
            "legal_bases",
        ]


# --- Certificates ------------------------------------------------------------------------------


class CertificateListSerializer(StateLabelMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)
    decision_number = serializers.CharField(source="decision.number", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "base_number",
            "version",
            "state",
            "state_label",
            "application",
            "enterprise",
            "enterprise_name",
            "body",
            "body_name",
            "scheme",
            "standard",
            "sector_standard",
            "decision_number",
            "initially_certified_on",
            "issued_on",
            "valid_from",
            "valid_until",
            "next_surveillance_due",
        ]


class CertificateSerializer(CertificateListSerializer):
    products = ProductSerializer(many=True, read_only=True)
    sites = SiteSerializer(many=True, read_only=True)
    stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta(CertificateListSerializer.Meta):
        fields = [
            *CertificateListSerializer.Meta.fields,
            "decision",
            "products",
            "sites",
            "stages",
            "original_valid_until",
            "suspended_until",
            "expired_on",
            "restored_on",
            "superseded_by",
            "is_current",
        ]


class SuspendSerializer(CommentSerializer):
    until = serializers.DateField(required=False, allow_null=True, default=None)


class PublicProductSerializer(serializers.Serializer):
    name = serializers.CharField()
    gtin = serializers.CharField(allow_blank=True, help_text="GTIN (8 to 14 digits) or empty.")


class PublicSiteSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField(allow_blank=True)


class PublicScopeSerializer(serializers.Serializer):
    """What the certificate covers: products, sites and supply-chain stages."""

    products = PublicProductSerializer(many=True)
    sites = PublicSiteSerializer(many=True)
    stages = serializers.ListField(child=serializers.ChoiceField(choices=SupplyChainStage.choices))


class PublicCertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    holder = serializers.CharField()
    standard = serializers.CharField()
    sector_standard = serializers.CharField(allow_blank=True)
    decision_number = serializers.CharField(allow_blank=True)
    scope = PublicScopeSerializer()
    state = serializers.ChoiceField(choices=Certificate.State.choices)
    state_label = serializers.CharField()
    issued = serializers.DateField()
    initially_certified_on = serializers.DateField(allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    lapsed_from = serializers.DateField(
        allow_null=True, help_text="Not valid from this day (expired) …"
    )
    lapsed_until = serializers.DateField(
        allow_null=True, help_text="… until this day (restored by a decision)."
    )
    body = serializers.CharField()
    is_current = serializers.BooleanField()
    current_number = serializers.CharField(
        allow_null=True, help_text="The number of the certificate that replaced this one."
    )
    stop_use_by = serializers.DateField(
        allow_null=True,
        help_text="Suspended or withdrawn: the holder must stop using the certificate by then.",
    )


# The most numbers one bulk lookup may ask about.
LOOKUP_MAX_NUMBERS = 500


class PublicLookupSerializer(serializers.Serializer):
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=60),
        min_length=1,
        max_length=LOOKUP_MAX_NUMBERS,
        help_text=f"Up to {LOOKUP_MAX_NUMBERS} certificate numbers (case ignored).",
    )


class PublicLookupRowSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="The number as asked.")
    found = serializers.BooleanField()
    certificate = PublicCertificateSerializer(allow_null=True)


class PublicLookupResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Distinct numbers asked.")
    found = serializers.IntegerField(help_text="How many of them are certificates.")
    results = PublicLookupRowSerializer(many=True)


# --- Registrations, appeals, complaints -------------------------------------------------------


class RegistrationSerializer(StateLabelMixin, serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", read_only=True)
    scheme_code = serializers.CharField(source="scheme.code", read_only=True)
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = BodyRegistration
        fields = [
            "id",
            "body",
            "body_name",
            "scheme",
            "scheme_code",
            "jurisdiction",
            "state",
            "state_label",
            "registration_number",
            "registered_on",
            "valid_until",
            "assessor_count",
            "note",
            "created_at",
        ]


class RegistrationCreateSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
    )
    scheme = serializers.PrimaryKeyRelatedField(queryset=Scheme.objects.all())
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Province.objects.all(),
        required=False,
        allow_null=True,
        help_text="Ignored: registrations are filed with the national authority.",
    )
    assessor_count = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RegisterSerializer(CommentSerializer):
    registration_number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class AppealSerializer(StateLabelMixin, serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = [
            "id",
            "subject",
            "state",
            "state_label",
            "enterprise",
            "body",
            "application",
            "certificate",
            "finding",
            "grounds",
            "lodged_by",
            "handler",
            "outcome_reasons",
            "created_at",
        ]


class AppealCreateSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=Appeal.Subject.choices)
    grounds = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.none(), required=False, allow_null=True
    )
    certificate = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.none(), required=False, allow_null=True
    )
    finding = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The major finding whose grading is appealed (subject finding_grading)."),
    )

    def __init__(self, *args, applications=None, certificates=None, findings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if applications is not None:
            self.fields["application"].queryset = applications
        if certificates is not None:
            self.fields["certificate"].queryset = certificates
        if findings is not None:
            self.fields["finding"].queryset = findings


class HandlerSerializer(CommentSerializer):
    handler = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text=_("The decision maker who considers the appeal."),
    )


class ComplaintSerializer(StateLabelMixin, serializers.ModelSerializer):
    certificate_number = serializers.CharField(
        source="certificate.number", read_only=True, default=None
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "state",
            "state_label",
            "body",
            "enterprise",
            "certificate",
            "certificate_number",
            "complainant_name",
            "complainant_email",
            "submitted_by",
            "subject",
            "description",
            "resolution",
            "created_at",
        ]


class ComplaintCreateSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)
    )
    complainant_email = serializers.EmailField()
    complainant_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE),
        required=False,
        allow_null=True,
    )
    certificate = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Certificate.objects.all(),
        required=False,
        allow_null=True,
        help_text="Certificate number, as printed.",
    )


# --- Reports -------------------------------------------------------------------------------------


class ScopeRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["province", "certification_body"])
    id = serializers.IntegerField()
    name = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    scope = ScopeRowSerializer(many=True)
    applications = serializers.DictField(child=serializers.IntegerField())
    certificates = serializers.DictField(child=serializers.IntegerField())
    open_findings = serializers.DictField(child=serializers.IntegerField())
