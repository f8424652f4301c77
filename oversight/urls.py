from django.urls import path, re_path

from oversight import views, views_figures

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<slug:code>/", views_figures.figure_list, name="figure_list"),
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
    path(
        "plan/high-risk-groups/<int:pk>/products/",
        views.high_risk_product_add,
        name="high_risk_product_add",
    ),
    path("plan/high-risk-snapshots/", views.high_risk_snapshot, name="high_risk_snapshot"),
    path("plan/indicators/<slug:code>/", views.indicator_detail, name="indicator_detail"),
    path("plan/task-groups/<slug:group>/", views.task_group_detail, name="task_group_detail"),
    path(
        "plan/outside-certifications/",
        views.outside_certifications,
        name="outside_certifications",
    ),
    path("register/", views.register, name="register"),
    re_path(r"^register/export\.(?P<fmt>csv|xlsx)$", views.register_export, name="register_export"),
]
