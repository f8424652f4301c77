"""What the audits API reads and writes. Rules live in audits.services and audits.selectors."""

from rest_framework import serializers

from audits.models import (
    AssessorQualification,
    Audit,
    AuditTeamMember,
    Finding,
    ImpartialityDeclaration,
    TeamObjection,
    TraceTest,
    TraceTestDirection,
    WitnessedAudit,
)
from certification.models import Application, Certificate, Scheme
from core.api.views import CommentSerializer
from core.limits import TEXT_MAX_LENGTH
from core.models import User


class AuditListSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    subject_number = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    enterprise_name = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Audit
        fields = [
            "id",
            "kind",
            "mode",
            "state",
            "state_label",
            "application",
            "certificate",
            "subject_number",
            "enterprise",
            "enterprise_name",
            "body",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        ]

    def get_subject_number(self, audit: Audit) -> str:
        return audit.subject.number

    def get_enterprise(self, audit: Audit) -> int:
        return audit.subject.enterprise_id

    def get_enterprise_name(self, audit: Audit) -> str:
        return audit.client.name

    def get_body(self, audit: Audit) -> int:
        return audit.subject.body_id


class AuditSerializer(AuditListSerializer):
    class Meta(AuditListSerializer.Meta):
        fields = [
            *AuditListSerializer.Meta.fields,
            "report_summary",
            "conclusion",
            "planned_man_days",
            "computed_man_days",
            "man_day_reduction",
            "man_day_reduction_reason",
            "sampled_sites",
            "programme_items",
            "short_notice",
            "special_reason",
            "complaint",
            "created_by",
            "created_at",
            "updated_at",
        ]


class AuditPlanSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.none(), required=False, allow_null=True
    )
    certificate = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.none(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=Audit.Kind.choices)
    mode = serializers.ChoiceField(choices=Audit.Mode.choices, default=Audit.Mode.ON_SITE)
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    # A special audit: at short notice, and why (a complaint, a change at the client, …).
    short_notice = serializers.BooleanField(required=False, default=False)
    special_reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, applications=None, certificates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if applications is not None:
            self.fields["application"].queryset = applications
        if certificates is not None:
            self.fields["certificate"].queryset = certificates


class ReportSerializer(CommentSerializer):
    report_summary = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    conclusion = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TeamMemberSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = AuditTeamMember
        fields = ["id", "user", "user_name", "role"]
        read_only_fields = ["id"]


class TeamMemberCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=AuditTeamMember.Role.choices)


class DeclarationSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.get_full_name", read_only=True)
    is_clean = serializers.BooleanField(read_only=True)

    class Meta:
        model = ImpartialityDeclaration
        fields = [
            "id",
            "user",
            "user_name",
            "no_consultancy",
            "no_employment",
            "no_financial_interest",
            "no_family_ties",
            "statement",
            "signed_at",
            "is_clean",
        ]


class DeclarationSignSerializer(serializers.Serializer):
    no_consultancy = serializers.BooleanField()
    no_employment = serializers.BooleanField()
    no_financial_interest = serializers.BooleanField()
    no_family_ties = serializers.BooleanField()
    statement = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TraceTestDirectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TraceTestDirection
        fields = [
            "id",
            "gtin",
            "lot",
            "direction",
            "started_at",
            "answered_at",
            "inputs",
            "outputs",
            "documents_shown",
            "trace_test",
            "recorded_by",
        ]
        read_only_fields = ["trace_test", "recorded_by"]


class TraceLineSerializer(serializers.Serializer):
    party = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lot = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class TraceDirectionRecordSerializer(serializers.Serializer):
    gtin = serializers.CharField(max_length=14)
    lot = serializers.CharField(max_length=20)
    direction = serializers.ChoiceField(choices=TraceTestDirection.Direction.choices)
    started_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField()
    inputs = TraceLineSerializer(many=True, required=False, default=list)
    outputs = TraceLineSerializer(many=True, required=False, default=list)
    documents_shown = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TraceConcludeSerializer(serializers.Serializer):
    gtin = serializers.CharField(max_length=14)
    lot = serializers.CharField(max_length=20)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TraceTestSerializer(serializers.ModelSerializer):
    duration_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    within_target = serializers.BooleanField(read_only=True)
    difference_percent = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, allow_null=True
    )
    directions = TraceTestDirectionSerializer(many=True, read_only=True)

    class Meta:
        model = TraceTest
        fields = [
            "id",
            "gtin",
            "lot",
            "direction",
            "started_at",
            "ended_at",
            "quantity_in",
            "quantity_out",
            "result",
            "failure_reasons",
            "difference_percent",
            "note",
            "recorded_by",
            "finding",
            "duration_hours",
            "within_target",
            "directions",
        ]


class TraceTestRecordSerializer(serializers.Serializer):
    gtin = serializers.CharField(max_length=14)
    lot = serializers.CharField(max_length=20)
    direction = serializers.ChoiceField(choices=TraceTest.Direction.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    quantity_in = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    quantity_out = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class FindingSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    audit_kind = serializers.CharField(source="audit.kind", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "audit",
            "audit_kind",
            "checklist_item_code",
            "severity",
            "state",
            "state_label",
            "description",
            "evidence",
            "clause_reference",
            "due_date",
            "raised_by",
            "root_cause",
            "correction",
            "corrective_action",
            "planned_completion",
            "responded_by",
            "responded_at",
            "verified_by",
            "verified_at",
            "escalated_from_minor",
            "created_at",
        ]


class FindingRaiseSerializer(serializers.Serializer):
    audit = serializers.PrimaryKeyRelatedField(queryset=Audit.objects.none())
    severity = serializers.ChoiceField(choices=Finding.Severity.choices)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    evidence = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    clause_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    checklist_item_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, audits=None, **kwargs):
        super().__init__(*args, **kwargs)
        if audits is not None:
            self.fields["audit"].queryset = audits


class RespondSerializer(CommentSerializer):
    root_cause = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    correction = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    corrective_action = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    planned_completion = serializers.DateField(required=False, allow_null=True, default=None)


class QualificationSerializer(serializers.ModelSerializer):
    """One line of the competence matrix."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    scheme = serializers.PrimaryKeyRelatedField(queryset=Scheme.objects.all())
    user_name = serializers.CharField(source="user.get_full_name", read_only=True)
    is_lead_qualified = serializers.BooleanField(read_only=True)
    witness_due = serializers.DateField(read_only=True, allow_null=True)
    last_witnessed = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The witnessed audit that counts: the latest satisfactory witnessing record "
        "of the person in this function (none after a later unsatisfactory one), else "
        "`witnessed_on` while no record exists.",
    )

    class Meta:
        model = AssessorQualification
        fields = [
            "id",
            "user",
            "user_name",
            "scheme",
            "function",
            "technical_area",
            "valid_from",
            "valid_until",
            "witnessed_on",
            "last_witnessed",
            "witness_due",
            "training",
            "is_lead_qualified",
            "note",
        ]
        # Checked by the model's full_clean in the service (dates in order).
        validators = []


class WitnessingSerializer(serializers.ModelSerializer):
    """A witnessed or monitored audit of a person."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    witness = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    audit = serializers.PrimaryKeyRelatedField(
        queryset=Audit.objects.all(), required=False, allow_null=True
    )
    user_name = serializers.CharField(source="user.get_full_name", read_only=True)
    witness_name = serializers.CharField(source="witness.get_full_name", read_only=True)

    class Meta:
        model = WitnessedAudit
        fields = [
            "id",
            "user",
            "user_name",
            "function",
            "audit",
            "external_reference",
            "witness",
            "witness_name",
            "witnessed_on",
            "kind",
            "outcome",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Checked by the model's full_clean and the service.
        validators = []


class ObjectionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.get_full_name", read_only=True)

    class Meta:
        model = TeamObjection
        fields = ["id", "member", "member_name", "reason", "state", "resolution", "created_at"]
        read_only_fields = fields


class ObjectionRaiseSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class CandidateSerializer(serializers.Serializer):
    """A person the body may put on the team, with what the officer must know first."""

    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.get_full_name")
    functions = serializers.ListField(child=serializers.CharField())
    refusals = serializers.DictField(child=serializers.CharField(allow_blank=True))
    conflicts = serializers.ListField(child=serializers.CharField())
    other_audits = serializers.ListField(child=serializers.DictField())
