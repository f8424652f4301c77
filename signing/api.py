"""API: anyone checks a PDF file (POST /api/v1/public/verify-file/)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.views import ScopedThrottle
from signing import uploads
from signing.verify import UnreadablePdf, verify_pdf


class VerifyFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF to check (kept in memory, never stored).")


class FileCheckSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[
            "unsigned",
            "modified",
            "not_signed_by_body",
            "not_issued",
            "withdrawn",
            "not_current",
            "valid",
        ]
    )
    message = serializers.CharField()
    sha256 = serializers.CharField()
    signed = serializers.BooleanField()
    intact = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()
    signed_by_registered_certificate = serializers.BooleanField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    timestamped = serializers.BooleanField()
    body = serializers.CharField()
    demo_certificate = serializers.BooleanField()
    issued_by_us = serializers.BooleanField()
    kind = serializers.CharField()
    edition = serializers.IntegerField(allow_null=True)
    certificate_number = serializers.CharField()
    certificate_state = serializers.CharField()
    certificate_state_label = serializers.CharField()
    is_current = serializers.BooleanField(allow_null=True)
    current_number = serializers.CharField()
    current_verify_url = serializers.CharField()
    current_pdf_url = serializers.CharField()


def _error(code: str, message: str, http_status: int) -> Response:
    return Response({"code": code, "detail": message}, status=http_status)


class PublicVerifyFileView(APIView):
    """Anyone uploads a PDF (multipart, field `file`) and learns whether its signature is
    intact and made by a certificate a body registered, whether it is exactly a version we
    issued, the certificate's state now and its current version. Nothing is stored."""

    public = True
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "verify_file"

    def initialize_request(self, request, *args, **kwargs):
        uploads.use_memory_only(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": VerifyFileUploadSerializer},
        responses={
            200: FileCheckSerializer,
            400: OpenApiResponse(description="No file sent."),
            413: OpenApiResponse(description="Larger than VERIFY_FILE_MAX_BYTES."),
            415: OpenApiResponse(description="Not a readable PDF."),
        },
    )
    def post(self, request):
        if uploads.declared_too_large(request._request):
            return _error("too_large", uploads.too_large_message(), 413)
        uploaded = request.data.get("file")
        if uploaded is None or not hasattr(uploaded, "read"):
            message = _("Send the PDF in the field “file”.")
            return Response(
                {"code": "invalid", "detail": message, "errors": {"file": [message]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            check = verify_pdf(uploads.read_upload(uploaded))
        except uploads.TooLarge as exc:
            return _error("too_large", str(exc), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except UnreadablePdf:
            return _error(
                "unsupported_type",
                _("This file is not a PDF that can be read."),
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        response = Response(FileCheckSerializer(check.as_dict()).data)
        response["Cache-Control"] = "no-store"
        return response
