"""Certificates, public verification, registrations, appeals, complaints (pages)."""

from django.urls import path

from certification.views import appeals, certificates, public, registrations

urlpatterns: list = [
    # Certificates (signed in)
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path(
        "certificates/<int:pk>/programme/",
        certificates.certificate_programme,
        name="certificate_programme",
    ),
    path(
        "certificates/<int:pk>/transitions/<slug:name>/",
        certificates.certificate_transition,
        name="certificate_transition",
    ),
    # Public: verification (the QR code opens /verify/<number>/; a re-issued number has a "/")
    path("verify/", public.verify_search, name="verify_search"),
    path("verify/<path:number>/", public.verify, name="verify"),
    path("complaints/new/", public.complaint_new, name="complaint_new"),
    path("complaints/sent/", public.complaint_sent, name="complaint_sent"),
    path("complaints/track/<str:token>/", public.complaint_track, name="complaint_track"),
    # Complaints (body officers)
    path("complaints/", appeals.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", appeals.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<int:pk>/transitions/<slug:name>/",
        appeals.complaint_transition,
        name="complaint_transition",
    ),
    # Appeals
    path("appeals/", appeals.appeal_list, name="appeal_list"),
    path("appeals/new/", appeals.appeal_new, name="appeal_new"),
    path("appeals/<int:pk>/", appeals.appeal_detail, name="appeal_detail"),
    path(
        "appeals/<int:pk>/transitions/<slug:name>/",
        appeals.appeal_transition,
        name="appeal_transition",
    ),
    # Body registrations
    path("registrations/", registrations.registration_list, name="registration_list"),
    path("registrations/new/", registrations.registration_new, name="registration_new"),
    path(
        "registrations/<int:pk>/",
        registrations.registration_detail,
        name="registration_detail",
    ),
    path(
        "registrations/<int:pk>/transitions/<slug:name>/",
        registrations.registration_transition,
        name="registration_transition",
    ),
]
