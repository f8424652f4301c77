"""Applications, decisions (pages)."""

from django.urls import path

from certification.views import applications as views

urlpatterns: list = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create_view, name="application_create"),
    path("applications/scope-row/", views.application_scope_row, name="application_scope_row"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/transfer-review/",
        views.application_transfer_review_view,
        name="application_transfer_review",
    ),
    path(
        "applications/<int:pk>/transitions/<str:name>/",
        views.application_transition,
        name="application_transition",
    ),
    # The base URL of the transition buttons (the partial appends "<name>/").
    path(
        "applications/<int:pk>/transitions/",
        views.application_transition,
        {"name": ""},
        name="application_transitions",
    ),
    path(
        "applications/<int:pk>/mark-rules/",
        views.application_accept_mark_rules_view,
        name="application_accept_mark_rules",
    ),
    path(
        "applications/<int:pk>/decision-maker/",
        views.application_assign_decision_maker_view,
        name="application_assign_decision_maker",
    ),
    path(
        "applications/<int:pk>/decision/", views.application_decision, name="application_decision"
    ),
]
