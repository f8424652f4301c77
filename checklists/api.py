"""REST API of the checklists app: templates (read) and an audit's checklist (read, and bulk
answers in one request through checklists.services.checklist_save_answers)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audits.selectors import audit_get_for_user
from checklists.models import ChecklistAnswer, ChecklistItem, ChecklistSection, ChecklistTemplate
from checklists.selectors import checklist_of, pinned_template
from checklists.services import checklist_save_answers
from core.api.views import Filter, ReadOnlyApiViewSet
from core.limits import TEXT_MAX_LENGTH

# --- Templates ------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "code",
            "clause",
            "requirement_vi",
            "requirement_en",
            "guidance_vi",
            "guidance_en",
            "evidence_vi",
            "evidence_en",
            "severity",
            "applies_to",
            "position",
        ]


class SectionSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistSection
        fields = ["id", "code", "title_vi", "title_en", "position", "items"]


class TemplateListSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "version", "standard", "title_vi", "title_en", "status"]


class TemplateSerializer(TemplateListSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta(TemplateListSerializer.Meta):
        fields = [
            *TemplateListSerializer.Meta.fields,
            "description_vi",
            "description_en",
            "content_hash",
            "sections",
        ]


class ChecklistTemplateViewSet(ReadOnlyApiViewSet):
    """Versioned checklist templates with their sections and items. Published versions for
    everyone signed in; drafts for administrators."""

    serializer_class = TemplateSerializer
    list_serializer_class = TemplateListSerializer
    filter_fields = {
        "code": Filter("code"),
        "status": Filter("status", choices=tuple(ChecklistTemplate.Status.values)),
    }
    search_fields = ["code", "standard", "title_vi", "title_en"]
    ordering_fields = ["code", "version"]
    ordering = ["code", "-version"]

    def visible(self):
        templates = ChecklistTemplate.objects.all()
        if not self.request.user.is_superuser:
            templates = templates.filter(status=ChecklistTemplate.Status.PUBLISHED)
        return templates

    def fetch(self, pk: int):
        items = ChecklistItem.objects.order_by("position")
        sections = ChecklistSection.objects.order_by("position").prefetch_related(
            Prefetch("items", queryset=items)
        )
        return get_object_or_404(
            self.visible().prefetch_related(Prefetch("sections", queryset=sections)), pk=pk
        )


# --- An audit's checklist ---------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ChecklistAnswer.Result.choices)
    note = serializers.CharField(allow_blank=True)
    answered_by = serializers.IntegerField(source="answered_by_id")
    answered_by_name = serializers.CharField(source="answered_by.get_full_name")
    answered_at = serializers.DateTimeField()
    finding = serializers.IntegerField(source="finding_id", allow_null=True)


class AuditItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    clause = serializers.CharField(allow_blank=True)
    requirement = serializers.CharField()
    guidance = serializers.CharField(allow_blank=True)
    severity = serializers.CharField()
    answer = AnswerSerializer(allow_null=True)


class TallySerializer(serializers.Serializer):
    applicable = serializers.IntegerField()
    answered = serializers.IntegerField()
    percent = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class AuditSectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    tally = TallySerializer()
    items = AuditItemSerializer(many=True)


class PinnedTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()


class ChecklistSerializer(serializers.Serializer):
    audit = serializers.IntegerField()
    template = PinnedTemplateSerializer(allow_null=True)
    total = TallySerializer()
    score = serializers.FloatField(allow_null=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Sections with enough minors to consider a major."
    )
    sections = AuditSectionSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    result = serializers.ChoiceField(choices=ChecklistAnswer.Result.choices)
    note = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    evidence = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Evidence for a finding raised by the answer."
    )


def _checklist_data(audit) -> dict:
    overview = checklist_of(audit)
    template = pinned_template(audit)
    return {
        "audit": audit.pk,
        "template": template,
        "total": overview.total,
        "score": overview.score,
        "warnings": overview.warnings,
        "sections": [
            {
                "code": row.section.code,
                "title": row.section.title,
                "tally": row.tally,
                "items": [
                    {
                        "id": item.pk,
                        "code": item.code,
                        "clause": item.clause,
                        "requirement": item.requirement,
                        "guidance": item.guidance,
                        "severity": item.severity,
                        "answer": answer,
                    }
                    for item, answer in row.items
                ],
            }
            for row in overview.sections
        ],
    }


class AuditChecklistView(APIView):
    """`GET`: the items that apply to the audit with their current answers, progress, score
    and warnings. `PATCH`: a list of answers saved in one request (the audit team, while the
    audit is in progress); nothing is saved when one answer is invalid."""

    @extend_schema(responses={200: ChecklistSerializer})
    def get(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        return Response(ChecklistSerializer(_checklist_data(audit)).data)

    @extend_schema(request=AnswerInputSerializer(many=True), responses={200: ChecklistSerializer})
    def patch(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        given = AnswerInputSerializer(data=request.data, many=True)
        if not given.is_valid():
            errors = given.errors
            if isinstance(errors, list):
                errors = dict(enumerate(errors))
            # Name each answer's errors by its position (the services name them by item code).
            raise exceptions.ValidationError(
                {
                    f"answer {int(key) + 1}" if str(key).isdigit() else key: value
                    for key, value in errors.items()
                    if value
                }
            )
        checklist_save_answers(audit=audit, answers=given.validated_data, by=request.user)
        return Response(ChecklistSerializer(_checklist_data(audit)).data)
