"""The installable web app of the checklists (namespace "checklists")."""

from django.urls import path

from checklists import offline

app_name = "checklists"

urlpatterns = [
    path("audits/sw.js", offline.service_worker, name="service_worker"),
    path("audits/manifest.webmanifest", offline.manifest, name="manifest"),
]
