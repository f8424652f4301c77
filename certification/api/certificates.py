"""API: certificates, their generated document, and the public verification by number."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.api.serializers import (
    CertificateListSerializer,
    CertificateSerializer,
    PublicCertificateSerializer,
    SuspendSerializer,
)
from certification.models import Certificate
from certification.selectors import (
    certificate_for_public,
    certificate_get_for_user,
    certificates_visible_to,
    stop_use_notice_of,
)
from certification.services import (
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from core.api.views import (
    Filter,
    ReadOnlyApiViewSet,
    ScopedThrottle,
    Step,
    TransitionsMixin,
    with_transitions,
)
from documents.models import GeneratedType
from documents.selectors import current_documents_of
from documents.storage import download_response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@with_transitions
class CertificateViewSet(TransitionsMixin, ReadOnlyApiViewSet):
    """Certificates the user may see; the body's staff suspend, reinstate and withdraw them
    (`transitions/`). Expiry and supersession are the system's; restoration is the grant of a
    recertification application (a decision), never a step of its own."""

    serializer_class = CertificateSerializer
    list_serializer_class = CertificateListSerializer
    subject = "certificate"
    steps = {
        "suspend": Step(certificate_suspend, SuspendSerializer),
        "reinstate": Step(certificate_reinstate),
        "withdraw": Step(certificate_withdraw),
    }
    filter_fields = {
        "state": Filter("state", choices=tuple(Certificate.State.values)),
        "enterprise": Filter("enterprise_id", "int"),
        "body": Filter("body_id", "int"),
        "scheme": Filter("scheme_id", "int"),
        "application": Filter("application_id", "int"),
    }
    search_fields = ["number", "enterprise__name", "enterprise__tax_code"]
    ordering_fields = ["issued_on", "valid_until", "number", "next_surveillance_due"]
    ordering = ["-issued_on", "-id"]

    def visible(self):
        return certificates_visible_to(self.request.user).select_related(
            "enterprise", "body", "decision"
        )

    def fetch(self, pk: int):
        return certificate_get_for_user(self.request.user, pk)

    @extend_schema(
        summary="Download the generated certificate (.docx, newest version)",
        responses={(200, DOCX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def document(self, request, pk=None):
        certificate = self.get_object()
        generated = next(
            (
                d
                for d in current_documents_of(certificate)
                if d.doc_type == GeneratedType.CERTIFICATE
            ),
            None,
        )
        if generated is None:
            raise exceptions.NotFound(_("The certificate document has not been generated yet."))
        return download_response(generated)


class PublicCertificateView(APIView):
    """Anyone may check a certificate by its number: holder, standard, scope, state, dates,
    body, and whether it is the current version (else the current number)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "public"

    @extend_schema(responses={200: PublicCertificateSerializer}, auth=[{}])
    def get(self, request, number: str):
        if "\x00" in number:
            raise exceptions.NotFound()
        certificate, current = certificate_for_public(number)
        notice = stop_use_notice_of(certificate)
        data = {
            "number": certificate.number,
            "holder": certificate.enterprise.name,
            "standard": certificate.standard,
            "sector_standard": certificate.sector_standard,
            "decision_number": certificate.decision.number,
            "scope": {
                "products": certificate.products,
                "sites": certificate.sites,
                "stages": certificate.stages,
            },
            "state": certificate.state,
            "state_label": certificate.get_state_display(),
            "issued": certificate.issued_on,
            "initially_certified_on": certificate.initially_certified_on,
            "valid_from": certificate.valid_from,
            "valid_until": certificate.valid_until,
            "lapsed_from": certificate.lapsed_from,
            "lapsed_until": certificate.lapsed_until,
            "body": certificate.body.name,
            "is_current": certificate.is_current,
            "current_number": current.number if current is not None else None,
            "stop_use_by": notice.deadline if notice is not None else None,
        }
        response = Response(PublicCertificateSerializer(data).data)
        response["Cache-Control"] = "no-cache"
        return response
