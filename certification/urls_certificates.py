"""Certificates, public verification, registrations, appeals, complaints (pages)."""

urlpatterns: list = []
