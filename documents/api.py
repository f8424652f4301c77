"""REST API of the documents app: list, upload (multipart) and download. Reads go through
documents.selectors (a document is visible with its owner), uploads through
documents.services.document_upload (size → 413, type from the bytes → 415)."""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from core.api.views import Filter, ReadOnlyApiViewSet
from documents.models import DOC_TYPE_CHOICES, OWNER_MODELS, Document
from documents.selectors import (
    document_get_for_user,
    documents_visible_to,
    owner_model,
    owner_visible_to,
)
from documents.services import document_upload
from documents.storage import download_response
from documents.validation import DocumentTooLarge, max_bytes

# Room for the other form fields and multipart boundaries around the file itself.
_FORM_OVERHEAD = 64 * 1024


class DocumentSerializer(serializers.ModelSerializer):
    owner_type = serializers.SerializerMethodField()
    owner_id = serializers.IntegerField(source="object_id", read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "owner_type",
            "owner_id",
            "doc_type",
            "version",
            "name",
            "size",
            "sha256",
            "mime_type",
            "uploaded_by",
            "uploaded_at",
            "generated",
            "removed_at",
        ]

    def get_owner_type(self, document: Document) -> str | None:
        labels = self.context.setdefault("_owner_labels", {})
        if not labels:
            # One lookup of the content types (cached by Django), not one per row.
            for code in OWNER_MODELS:
                model = owner_model(code)
                if model is not None:
                    content_type = ContentType.objects.get_for_model(
                        model, for_concrete_model=False
                    )
                    labels[content_type.pk] = code
        return labels.get(document.content_type_id)


class UploadSerializer(serializers.Serializer):
    owner_type = serializers.ChoiceField(choices=sorted(OWNER_MODELS))
    owner_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    doc_type = serializers.ChoiceField(choices=DOC_TYPE_CHOICES)
    file = serializers.FileField(allow_empty_file=True, use_url=False)


def _of_owner_type(queryset, owner_type: str):
    model = owner_model(owner_type)
    if model is None:
        return queryset.none()
    return queryset.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False)
    )


class DocumentViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Documents of the objects the user may see. `POST` multipart attaches a new version
    (`owner_type`, `owner_id`, `doc_type`, `file`); `download/` hands the file over."""

    serializer_class = DocumentSerializer
    # A document never changes (a new version is a new row): synchronise on its upload.
    updated_field = "uploaded_at"
    accepts_uploads = True
    parser_classes = [MultiPartParser, FormParser]
    filter_fields = {
        "owner_type": Filter(choices=tuple(OWNER_MODELS), apply=_of_owner_type),
        "owner_id": Filter("object_id", "int"),
        "doc_type": Filter("doc_type", choices=tuple(dict(DOC_TYPE_CHOICES))),
    }
    search_fields = ["original_name"]
    ordering_fields = ["uploaded_at", "version"]
    ordering = ["-uploaded_at", "-id"]

    def visible(self):
        return documents_visible_to(self.request.user)

    def fetch(self, pk: int):
        return document_get_for_user(self.request.user, pk)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: DocumentSerializer}
    )
    def create(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isascii() and length.isdigit() and int(length) > max_bytes() + _FORM_OVERHEAD:
            raise DocumentTooLarge(
                _("The file is larger than the %(limit)s MB allowed.")
                % {"limit": f"{max_bytes() / (1024 * 1024):g}"}
            )
        given = UploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        model = owner_model(data["owner_type"])
        owner = model._default_manager.filter(pk=data["owner_id"]).first() if model else None
        if owner is None or not owner_visible_to(request.user, owner):
            raise Http404
        document = document_upload(
            owner=owner, doc_type=data["doc_type"], file=data["file"], by=request.user
        )
        return self.created(document)

    @extend_schema(
        summary="Download the file",
        description="The file's bytes, sent with the type it was stored with. With remote "
        "storage (S3), a redirect (302) to a short-lived signed URL instead.",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (200, "*/*"): OpenApiTypes.BINARY,
            302: OpenApiResponse(description="Redirect to a short-lived signed URL."),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def download(self, request, pk=None):
        return download_response(self.get_object())
