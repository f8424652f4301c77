from django.urls import path

from signing import views, views_staff

app_name = "signing"

urlpatterns = [
    # Before certification's verify/<path:number>/, which would take "file" for a number.
    path("verify/file/", views.verify_file, name="verify_file"),
    path("verify/pdf/<path:number>/", views.certificate_pdf, name="certificate_pdf"),
    # The body's staff: logo and signing certificates.
    path("signing/", views_staff.signing_settings, name="settings"),
    path("signing/bodies/<int:pk>/logo/", views_staff.logo_upload, name="logo_upload"),
    path("signing/bodies/<int:pk>/logo/image/", views_staff.logo_show, name="logo_show"),
    path(
        "signing/bodies/<int:pk>/certificates/",
        views_staff.certificate_register,
        name="certificate_register",
    ),
    path(
        "signing/certificates/<int:pk>/retire/",
        views_staff.certificate_retire,
        name="certificate_retire",
    ),
]
