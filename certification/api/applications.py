"""API: organisations, schemes, applications and certification decisions."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from certification.api.serializers import (
    AcceptSerializer,
    ApplicationCreateSerializer,
    ApplicationListSerializer,
    ApplicationSerializer,
    DecisionSerializer,
    OrganisationSerializer,
    SchemeSerializer,
    ScopeSerializer,
    TechnicalReviewSerializer,
    TransferReviewSerializer,
)
from certification.models import Application, Decision, Organisation, Scheme
from certification.selectors import (
    application_get_for_user,
    applications_visible_to,
    certificates_visible_to,
    decisions_visible_to,
    organisations_visible_to,
)
from certification.services import (
    application_accept,
    application_accept_mark_rules,
    application_create,
    application_grant,
    application_record_transfer_review,
    application_refuse,
    application_reject,
    application_request_revision,
    application_resubmit,
    application_return_to_evaluation,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    application_update_scope,
    application_withdraw,
)
from core.api.views import (
    ApiViewSet,
    Filter,
    ReadOnlyApiViewSet,
    Step,
    TransitionsMixin,
    with_transitions,
)


class OrganisationViewSet(ReadOnlyApiViewSet):
    """Certification bodies (anyone signed in) and the enterprises the user is related to."""

    serializer_class = OrganisationSerializer
    filter_fields = {
        "kind": Filter("kind", choices=tuple(Organisation.Kind.values)),
        "province": Filter("province__code"),
        "is_active": Filter("is_active", "bool"),
    }
    search_fields = ["name", "short_name", "tax_code", "code"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def visible(self):
        return organisations_visible_to(self.request.user).select_related("province")

    def fetch(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)


class SchemeViewSet(ReadOnlyApiViewSet):
    """Certification schemes: the standard, the checklist and the rule parameters."""

    serializer_class = SchemeSerializer
    filter_fields = {"is_active": Filter("is_active", "bool"), "code": Filter("code")}
    search_fields = ["code", "name", "standard"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def visible(self):
        return Scheme.objects.all()

    def fetch(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)


@with_transitions
class ApplicationViewSet(
    TransitionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Applications: enterprise users and the body's staff open them (`POST`), change the
    scope of a draft (`PATCH`), and move them through the workflow (`transitions/`)."""

    serializer_class = ApplicationSerializer
    list_serializer_class = ApplicationListSerializer
    subject = "application"
    steps = {
        "submit": Step(application_submit),
        "resubmit": Step(application_resubmit),
        "start_review": Step(application_start_review),
        "request_revision": Step(application_request_revision),
        "reject": Step(application_reject),
        "accept": Step(application_accept, AcceptSerializer),
        "submit_for_decision": Step(application_submit_for_decision, TechnicalReviewSerializer),
        "return_to_evaluation": Step(application_return_to_evaluation),
        "grant": Step(application_grant),
        "refuse": Step(application_refuse),
        "withdraw": Step(application_withdraw),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Application.State.values)),
        "kind": Filter("kind", choices=tuple(Application.Kind.values)),
        "enterprise": Filter("enterprise_id", "int"),
        "body": Filter("body_id", "int"),
        "scheme": Filter("scheme_id", "int"),
    }
    search_fields = ["number", "enterprise__name", "enterprise__tax_code"]
    ordering_fields = ["created_at", "submitted_at", "number", "state"]
    ordering = ["-created_at", "-id"]

    def visible(self):
        return applications_visible_to(self.request.user).select_related(
            "enterprise", "body", "scheme"
        )

    def fetch(self, pk: int):
        return application_get_for_user(self.request.user, pk)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request):
        given = ApplicationCreateSerializer(
            data=request.data, visible_certificates=certificates_visible_to(request.user)
        )
        given.is_valid(raise_exception=True)
        return self.created(application_create(by=request.user, **given.validated_data))

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="accept-mark-rules")
    def accept_mark_rules(self, request, pk=None):
        """Accept the scheme's rules for using the certificate and the certification mark
        (needed before submitting when the scheme has rules)."""
        application = self.get_object()
        application_accept_mark_rules(application=application, by=request.user)
        return Response(self.get_serializer(self.fetch(application.pk)).data)

    @extend_schema(request=TransferReviewSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="transfer-review")
    def transfer_review(self, request, pk=None):
        """Record the pre-transfer review of a transfer application (an officer of the body;
        while submitted or under review): a note and the open major nonconformities found."""
        application = self.get_object()
        given = TransferReviewSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        application_record_transfer_review(
            application=application, by=request.user, **given.validated_data
        )
        return Response(self.get_serializer(self.fetch(application.pk)).data)

    @extend_schema(request=ScopeSerializer, responses={200: ApplicationSerializer})
    def partial_update(self, request, pk=None):
        application = self.get_object()
        given = ScopeSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        application_update_scope(application=application, by=request.user, **given.validated_data)
        return Response(self.get_serializer(self.fetch(application.pk)).data)


class DecisionViewSet(ReadOnlyApiViewSet):
    """Certification decisions on the applications the user may see."""

    serializer_class = DecisionSerializer
    filter_fields = {
        "outcome": Filter("outcome", choices=tuple(Decision.Outcome.values)),
        "application": Filter("application_id", "int"),
    }
    search_fields = ["application__number", "number"]
    ordering_fields = ["decided_on"]
    ordering = ["-decided_on", "-id"]

    def visible(self):
        return decisions_visible_to(self.request.user).select_related(
            "application", "decision_maker"
        )

    def fetch(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)
