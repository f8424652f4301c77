"""REST API v1 (../shared/spec/api.md). Each app adds its routes here."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from certification.api import MeView

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
