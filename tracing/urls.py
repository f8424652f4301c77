"""Pages of the trace test from EPCIS data (namespace "tracing")."""

from django.urls import path

from tracing import views

app_name = "tracing"

urlpatterns = [
    path("audits/<int:pk>/epcis/", views.audit_tracing, name="audit_tracing"),
    path("audits/<int:pk>/epcis/upload/", views.dataset_upload, name="dataset_upload"),
    path("audits/<int:pk>/epcis/query/", views.dataset_query, name="dataset_query"),
    path("audits/<int:pk>/epcis/analyse/", views.analysis_create, name="analysis_create"),
    path("trace-analyses/<int:pk>/", views.analysis_detail, name="analysis_detail"),
    path("trace-analyses/<int:pk>/graph.png", views.analysis_graph, name="analysis_graph"),
    path("trace-analyses/<int:pk>/report/", views.analysis_report, name="analysis_report"),
    path("trace-analyses/<int:pk>/trace-test/", views.analysis_prefill, name="analysis_prefill"),
    path(
        "proposed-findings/<int:pk>/<str:name>/",
        views.proposal_decide,
        name="proposal_decide",
    ),
    path("epcis/query-interface/", views.endpoint_edit, name="endpoint"),
]
