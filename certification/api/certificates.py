"""API: certificates, their generated document, and the public verification by number."""

import json

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from certification import public_cache
from certification.api.serializers import (
    CertificateListSerializer,
    CertificateSerializer,
    PublicCertificateSerializer,
    PublicLookupResultSerializer,
    PublicLookupSerializer,
    SuspendSerializer,
)
from certification.models import Certificate
from certification.public_lookup import (
    distinct_numbers,
    public_certificate_data,
    public_certificates_found,
)
from certification.selectors import (
    certificate_for_public,
    certificate_get_for_user,
    certificates_visible_to,
)
from certification.services import (
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from certification.views.public import serve_public_answer
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
        description="The bytes of the .docx file (sent with its own content type).",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (200, DOCX): OpenApiTypes.BINARY,
        },
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

    public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "public"

    @extend_schema(
        summary="Verify a certificate by its number", responses=PublicCertificateSerializer
    )
    def get(self, request, number: str):
        if "\x00" in number:
            raise exceptions.NotFound()
        # Served from the public cache like the /verify/ page (same ETag/304 rules).
        return serve_public_answer(
            request, number, "api", lambda: self._answer(number), personal=False
        )

    @staticmethod
    def _answer(number: str):
        certificate, current = certificate_for_public(number)
        content = public_answer_json(certificate, current)
        return HttpResponse(content, content_type="application/json"), certificate


def public_answer_json(certificate: Certificate, current: Certificate | None) -> bytes:
    """The public answer about one certificate version, as the single and the bulk lookup
    send and cache it (the shape of PublicCertificateSerializer: the data's keys are its
    fields, dates in ISO 8601)."""
    return JSONRenderer().render(public_certificate_data(certificate, current))


class PublicCertificateLookupView(APIView):
    """Bulk verification for the national portal and large buyers: `POST {"numbers": [...]}`
    with up to 500 numbers; one row per distinct number, in the order asked, with the same
    public data as the single lookup (or `found: false`). Its own rate limit per address
    (API_THROTTLE_PUBLIC_LOOKUP, default 30 requests a minute)."""

    public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "public_lookup"
    no_conflicts = True

    @extend_schema(
        summary="Verify up to 500 certificates at once",
        request=PublicLookupSerializer,
        responses={200: PublicLookupResultSerializer},
    )
    def post(self, request):
        given = PublicLookupSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # Each certificate's answer is the single lookup's, from the same cache (variant
        # `api:<language>`); the misses are read in a handful of queries and cached in turn.
        asked = distinct_numbers(given.validated_data["numbers"])
        variant = f"api:{translation.get_language() or ''}"
        answers = {n: a.content for n, a in public_cache.get_many(asked, variant).items()}
        missing = [n for n in asked if n not in answers]
        if missing:
            before = public_cache.generations_for(missing)
            fresh = []
            for number, found in public_certificates_found(missing).items():
                if found is None:
                    continue
                content = public_answer_json(*found)
                answer = public_cache.PublicAnswer.build(content, "application/json")
                family = public_cache.family_of(found[0])
                fresh.append((number, answer, family, before.get(number)))
                answers[number] = content
            public_cache.set_many(variant, fresh)
        # The body is put together from the answers' JSON as it is (the schema is
        # PublicLookupResultSerializer's), not decoded and rendered again.
        rows = [
            b'{"number":%s,"found":%s,"certificate":%s}'
            % (
                json.dumps(number, ensure_ascii=False).encode(),
                b"true" if number in answers else b"false",
                answers.get(number, b"null"),
            )
            for number in asked
        ]
        body = b'{"count":%d,"found":%d,"results":[%s]}' % (
            len(rows),
            sum(1 for number in asked if number in answers),
            b",".join(rows),
        )
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response
