"""API: the body's impartiality register (17065 §4.2, 17021-1 §5.2): the risks to
impartiality and the meetings and decisions of the committee for safeguarding impartiality.

The body's officers record them (and its decision makers read them); the regulators of the
province where the body is located read them; nobody else sees them (404)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action

from certification.api.serializers import StateLabelMixin
from certification.models import (
    CommitteeDecision,
    CommitteeMeeting,
    ImpartialityRisk,
    Organisation,
)
from certification.models.impartiality import Level
from certification.selectors_impartiality import (
    get_for_user,
    meetings_readable_by,
    risks_readable_by,
)
from certification.services.impartiality import (
    meeting_decision_add,
    meeting_record,
    risk_close,
    risk_record,
)
from core.api.views import (
    Filter,
    ReadOnlyApiViewSet,
    Step,
    TransitionsMixin,
    with_transitions,
)
from core.limits import TEXT_MAX_LENGTH

_BODIES = Organisation.objects.filter(kind=Organisation.Kind.CERTIFICATION_BODY)


class ImpartialityRiskSerializer(StateLabelMixin, serializers.ModelSerializer):
    """One line of the body's register of risks to impartiality."""

    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = ImpartialityRisk
        fields = [
            "id",
            "body",
            "title",
            "source",
            "source_label",
            "description",
            "likelihood",
            "impact",
            "controls",
            "identified_on",
            "next_review",
            "state",
            "state_label",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImpartialityRiskCreateSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(queryset=_BODIES)
    title = serializers.CharField(max_length=200)
    source = serializers.ChoiceField(choices=ImpartialityRisk.Source.choices)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    likelihood = serializers.ChoiceField(choices=Level.choices)
    impact = serializers.ChoiceField(choices=Level.choices)
    controls = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    identified_on = serializers.DateField()
    next_review = serializers.DateField(required=False, allow_null=True, default=None)


class CommitteeDecisionSerializer(serializers.ModelSerializer):
    """A decision or recommendation of the committee at a meeting."""

    class Meta:
        model = CommitteeDecision
        fields = ["id", "text", "risk", "due_on", "created_at"]
        read_only_fields = fields


class CommitteeMeetingSerializer(serializers.ModelSerializer):
    """A meeting of the committee for safeguarding impartiality, with its decisions."""

    decisions = CommitteeDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = CommitteeMeeting
        fields = [
            "id",
            "body",
            "held_on",
            "attendees",
            "agenda",
            "minutes",
            "recorded_by",
            "decisions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CommitteeMeetingCreateSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(queryset=_BODIES)
    held_on = serializers.DateField()
    attendees = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    agenda = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    minutes = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class CommitteeDecisionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    risk = serializers.PrimaryKeyRelatedField(
        queryset=ImpartialityRisk.objects.all(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


@with_transitions
class ImpartialityRiskViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """The body's register of risks to impartiality: its officers add risks and close those
    whose source no longer exists; its decision makers and the regulators of its province
    read it."""

    serializer_class = ImpartialityRiskSerializer
    subject = "risk"
    steps = {"close": Step(risk_close)}
    filter_fields = {
        "state": Filter("state", choices=tuple(ImpartialityRisk.State.values)),
        "source": Filter("source", choices=tuple(ImpartialityRisk.Source.values)),
        "body": Filter("body_id", "int"),
    }
    search_fields = ["title", "description"]
    ordering_fields = ["identified_on", "next_review", "created_at"]
    ordering = ["-identified_on", "-id"]

    def visible(self):
        return risks_readable_by(self.request.user)

    def fetch(self, pk: int):
        return get_for_user(self.visible(), pk)

    @extend_schema(
        request=ImpartialityRiskCreateSerializer, responses={201: ImpartialityRiskSerializer}
    )
    def create(self, request):
        given = ImpartialityRiskCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.created(risk_record(by=request.user, **given.validated_data))


class CommitteeMeetingViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Meetings of the body's committee for safeguarding impartiality and the decisions taken
    there: its officers record them; its decision makers and the regulators of its province
    read them."""

    serializer_class = CommitteeMeetingSerializer
    filter_fields = {"body": Filter("body_id", "int")}
    search_fields = ["attendees", "agenda", "minutes"]
    ordering_fields = ["held_on", "created_at"]
    ordering = ["-held_on", "-id"]

    def visible(self):
        return meetings_readable_by(self.request.user).prefetch_related("decisions")

    def fetch(self, pk: int):
        return get_for_user(self.visible(), pk)

    @extend_schema(
        request=CommitteeMeetingCreateSerializer, responses={201: CommitteeMeetingSerializer}
    )
    def create(self, request):
        given = CommitteeMeetingCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.created(meeting_record(by=request.user, **given.validated_data))

    @extend_schema(
        request=CommitteeDecisionCreateSerializer, responses={201: CommitteeMeetingSerializer}
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def decisions(self, request, pk=None):
        """Record a decision of the committee at this meeting (officers of the body)."""
        meeting = self.get_object()
        given = CommitteeDecisionCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        risk = given.validated_data["risk"]
        if risk is not None and risk.body_id != meeting.body_id:
            raise exceptions.ValidationError(
                {"risk": [_("This risk belongs to another body's register.")]}
            )
        meeting_decision_add(meeting=meeting, by=request.user, **given.validated_data)
        return self.created(meeting)
