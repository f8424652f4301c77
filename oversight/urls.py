from django.urls import path, re_path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plan/", views.plan, name="plan"),
    path("plan/activities/new/", views.activity_create, name="activity_create"),
    path("plan/activities/<int:pk>/evidence/", views.activity_evidence, name="activity_evidence"),
    path("plan/targets/<slug:code>/", views.target_update, name="target_update"),
    re_path(
        r"^plan/report/(?P<year>[0-9]{4})\.(?P<fmt>docx|xlsx)$",
        views.annual_report,
        name="annual_report",
    ),
    path("plan/high-risk-groups/", views.high_risk_groups, name="high_risk_groups"),
    path("plan/high-risk-groups/<int:pk>/", views.high_risk_groups, name="high_risk_group_edit"),
    path("register/", views.register, name="register"),
    re_path(r"^register/export\.(?P<fmt>csv|xlsx)$", views.register_export, name="register_export"),
]
