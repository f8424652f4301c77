"""REST API of the trace test from EPCIS data: read a document (multipart upload) or the
enterprise's query interface for an audit, trace a lot over a dataset, read the analysis,
generate its report, record the trace test, decide proposed findings. Reads go through
tracing.selectors, writes through tracing.services."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from audits.selectors import audit_get_for_user
from core.api import ErrorSerializer, ValidationErrorSerializer
from tracing import services
from tracing.messages import gap_text
from tracing.models import EpcisDataset, ProposedFinding, TraceAnalysis
from tracing.selectors import (
    analysis_get_for_user,
    dataset_get_for_user,
    datasets_of,
    proposal_get_for_user,
    proposals_of,
)

TAG = ["trace tests (EPCIS)"]


def _id(raw) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) > 2**62:
        raise NotFound()
    return int(text)


class EpcisProblemSerializer(serializers.Serializer):
    event = serializers.IntegerField(allow_null=True, help_text="Index in the event list.")
    field = serializers.CharField()
    message = serializers.CharField()


class EpcisRejectedSerializer(serializers.Serializer):
    """A refused EPCIS document (`code` "epcis_invalid", with `problems`), or a request whose
    fields are invalid (`code` "invalid", with `errors` by field)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    problems = EpcisProblemSerializer(many=True, required=False)
    errors = serializers.DictField(required=False)


class EpcisDatasetSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="document_id")
    document_name = serializers.CharField(source="document.original_name")
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = EpcisDataset
        fields = [
            "id",
            "audit",
            "source",
            "event_count",
            "counts",
            "document",
            "document_name",
            "query_url",
            "requested_at",
            "answered_at",
            "answer_seconds",
            "created_by",
            "created_at",
        ]


class EpcisUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An EPCIS 2.0 JSON / JSON-LD document.")


class TraceLotSerializer(serializers.Serializer):
    gtin = serializers.CharField(max_length=14)
    lot = serializers.CharField(max_length=20)


class ProposedFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposedFinding
        fields = [
            "id",
            "code",
            "severity",
            "clause_reference",
            "description",
            "events",
            "state",
            "finding",
        ]


class TraceAnalysisSerializer(serializers.ModelSerializer):
    dataset = EpcisDatasetSerializer()
    reasons = serializers.SerializerMethodField()
    proposals = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = TraceAnalysis
        fields = [
            "id",
            "gtin",
            "lot",
            "result",
            "reasons",
            "tolerance_percent",
            "analysis_ms",
            "data",
            "proposals",
            "trace_test",
            "report",
            "report_url",
            "page_url",
            "dataset",
            "created_at",
        ]

    def get_reasons(self, obj) -> list[str]:
        return [gap_text(g) for g in obj.data["gaps"] if g["severity"] == "major"]

    def get_proposals(self, obj) -> list[dict]:
        return ProposedFindingSerializer(proposals_of(obj), many=True).data

    def get_report_url(self, obj) -> str | None:
        if not obj.report_id:
            return None
        return reverse("api-document-download", args=[obj.report_id])

    def get_page_url(self, obj) -> str:
        return reverse("tracing:analysis_detail", args=[obj.pk])


def _rejected(exc: services.EpcisRejected) -> Response:
    return Response(
        {
            "detail": str(exc.messages[0]),
            "code": "epcis_invalid",
            "problems": [p.as_dict() for p in exc.problems],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class AuditEpcisDocumentsView(APIView):
    """EPCIS datasets of an audit: list them, or upload an EPCIS 2.0 document (the audited
    enterprise's users and the assessors of the team, while the audit is planned or running).
    A refused document is not stored: 400 names the event index and the field."""

    parser_classes = [MultiPartParser, FormParser]
    accepts_uploads = True

    @extend_schema(tags=TAG, responses=EpcisDatasetSerializer(many=True))
    def get(self, request, pk):
        audit = audit_get_for_user(request.user, _id(pk))
        return Response(EpcisDatasetSerializer(datasets_of(audit), many=True).data)

    @extend_schema(
        tags=TAG,
        request={"multipart/form-data": EpcisUploadSerializer},
        responses={
            201: EpcisDatasetSerializer,
            400: EpcisRejectedSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
        },
    )
    def post(self, request, pk):
        audit = audit_get_for_user(request.user, _id(pk))
        upload = EpcisUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            dataset = services.epcis_dataset_upload(
                audit=audit, by=request.user, file=upload.validated_data["file"]
            )
        except services.EpcisRejected as exc:
            return _rejected(exc)
        return Response(EpcisDatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class AuditEpcisQueryView(APIView):
    """An assessor of the team asks the enterprise's EPCIS query interface now; the time to
    answer is recorded. 502 when the interface cannot be reached or answers no EPCIS."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAG,
        request=None,
        responses={
            201: EpcisDatasetSerializer,
            400: EpcisRejectedSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            502: ErrorSerializer,
        },
    )
    def post(self, request, pk):
        audit = audit_get_for_user(request.user, _id(pk))
        try:
            dataset = services.epcis_dataset_query(audit=audit, by=request.user)
        except services.QueryFailed as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=502)
        except services.EpcisRejected as exc:
            response = _rejected(exc)
            response.status_code = 502
            return response
        return Response(EpcisDatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetAnalysesView(APIView):
    """Trace one lot (GTIN + lot) over a dataset: an assessor of the team, while the audit is
    in progress. The result is computed; gaps become proposed findings."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAG,
        request=TraceLotSerializer,
        responses={
            201: TraceAnalysisSerializer,
            400: ValidationErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk):
        dataset = dataset_get_for_user(request.user, _id(pk))
        body = TraceLotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        analysis = services.trace_analyse(dataset=dataset, by=request.user, **body.validated_data)
        analysis = analysis_get_for_user(request.user, analysis.pk)
        return Response(TraceAnalysisSerializer(analysis).data, status=status.HTTP_201_CREATED)


class AnalysisView(APIView):
    """The trace report of an analysis: back and forward, KDEs, mass balance, result,
    proposed findings."""

    @extend_schema(tags=TAG, responses={200: TraceAnalysisSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return Response(TraceAnalysisSerializer(analysis_get_for_user(request.user, _id(pk))).data)


class AnalysisReportView(APIView):
    """Generate (once) the .docx trace report; the answer links to its download."""

    @extend_schema(
        tags=TAG,
        request=None,
        responses={
            201: inline_serializer(
                "TraceReport",
                {"document": serializers.IntegerField(), "download_url": serializers.CharField()},
            ),
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request, pk):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        analysis = analysis_get_for_user(request.user, _id(pk))
        if services.assessor_of(analysis.dataset.audit, request.user) is not True:
            raise PermissionDenied(_("Only an assessor of the audit team may do this."))
        analysis = services.trace_report_generate(analysis=analysis)
        return Response(
            {
                "document": analysis.report_id,
                "download_url": reverse("api-document-download", args=[analysis.report_id]),
            },
            status=status.HTTP_201_CREATED,
        )


class AnalysisTraceTestView(APIView):
    """Record the audit's trace test from the analysis (result computed, never typed)."""

    @extend_schema(
        tags=TAG,
        request=None,
        responses={
            201: inline_serializer(
                "TraceTestFromAnalysis",
                {
                    "trace_test": serializers.IntegerField(),
                    "result": serializers.CharField(),
                    "finding": serializers.IntegerField(allow_null=True),
                },
            ),
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk):
        analysis = analysis_get_for_user(request.user, _id(pk))
        trace = services.trace_test_prefill(analysis=analysis, by=request.user)
        return Response(
            {"trace_test": trace.pk, "result": trace.result, "finding": trace.finding_id},
            status=status.HTTP_201_CREATED,
        )


class ProposalDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ProposalDecideView(APIView):
    """The lead assessor confirms (a finding is raised) or dismisses (with a reason) a
    proposed finding."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAG,
        request=ProposalDecisionSerializer,
        responses={
            200: ProposedFindingSerializer,
            400: ValidationErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk, name):
        if name not in ("confirm", "dismiss"):
            raise NotFound()
        proposal = proposal_get_for_user(request.user, _id(pk))
        body = ProposalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if name == "confirm":
            proposal = services.proposed_finding_confirm(proposal=proposal, by=request.user)
        else:  # dismiss
            proposal = services.proposed_finding_dismiss(
                proposal=proposal, by=request.user, comment=body.validated_data["comment"]
            )
        return Response(ProposedFindingSerializer(proposal).data)
