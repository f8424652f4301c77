"""REST API v1 (../shared/spec/api.md): every route of the API, the schema and its docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from audits.api import AuditViewSet, FindingViewSet, QualificationViewSet, WitnessingViewSet
from certification.api import (
    AppealViewSet,
    ApplicationViewSet,
    CertificateViewSet,
    ComplaintViewSet,
    DecisionViewSet,
    MeView,
    OrganisationViewSet,
    PublicCertificateLookupView,
    PublicCertificateView,
    RegistrationViewSet,
    SchemeViewSet,
    SummaryView,
)
from certification.api.impartiality import CommitteeMeetingViewSet, ImpartialityRiskViewSet
from checklists.api import (
    AnswerConflictResolveView,
    AuditChecklistChangesView,
    AuditChecklistSyncView,
    AuditChecklistView,
    AuditEvidenceView,
    AuditSyncStatusView,
    ChecklistTemplateViewSet,
    EvidenceFileView,
    EvidenceThumbnailView,
    EvidenceUploadView,
)
from core.api.views import NotFoundView, TokenView
from documents.api import DocumentViewSet
from notifications.api import NotificationViewSet
from signing.api import PublicVerifyFileView
from tracing.api import (
    AnalysisReportView,
    AnalysisTraceTestView,
    AnalysisView,
    AuditEpcisDocumentsView,
    AuditEpcisQueryView,
    DatasetAnalysesView,
    ProposalDecideView,
)
from webhooks.api import WebhookEndpointViewSet

router = SimpleRouter()
router.register("organizations", OrganisationViewSet, basename="api-organization")
router.register("schemes", SchemeViewSet, basename="api-scheme")
router.register("checklist-templates", ChecklistTemplateViewSet, basename="api-checklist-template")
router.register("applications", ApplicationViewSet, basename="api-application")
router.register("audits", AuditViewSet, basename="api-audit")
router.register("assessor-qualifications", QualificationViewSet, basename="api-qualification")
router.register("witnessed-audits", WitnessingViewSet, basename="api-witnessed-audit")
router.register("registrations", RegistrationViewSet, basename="api-registration")
router.register("complaints", ComplaintViewSet, basename="api-complaint")
router.register("findings", FindingViewSet, basename="api-finding")
router.register("decisions", DecisionViewSet, basename="api-decision")
router.register("certificates", CertificateViewSet, basename="api-certificate")
router.register("appeals", AppealViewSet, basename="api-appeal")
router.register("impartiality-risks", ImpartialityRiskViewSet, basename="api-impartiality-risk")
router.register(
    "impartiality-meetings", CommitteeMeetingViewSet, basename="api-impartiality-meeting"
)
router.register("documents", DocumentViewSet, basename="api-document")
router.register("notifications", NotificationViewSet, basename="api-notification")
router.register("webhooks", WebhookEndpointViewSet, basename="api-webhook")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("audits/<int:pk>/checklist/", AuditChecklistView.as_view(), name="api-audit-checklist"),
    path(
        "audits/<int:pk>/checklist/changes/",
        AuditChecklistChangesView.as_view(),
        name="api-audit-checklist-changes",
    ),
    path(
        "audits/<int:pk>/checklist/sync/",
        AuditChecklistSyncView.as_view(),
        name="api-audit-checklist-sync",
    ),
    path("audits/<int:pk>/sync-status/", AuditSyncStatusView.as_view(), name="api-sync-status"),
    path("audits/<int:pk>/evidence/", AuditEvidenceView.as_view(), name="api-audit-evidence"),
    path(
        "answer-conflicts/<int:pk>/resolve/",
        AnswerConflictResolveView.as_view(),
        name="api-answer-conflict-resolve",
    ),
    path("evidence-uploads/<uuid:key>/", EvidenceUploadView.as_view(), name="api-evidence-upload"),
    path("evidence/<int:pk>/file/", EvidenceFileView.as_view(), name="api-evidence-file"),
    path(
        "evidence/<int:pk>/thumbnail/",
        EvidenceThumbnailView.as_view(),
        name="api-evidence-thumbnail",
    ),
    path("reports/summary/", SummaryView.as_view(), name="api-summary"),
    path("public/verify-file/", PublicVerifyFileView.as_view(), name="api-public-verify-file"),
    path(
        "public/certificates/lookup/",
        PublicCertificateLookupView.as_view(),
        name="api-public-certificate-lookup",
    ),
    path(
        "audits/<str:pk>/epcis-documents/",
        AuditEpcisDocumentsView.as_view(),
        name="api-audit-epcis-documents",
    ),
    path(
        "audits/<str:pk>/epcis-queries/",
        AuditEpcisQueryView.as_view(),
        name="api-audit-epcis-query",
    ),
    path(
        "epcis-documents/<str:pk>/analyses/",
        DatasetAnalysesView.as_view(),
        name="api-epcis-analyses",
    ),
    path("trace-analyses/<str:pk>/", AnalysisView.as_view(), name="api-trace-analysis"),
    path(
        "trace-analyses/<str:pk>/report/",
        AnalysisReportView.as_view(),
        name="api-trace-analysis-report",
    ),
    path(
        "trace-analyses/<str:pk>/trace-test/",
        AnalysisTraceTestView.as_view(),
        name="api-trace-analysis-trace-test",
    ),
    path(
        "proposed-findings/<str:pk>/<str:name>/",
        ProposalDecideView.as_view(),
        name="api-proposed-finding-decide",
    ),
    path(
        "public/certificates/<path:number>/",
        PublicCertificateView.as_view(),
        name="api-public-certificate",
    ),
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script: CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", NotFoundView.as_view(), name="api-not-found"),
]
