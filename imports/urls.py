from django.urls import path, re_path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(
        r"^(?P<kind>[a-z_]+)/template\.(?P<fmt>xlsx|csv)$",
        views.template_download,
        name="template",
    ),
    re_path(
        r"^samples/legacy-certificates\.(?P<fmt>xlsx|csv)$",
        views.sample_download,
        name="sample",
    ),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/status/", views.batch_status, name="batch_status"),
    path("<slug:kind>/", views.upload, name="upload"),
]
