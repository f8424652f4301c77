"""REST API of the certification app (routes in config/api_urls.py)."""

from certification.api.applications import (
    ApplicationViewSet,
    DecisionViewSet,
    OrganisationViewSet,
    SchemeViewSet,
)
from certification.api.cases import AppealViewSet, ComplaintViewSet, RegistrationViewSet
from certification.api.certificates import (
    CertificateViewSet,
    PublicCertificateLookupView,
    PublicCertificateView,
)
from certification.api.me import MeView
from certification.api.reports import SummaryView

__all__ = [
    "AppealViewSet",
    "ApplicationViewSet",
    "CertificateViewSet",
    "ComplaintViewSet",
    "DecisionViewSet",
    "MeView",
    "OrganisationViewSet",
    "PublicCertificateLookupView",
    "PublicCertificateView",
    "RegistrationViewSet",
    "SchemeViewSet",
    "SummaryView",
]
