"""REST API of the audits app: audits (team, declarations, trace tests), findings and
assessor qualifications. Reads go through audits.selectors, writes through audits.services."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from audits.models import Audit, Finding, Function, Outcome, WitnessKind
from audits.selectors import (
    audit_get_for_user,
    audits_visible_to,
    finding_get_for_user,
    findings_visible_to,
    qualifications_visible_to,
    team_candidates,
    witnessings_visible_to,
)
from audits.serializers import (
    AuditListSerializer,
    AuditPlanSerializer,
    AuditSerializer,
    CandidateSerializer,
    DeclarationSerializer,
    DeclarationSignSerializer,
    FindingRaiseSerializer,
    FindingSerializer,
    ObjectionRaiseSerializer,
    ObjectionSerializer,
    QualificationSerializer,
    ReportSerializer,
    RespondSerializer,
    TeamMemberCreateSerializer,
    TeamMemberSerializer,
    TraceConcludeSerializer,
    TraceDirectionRecordSerializer,
    TraceTestDirectionSerializer,
    TraceTestRecordSerializer,
    TraceTestSerializer,
    WitnessingSerializer,
)
from audits.services import (
    audit_approve_report,
    audit_cancel,
    audit_plan,
    audit_return_report,
    audit_start,
    audit_submit_report,
    audit_team_add,
    audit_team_remove,
    declaration_sign,
    finding_accept_plan,
    finding_acknowledge,
    finding_raise,
    finding_reject_response,
    finding_respond,
    finding_verify,
    trace_test_conclude,
    trace_test_record,
    trace_test_record_direction,
)
from audits.services_people import (
    objection_dismiss,
    objection_raise,
    objection_uphold,
    qualification_delete,
    qualification_save,
    witnessing_save,
)
from certification.models import Role
from certification.selectors import applications_visible_to, certificates_visible_to, has_role
from core.api.views import (
    CommentSerializer,
    Filter,
    ReadOnlyApiViewSet,
    Step,
    TransitionsMixin,
    with_transitions,
)

_AUDIT_RELATED = (
    "application__enterprise",
    "application__body",
    "certificate__enterprise",
    "certificate__body",
)


@with_transitions
class AuditViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Audits the user may see; the body's officers plan them (`POST`) and form the team,
    each member signs a declaration, the lead starts the audit and submits the report."""

    serializer_class = AuditSerializer
    list_serializer_class = AuditListSerializer
    subject = "audit"
    steps = {
        "start": Step(audit_start),
        "submit_report": Step(audit_submit_report, ReportSerializer),
        "approve_report": Step(audit_approve_report),
        "return_report": Step(audit_return_report),
        "cancel": Step(audit_cancel),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Audit.State.values)),
        "kind": Filter("kind", choices=tuple(Audit.Kind.values)),
        "mode": Filter("mode", choices=tuple(Audit.Mode.values)),
        "application": Filter("application_id", "int"),
        "certificate": Filter("certificate_id", "int"),
    }
    search_fields = [
        "application__number",
        "certificate__number",
        "application__enterprise__name",
        "certificate__enterprise__name",
    ]
    ordering_fields = ["planned_start", "planned_end", "actual_end", "created_at"]
    ordering = ["-planned_start", "-id"]

    def visible(self):
        return audits_visible_to(self.request.user).select_related(*_AUDIT_RELATED)

    def fetch(self, pk: int):
        return audit_get_for_user(self.request.user, pk)

    @extend_schema(request=AuditPlanSerializer, responses={201: AuditSerializer})
    def create(self, request):
        given = AuditPlanSerializer(
            data=request.data,
            applications=applications_visible_to(request.user),
            certificates=certificates_visible_to(request.user),
        )
        given.is_valid(raise_exception=True)
        return self.created(audit_plan(by=request.user, **given.validated_data))

    # --- team ------------------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses={200: TeamMemberSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=TeamMemberCreateSerializer,
        responses={201: TeamMemberSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def team(self, request, pk=None):
        audit = self.get_object()
        if request.method == "GET":
            members = audit.team.select_related("user").order_by("role", "id")
            return Response(TeamMemberSerializer(members, many=True).data)
        given = TeamMemberCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        member = audit_team_add(audit=audit, by=request.user, **given.validated_data)
        return Response(TeamMemberSerializer(member).data, status=201)

    @extend_schema(responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"team/(?P<member_id>[0-9]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def team_member(self, request, pk=None, member_id=None):
        audit = self.get_object()
        member = audit.team.filter(pk=int(member_id)).first()
        if member is None:
            raise exceptions.NotFound(_("No such team member."))
        audit_team_remove(member=member, by=request.user)
        return Response(status=204)

    @extend_schema(responses={200: CandidateSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def candidates(self, request, pk=None):
        """The team picker: the body's assessors with the functions they are qualified for on
        the planned start (scheme, client's technical area), why they may not take each role,
        their conflicts with the client and their other audits on the same dates. Officers of
        the body only."""
        audit = self.get_object()
        if not has_role(request.user, Role.CB_STAFF, audit.body):
            raise exceptions.PermissionDenied(
                _("Only officers of the certification body may do this.")
            )
        return Response(CandidateSerializer(team_candidates(audit), many=True).data)

    @extend_schema(methods=["GET"], responses={200: ObjectionSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=ObjectionRaiseSerializer, responses={201: ObjectionSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def objections(self, request, pk=None):
        """The enterprise's objections to team members; the enterprise raises one (`POST`)
        before the audit starts."""
        audit = self.get_object()
        if request.method == "GET":
            rows = audit.objections.select_related("member").order_by("-created_at")
            return Response(ObjectionSerializer(rows, many=True).data)
        given = ObjectionRaiseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        objection = objection_raise(audit=audit, by=request.user, **given.validated_data)
        return Response(ObjectionSerializer(objection).data, status=201)

    @extend_schema(
        operation_id="audits_objection_resolve",
        request=CommentSerializer,
        responses={200: ObjectionSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"objections/(?P<objection_id>[0-9]+)/(?P<step>uphold|dismiss)",
        pagination_class=None,
        filter_backends=[],
    )
    def objection_resolve(self, request, pk=None, objection_id=None, step=None):
        """An officer upholds (the person leaves the team) or dismisses an objection, with a
        reason (`comment`)."""
        audit = self.get_object()
        objection = audit.objections.filter(pk=int(objection_id)).first()
        if objection is None:
            raise exceptions.NotFound(_("No such objection."))
        service = objection_uphold if step == "uphold" else objection_dismiss
        resolved = service(
            objection=objection, by=request.user, comment=str(request.data.get("comment", ""))
        )
        return Response(ObjectionSerializer(resolved).data)

    # --- declarations and trace tests ------------------------------------------------------

    @extend_schema(methods=["GET"], responses={200: DeclarationSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=DeclarationSignSerializer,
        responses={201: DeclarationSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def declarations(self, request, pk=None):
        audit = self.get_object()
        if request.method == "GET":
            signed = audit.declarations.select_related("user").order_by("signed_at", "id")
            return Response(DeclarationSerializer(signed, many=True).data)
        given = DeclarationSignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        declaration = declaration_sign(audit=audit, by=request.user, **given.validated_data)
        return Response(DeclarationSerializer(declaration).data, status=201)

    @extend_schema(methods=["GET"], responses={200: TraceTestSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=TraceTestRecordSerializer,
        responses={201: TraceTestSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="trace-tests",
        pagination_class=None,
        filter_backends=[],
    )
    def trace_tests(self, request, pk=None):
        audit = self.get_object()
        if request.method == "GET":
            tests = list(
                audit.trace_tests.prefetch_related("directions").order_by("started_at", "id")
            )
            for test in tests:
                test.audit = audit  # its scheme's target time, without a query per row
            return Response(TraceTestSerializer(tests, many=True).data)
        given = TraceTestRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        trace = trace_test_record(audit=audit, by=request.user, **given.validated_data)
        trace.audit = audit
        return Response(TraceTestSerializer(trace).data, status=201)

    @extend_schema(
        request=TraceDirectionRecordSerializer, responses={201: TraceTestDirectionSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="trace-tests/directions",
        pagination_class=None,
        filter_backends=[],
    )
    def trace_test_directions(self, request, pk=None):
        """Record one direction of a lot's trace (lines with quantities, documents shown);
        conclude with `trace-tests/conclude/`."""
        audit = self.get_object()
        given = TraceDirectionRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        for key in ("inputs", "outputs"):
            data[key] = [dict(line) for line in data[key]]
        record = trace_test_record_direction(audit=audit, by=request.user, **data)
        return Response(TraceTestDirectionSerializer(record).data, status=201)

    @extend_schema(request=TraceConcludeSerializer, responses={201: TraceTestSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="trace-tests/conclude",
        pagination_class=None,
        filter_backends=[],
    )
    def trace_test_conclude(self, request, pk=None):
        """Conclude a lot's trace test: the result is computed from its directions; a failure
        raises a major finding with the reasons."""
        audit = self.get_object()
        given = TraceConcludeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        trace = trace_test_conclude(audit=audit, by=request.user, **given.validated_data)
        trace.audit = audit
        return Response(TraceTestSerializer(trace).data, status=201)


@with_transitions
class FindingViewSet(TransitionsMixin, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Findings of the audits the user may see: raised by the team (`POST`), answered by the
    enterprise, accepted, verified or acknowledged by the team (`transitions/`)."""

    serializer_class = FindingSerializer
    subject = "finding"
    steps = {
        "respond": Step(finding_respond, RespondSerializer),
        "accept_plan": Step(finding_accept_plan),
        "reject_response": Step(finding_reject_response),
        "verify": Step(finding_verify),
        "acknowledge": Step(finding_acknowledge),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Finding.State.values)),
        "severity": Filter("severity", choices=tuple(Finding.Severity.values)),
        "audit": Filter("audit_id", "int"),
    }
    search_fields = ["description", "clause_reference", "checklist_item_code"]
    ordering_fields = ["due_date", "created_at", "severity"]
    ordering = ["audit_id", "id"]

    def visible(self):
        return findings_visible_to(self.request.user).select_related("audit")

    def fetch(self, pk: int):
        return finding_get_for_user(self.request.user, pk)

    @extend_schema(request=FindingRaiseSerializer, responses={201: FindingSerializer})
    def create(self, request):
        given = FindingRaiseSerializer(data=request.data, audits=audits_visible_to(request.user))
        given.is_valid(raise_exception=True)
        return self.created(finding_raise(by=request.user, **given.validated_data))


# --- Competence records (assessor qualifications) ---------------------------------------


class SignedIn(BasePermission):
    """Anyone signed in; rows are filtered by visibility and writes decided by the service
    (officers of the person's body, or an administrator)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class QualificationViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyApiViewSet,
):
    """The competence matrix: which function (auditor, lead auditor, technical expert,
    technical reviewer, decision maker) a person may perform under which scheme and technical
    area, over which period, with the last witnessed audit. Officers of the person's body
    record them."""

    serializer_class = QualificationSerializer
    permission_classes = [SignedIn]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    no_conflicts = True
    filter_fields = {
        "user": Filter("user_id", "int"),
        "scheme": Filter("scheme_id", "int"),
        "function": Filter("function", choices=tuple(Function.values)),
        "technical_area": Filter("technical_area"),
    }
    ordering_fields = ["valid_from", "valid_until", "witnessed_on"]
    ordering = ["user_id", "-valid_from", "id"]

    def visible(self):
        return qualifications_visible_to(self.request.user).select_related("user").with_witnessing()

    def fetch(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)

    def perform_create(self, serializer):
        serializer.instance = qualification_save(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = qualification_save(
            by=self.request.user, qualification=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        qualification_delete(qualification=instance, by=self.request.user)


class WitnessingViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ReadOnlyApiViewSet,
):
    """Witnessed and monitored audits: who was seen at work in which function, on which audit
    (or an external one), by whom, when, how and with what outcome. The competence check
    counts the latest satisfactory one. Officers of the person's body record and correct
    them; the person sees their own."""

    serializer_class = WitnessingSerializer
    permission_classes = [SignedIn]
    http_method_names = ["get", "post", "patch", "head", "options"]
    no_conflicts = True
    filter_fields = {
        "user": Filter("user_id", "int"),
        "function": Filter("function", choices=tuple(Function.values)),
        "outcome": Filter("outcome", choices=tuple(Outcome.values)),
        "kind": Filter("kind", choices=tuple(WitnessKind.values)),
    }
    ordering_fields = ["witnessed_on"]
    ordering = ["-witnessed_on", "-id"]

    def visible(self):
        return witnessings_visible_to(self.request.user).select_related("user", "witness")

    def fetch(self, pk: int):
        return get_object_or_404(self.visible(), pk=pk)

    def perform_create(self, serializer):
        serializer.instance = witnessing_save(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = witnessing_save(
            by=self.request.user, witnessing=serializer.instance, **serializer.validated_data
        )
