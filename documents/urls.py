from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/upload/", views.upload, name="upload"),
    path("documents/<int:pk>/download/", views.download, name="download"),
]
