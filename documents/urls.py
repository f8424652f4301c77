from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/upload/", views.upload, name="upload"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/preview/", views.preview, name="preview"),
    path("documents/<int:pk>/replace/", views.replace, name="replace"),
    path("documents/<int:pk>/remove/", views.remove, name="remove"),
]
