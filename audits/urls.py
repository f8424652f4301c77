"""Pages of audits, checklists and findings (namespace "audits")."""

from django.urls import path

from audits import views, views_calendar, views_competence

app_name = "audits"

urlpatterns = [
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/new/", views.audit_plan_view, name="audit_plan"),
    path("audits/calendar/", views_calendar.audit_calendar, name="audit_calendar"),
    path(
        "audits/calendar/<str:token>.ics",
        views_calendar.audit_calendar_feed,
        name="audit_calendar_feed",
    ),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path(
        "audits/<int:pk>/transitions/<str:name>/",
        views.audit_transition,
        name="audit_transition",
    ),
    # The base URL of the transition buttons (the partial appends "<name>/").
    path(
        "audits/<int:pk>/transitions/",
        views.audit_transition,
        {"name": ""},
        name="audit_transitions",
    ),
    path("audits/<int:pk>/team/", views.audit_team_add_view, name="audit_team_add"),
    path("audits/<int:pk>/time/", views.audit_time_set, name="audit_time_set"),
    path(
        "audits/<int:pk>/team/<int:member_pk>/remove/",
        views.audit_team_remove_view,
        name="audit_team_remove",
    ),
    path(
        "audits/<int:pk>/objections/",
        views.audit_objection_raise,
        name="audit_objection_raise",
    ),
    path(
        "audits/<int:pk>/objections/<int:objection_pk>/<str:name>/",
        views.objection_transition,
        name="objection_transition",
    ),
    path("audits/<int:pk>/declaration/", views.audit_declaration, name="audit_declaration"),
    path("audits/<int:pk>/trace-tests/", views.trace_test_create, name="trace_test_record"),
    path("audits/<int:pk>/findings/", views.finding_create, name="finding_raise"),
    path("audits/<int:pk>/checklist/", views.audit_checklist, name="audit_checklist"),
    path("audits/<int:pk>/checklist/save/", views.checklist_save, name="checklist_save"),
    path("competence/", views_competence.competence_list, name="competence_list"),
    path("competence/new/", views_competence.competence_edit, name="competence_create"),
    path("competence/<int:pk>/", views_competence.competence_edit, name="competence_edit"),
    path("competence/witnessing/", views_competence.witnessing_list, name="witnessing_list"),
    path("competence/witnessing/new/", views_competence.witnessing_edit, name="witnessing_create"),
    path(
        "competence/witnessing/<int:pk>/",
        views_competence.witnessing_edit,
        name="witnessing_edit",
    ),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/respond/", views.finding_respond_view, name="finding_respond"),
    path(
        "findings/<int:pk>/transitions/<str:name>/",
        views.finding_transition,
        name="finding_transition",
    ),
    path(
        "findings/<int:pk>/transitions/",
        views.finding_transition,
        {"name": ""},
        name="finding_transitions",
    ),
]
