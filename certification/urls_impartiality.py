"""Pages of the body's impartiality records (officers and decision makers of the body)."""

from django.urls import path

from certification.views import impartiality as views
from certification.views import management

urlpatterns = [
    path("impartiality/", views.impartiality_overview, name="impartiality"),
    path("impartiality/risks/new/", views.risk_create, name="risk_create"),
    path("impartiality/risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path(
        "impartiality/risks/<int:pk>/transitions/<str:name>/",
        views.risk_transition,
        name="risk_transition",
    ),
    path("impartiality/meetings/new/", views.meeting_create, name="meeting_create"),
    path("impartiality/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("bodies/<int:pk>/management/", management.body_management, name="body_management"),
    path(
        "complaints/<int:pk>/people-concerned/",
        management.complaint_people_concerned,
        name="complaint_people_concerned",
    ),
    path("impartiality/conflicts/new/", views.body_conflict_create, name="body_conflict_create"),
]
