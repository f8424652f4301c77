"""API: body registrations, appeals and complaints."""

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from audits.selectors import findings_visible_to
from certification.api.serializers import (
    AppealCreateSerializer,
    AppealSerializer,
    ComplaintCreateSerializer,
    ComplaintSerializer,
    HandlerSerializer,
    RegisterSerializer,
    RegistrationCreateSerializer,
    RegistrationSerializer,
)
from certification.models import Appeal, BodyRegistration, Complaint
from certification.selectors import (
    appeal_get_for_user,
    appeals_visible_to,
    applications_visible_to,
    certificates_visible_to,
    complaint_get_for_user,
    complaints_visible_to,
    registration_get_for_user,
    registrations_visible_to,
)
from certification.services import (
    appeal_dismiss,
    appeal_lodge,
    appeal_start_consideration,
    appeal_uphold,
    complaint_acknowledge,
    complaint_lodge,
    complaint_resolve,
    registration_create,
    registration_register,
    registration_reinstate,
    registration_reject,
    registration_request_revision,
    registration_resubmit,
    registration_revoke,
    registration_start_review,
    registration_submit,
    registration_suspend,
)
from core.api.views import (
    Filter,
    ReadOnlyApiViewSet,
    ScopedThrottle,
    Step,
    TransitionsMixin,
    with_transitions,
)


@with_transitions
class RegistrationViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """A body's registration with the regulator for a scheme: the body's officers open and
    submit it; the national regulator reviews and decides it (provincial regulators see it)."""

    serializer_class = RegistrationSerializer
    subject = "registration"
    steps = {
        "submit": Step(registration_submit),
        "resubmit": Step(registration_resubmit),
        "start_review": Step(registration_start_review),
        "request_revision": Step(registration_request_revision),
        "reject": Step(registration_reject),
        "register": Step(registration_register, RegisterSerializer),
        "suspend": Step(registration_suspend),
        "reinstate": Step(registration_reinstate),
        "revoke": Step(registration_revoke),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(BodyRegistration.State.values)),
        "body": Filter("body_id", "int"),
        "scheme": Filter("scheme_id", "int"),
        "jurisdiction": Filter("jurisdiction__code"),
    }
    search_fields = ["body__name", "body__code", "registration_number"]
    ordering_fields = ["created_at", "registered_on", "valid_until"]
    ordering = ["-created_at", "-id"]

    def visible(self):
        return registrations_visible_to(self.request.user).select_related(
            "body", "scheme", "jurisdiction"
        )

    def fetch(self, pk: int):
        return registration_get_for_user(self.request.user, pk)

    @extend_schema(request=RegistrationCreateSerializer, responses={201: RegistrationSerializer})
    def create(self, request):
        given = RegistrationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.created(registration_create(by=request.user, **given.validated_data))


@with_transitions
class AppealViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Appeals against a refusal, a suspension or a withdrawal: lodged by the enterprise,
    handed to an uninvolved decision maker by an officer, upheld or dismissed."""

    serializer_class = AppealSerializer
    subject = "appeal"
    steps = {
        "start_consideration": Step(appeal_start_consideration, HandlerSerializer),
        "uphold": Step(appeal_uphold),
        "dismiss": Step(appeal_dismiss),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Appeal.State.values)),
        "subject": Filter("subject", choices=tuple(Appeal.Subject.values)),
        "enterprise": Filter("enterprise_id", "int"),
        "body": Filter("body_id", "int"),
    }
    search_fields = ["enterprise__name", "application__number", "certificate__number"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def visible(self):
        return appeals_visible_to(self.request.user)

    def fetch(self, pk: int):
        return appeal_get_for_user(self.request.user, pk)

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def create(self, request):
        given = AppealCreateSerializer(
            data=request.data,
            applications=applications_visible_to(request.user),
            certificates=certificates_visible_to(request.user),
            findings=findings_visible_to(request.user),
        )
        given.is_valid(raise_exception=True)
        return self.created(appeal_lodge(by=request.user, **given.validated_data))


@with_transitions
class ComplaintViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Complaints: anyone may lodge one (also without an account, with an e-mail address to
    answer to; throttled); the body's officers read and handle them."""

    serializer_class = ComplaintSerializer
    subject = "complaint"
    throttle_scope = "complaints"
    steps = {
        "acknowledge": Step(complaint_acknowledge),
        "resolve": Step(complaint_resolve),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Complaint.State.values)),
        "body": Filter("body_id", "int"),
        "enterprise": Filter("enterprise_id", "int"),
    }
    search_fields = ["subject", "complainant_email", "certificate__number"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.action == "create":
            return [ScopedThrottle()]
        return []

    def visible(self):
        return complaints_visible_to(self.request.user).select_related("certificate")

    def fetch(self, pk: int):
        return complaint_get_for_user(self.request.user, pk)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request):
        given = ComplaintCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        complaint = complaint_lodge(
            by=request.user, language=get_language() or "", **given.validated_data
        )
        # The complainant may have no account (nor see complaints): reply with what was recorded.
        return Response(self.get_serializer(complaint).data, status=201)
