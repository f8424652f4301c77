"""REST API of the checklists app: templates (read) and an audit's checklist (read, and bulk
answers in one request through checklists.services.checklist_save_answers)."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from audits.models import Audit
from audits.selectors import audit_get_for_user, audits_visible_to
from checklists.evidence import (
    chunk_bytes as evidence_chunk_bytes,
)
from checklists.evidence import (
    evidence_of,
    evidence_upload_chunk,
    evidence_upload_start,
)
from checklists.models import (
    AnswerConflict,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidencePhoto,
    EvidenceUpload,
)
from checklists.selectors import checklist_of, pinned_template
from checklists.services import checklist_save_answers
from checklists.sync import (
    answer_conflict_resolve,
    checklist_changes,
    checklist_sync,
    sync_blockers,
    sync_device_report,
)
from core.api.views import Filter, ReadOnlyApiViewSet
from core.limits import TEXT_MAX_LENGTH

# --- Templates ------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "code",
            "clause",
            "requirement_vi",
            "requirement_en",
            "guidance_vi",
            "guidance_en",
            "evidence_vi",
            "evidence_en",
            "severity",
            "applies_to",
            "position",
        ]


class SectionSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistSection
        fields = ["id", "code", "title_vi", "title_en", "position", "items"]


class TemplateListSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "version", "standard", "title_vi", "title_en", "status"]


class TemplateSerializer(TemplateListSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta(TemplateListSerializer.Meta):
        fields = [
            *TemplateListSerializer.Meta.fields,
            "description_vi",
            "description_en",
            "content_hash",
            "sections",
        ]


class ChecklistTemplateViewSet(ReadOnlyApiViewSet):
    """Versioned checklist templates with their sections and items. Published versions for
    everyone signed in; drafts for administrators."""

    serializer_class = TemplateSerializer
    list_serializer_class = TemplateListSerializer
    filter_fields = {
        "code": Filter("code"),
        "status": Filter("status", choices=tuple(ChecklistTemplate.Status.values)),
    }
    search_fields = ["code", "standard", "title_vi", "title_en"]
    ordering_fields = ["code", "version"]
    ordering = ["code", "-version"]

    def visible(self):
        templates = ChecklistTemplate.objects.all()
        if not self.request.user.is_superuser:
            templates = templates.filter(status=ChecklistTemplate.Status.PUBLISHED)
        return templates

    def fetch(self, pk: int):
        items = ChecklistItem.objects.order_by("position")
        sections = ChecklistSection.objects.order_by("position").prefetch_related(
            Prefetch("items", queryset=items)
        )
        return get_object_or_404(
            self.visible().prefetch_related(Prefetch("sections", queryset=sections)), pk=pk
        )


# --- An audit's checklist ---------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ChecklistAnswer.Result.choices)
    note = serializers.CharField(allow_blank=True)
    answered_by = serializers.IntegerField(source="answered_by_id")
    answered_by_name = serializers.CharField(source="answered_by.get_full_name")
    answered_at = serializers.DateTimeField()
    finding = serializers.IntegerField(source="finding_id", allow_null=True)


class AuditItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    clause = serializers.CharField(allow_blank=True)
    requirement = serializers.CharField()
    guidance = serializers.CharField(allow_blank=True)
    severity = serializers.CharField()
    answer = AnswerSerializer(allow_null=True)


class TallySerializer(serializers.Serializer):
    applicable = serializers.IntegerField()
    answered = serializers.IntegerField()
    percent = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class AuditSectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    tally = TallySerializer()
    items = AuditItemSerializer(many=True)


class PinnedTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()


class ChecklistSerializer(serializers.Serializer):
    audit = serializers.IntegerField()
    template = PinnedTemplateSerializer(allow_null=True)
    total = TallySerializer()
    score = serializers.FloatField(allow_null=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Sections with enough minors to consider a major."
    )
    sections = AuditSectionSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    result = serializers.ChoiceField(choices=ChecklistAnswer.Result.choices)
    note = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    evidence = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Evidence for a finding raised by the answer.",
    )


def _checklist_data(audit) -> dict:
    overview = checklist_of(audit)
    template = pinned_template(audit)
    return {
        "audit": audit.pk,
        "template": template,
        "total": overview.total,
        "score": overview.score,
        "warnings": overview.warnings,
        "sections": [
            {
                "code": row.section.code,
                "title": row.section.title,
                "tally": row.tally,
                "items": [
                    {
                        "id": item.pk,
                        "code": item.code,
                        "clause": item.clause,
                        "requirement": item.requirement,
                        "guidance": item.guidance,
                        "severity": item.severity,
                        "answer": answer,
                    }
                    for item, answer in row.items
                ],
            }
            for row in overview.sections
        ],
    }


class AuditChecklistView(APIView):
    """`GET`: the items that apply to the audit with their current answers, progress, score
    and warnings. `PATCH`: a list of answers saved in one request (the audit team, while the
    audit is in progress); nothing is saved when one answer is invalid."""

    @extend_schema(responses={200: ChecklistSerializer})
    def get(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        return Response(ChecklistSerializer(_checklist_data(audit)).data)

    @extend_schema(request=AnswerInputSerializer(many=True), responses={200: ChecklistSerializer})
    def patch(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        given = AnswerInputSerializer(data=request.data, many=True)
        if not given.is_valid():
            errors = given.errors
            if isinstance(errors, list):
                errors = dict(enumerate(errors))
            # Name each answer's errors by its position (the services name them by item code).
            raise exceptions.ValidationError(
                {
                    f"answer {int(key) + 1}" if str(key).isdigit() else key: value
                    for key, value in errors.items()
                    if value
                }
            )
        checklist_save_answers(audit=audit, answers=given.validated_data, by=request.user)
        return Response(ChecklistSerializer(_checklist_data(audit)).data)


# --- Working offline: delta, batch upsert with idempotency keys, conflicts, devices -----------


class ChangeInputSerializer(serializers.Serializer):
    key = serializers.UUIDField(
        help_text="Idempotency key: the same change sent twice is stored once."
    )
    item = serializers.IntegerField(min_value=1)
    result = serializers.ChoiceField(choices=ChecklistAnswer.Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    base_version = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="Version of the server's answer this change was based on (0: none seen).",
    )


class SyncInputSerializer(serializers.Serializer):
    device = serializers.UUIDField(required=False, help_text="The sending device's id.")
    pending = serializers.IntegerField(
        min_value=0, default=0, help_text="Changes left in the device's queue besides these."
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    changes = ChangeInputSerializer(many=True)


class ChangeResultSerializer(serializers.Serializer):
    key = serializers.UUIDField()
    item = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text="saved, conflict or rejected.")
    version = serializers.IntegerField()
    duplicate = serializers.BooleanField(help_text="The key was received before: nothing stored.")
    conflict = serializers.IntegerField(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField())


class SyncResultSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The audit's sync version after the batch.")
    results = ChangeResultSerializer(many=True)


class SyncedAnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    code = serializers.CharField(source="item.code")
    result = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    answered_by = serializers.IntegerField(source="answered_by_id")
    answered_by_name = serializers.CharField(source="answered_by.get_full_name")
    answered_at = serializers.DateTimeField()
    finding = serializers.IntegerField(source="finding_id", allow_null=True)


class ConflictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    code = serializers.CharField(source="item.code")
    state = serializers.CharField()
    result = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    answered_by = serializers.IntegerField(source="answered_by_id")
    answered_by_name = serializers.CharField(source="answered_by.get_full_name")
    answered_at = serializers.DateTimeField()
    base_version = serializers.IntegerField()
    server_version = serializers.IntegerField()
    server_result = serializers.CharField(allow_blank=True)
    server_note = serializers.CharField(allow_blank=True)


class ChangesSerializer(serializers.Serializer):
    audit = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Pass it as `since` next time.")
    since = serializers.IntegerField()
    answers = SyncedAnswerSerializer(many=True)
    conflicts = ConflictSerializer(many=True, help_text="Open conflicts (the lead resolves).")


class DeviceStatusInputSerializer(serializers.Serializer):
    device = serializers.UUIDField()
    pending = serializers.IntegerField(min_value=0)
    label = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class DeviceStatusSerializer(serializers.Serializer):
    device = serializers.UUIDField(source="device_id")
    pending = serializers.IntegerField()
    last_seen = serializers.DateTimeField()
    waiting_on_team = serializers.IntegerField(help_text="Changes waiting on all team devices.")
    open_conflicts = serializers.IntegerField()


class ResolveInputSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(
        choices=["keep", "take"], help_text="keep: the server's answer; take: the device's."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def _invalid(given) -> None:
    if not given.is_valid():
        raise exceptions.ValidationError(given.errors)


class AuditChecklistChangesView(APIView):
    """Changes since version N: the answers of the audit changed after `since` (0 for all),
    the audit's current sync version and the open conflicts. A device keeps `version` and
    asks again with it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", int, description="Sync version last seen (default 0).")
        ],
        responses={200: ChangesSerializer},
    )
    def get(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        since = request.query_params.get("since", "0")
        if not since.isdigit():
            raise exceptions.ValidationError({"since": ["A whole number ≥ 0."]})
        return Response(ChangesSerializer(checklist_changes(audit=audit, since=int(since))).data)


class AuditChecklistSyncView(APIView):
    """Batch upsert from a device's queue: each change with an idempotency key (sent twice,
    stored once) and the version of the server's answer it was based on. A change based on an
    older version that differs from the server's answer becomes a conflict (both kept; the
    lead chooses). Invalid changes are `rejected` one by one; the others are saved. The device
    reports how many changes remain in its queue (`pending`)."""

    @extend_schema(request=SyncInputSerializer, responses={200: SyncResultSerializer})
    def post(self, request, pk: int):
        given = SyncInputSerializer(data=request.data)
        if not given.is_valid():
            audit_get_for_user(request.user, pk)  # an audit they may not see stays a 404
            _invalid(given)
        data = given.validated_data
        try:
            # The sync's lock reads the audit among those the user may see.
            outcome = checklist_sync(
                audit=pk,
                changes=[dict(c) for c in data["changes"]],
                by=request.user,
                device=data.get("device"),
                pending=data["pending"],
                label=data["label"],
                within=audits_visible_to(request.user, pk=pk),
            )
        except Audit.DoesNotExist:
            raise exceptions.NotFound() from None
        return Response(SyncResultSerializer(outcome).data)


class AuditSyncStatusView(APIView):
    """A team member's device reports how many changes of the audit (answers, photos) wait in
    its queue; the report cannot be submitted while any device reports some."""

    @extend_schema(request=DeviceStatusInputSerializer, responses={200: DeviceStatusSerializer})
    def post(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        given = DeviceStatusInputSerializer(data=request.data)
        _invalid(given)
        data = given.validated_data
        device = sync_device_report(
            audit=audit,
            device=data["device"],
            pending=data["pending"],
            by=request.user,
            label=data["label"],
        )
        waiting, conflicts = sync_blockers(audit)
        device.waiting_on_team, device.open_conflicts = waiting, conflicts
        return Response(DeviceStatusSerializer(device).data)


class AnswerConflictResolveView(APIView):
    """The lead resolves a conflict: keep the server's answer or take the device's."""

    @extend_schema(request=ResolveInputSerializer, responses={200: ConflictSerializer})
    def post(self, request, pk: int):
        conflict = get_object_or_404(
            AnswerConflict.objects.select_related("item", "answered_by", "audit").filter(
                audit__in=audits_visible_to(request.user).values("pk")
            ),
            pk=pk,
        )
        given = ResolveInputSerializer(data=request.data)
        _invalid(given)
        resolved = answer_conflict_resolve(
            conflict=conflict,
            choice=given.validated_data["choice"],
            by=request.user,
            comment=given.validated_data["comment"],
        )
        resolved = AnswerConflict.objects.select_related("item", "answered_by").get(pk=resolved.pk)
        return Response(ConflictSerializer(resolved).data)


# --- Evidence photos and files: chunked, resumable upload -------------------------------------


class EvidencePhotoSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidencePhoto
        fields = [
            "id",
            "audit",
            "item",
            "finding",
            "upload_key",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "converted_from",
            "taken_at",
            "latitude",
            "longitude",
            "uploaded_by",
            "created_at",
            "file_url",
            "thumbnail_url",
        ]

    def get_file_url(self, photo) -> str:
        return reverse("api-evidence-file", args=[photo.pk])

    def get_thumbnail_url(self, photo) -> str | None:
        return reverse("api-evidence-thumbnail", args=[photo.pk]) if photo.thumbnail else None


class UploadStartSerializer(serializers.Serializer):
    key = serializers.UUIDField(help_text="Chosen by the device; starting again resumes.")
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1, help_text="Total bytes of the file.")
    item = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    finding = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class UploadSerializer(serializers.Serializer):
    key = serializers.UUIDField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    offset = serializers.IntegerField(source="received", help_text="Send the next chunk here.")
    chunk_size = serializers.IntegerField(help_text="Suggested chunk size in bytes.")
    photo = EvidencePhotoSerializer(allow_null=True, help_text="Set once the file is complete.")


class RawBytesParser(BaseParser):
    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


def _upload_data(upload) -> dict:
    upload.chunk_size = evidence_chunk_bytes()
    if upload.photo_id is not None:
        upload.photo = EvidencePhoto.objects.get(pk=upload.photo_id)
    return UploadSerializer(upload).data


class AuditEvidenceView(APIView):
    """`GET`: the evidence photos and files of the audit. `POST`: start (or resume) a chunked
    upload for a checklist item or a finding; then `PUT` its chunks to the upload."""

    accepts_uploads = True

    @extend_schema(responses={200: EvidencePhotoSerializer(many=True)})
    def get(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        return Response(EvidencePhotoSerializer(evidence_of(audit), many=True).data)

    @extend_schema(request=UploadStartSerializer, responses={201: UploadSerializer})
    def post(self, request, pk: int):
        audit = audit_get_for_user(request.user, pk)
        given = UploadStartSerializer(data=request.data)
        _invalid(given)
        data = given.validated_data
        upload = evidence_upload_start(
            audit=audit,
            key=data["key"],
            filename=data["filename"],
            size=data["size"],
            by=request.user,
            item=data["item"],
            finding=data["finding"],
        )
        return Response(_upload_data(upload), status=201)


class EvidenceUploadView(APIView):
    """`GET`: how many bytes of the upload the server has (resume from there). `PUT` with
    `?offset=N` and the raw bytes of the next chunk (application/octet-stream): the chunk that
    completes the file stores it (HEIC/HEIF converted to JPEG, EXIF time and place kept)."""

    accepts_uploads = True
    parser_classes = [RawBytesParser]

    def _upload(self, request, key):
        return get_object_or_404(EvidenceUpload, key=key, user=request.user)

    @extend_schema(responses={200: UploadSerializer})
    def get(self, request, key):
        return Response(_upload_data(self._upload(request, key)))

    @extend_schema(
        parameters=[OpenApiParameter("offset", int, required=True)],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: UploadSerializer},
    )
    def put(self, request, key):
        upload = self._upload(request, key)
        offset = request.query_params.get("offset", "")
        if not offset.isdigit():
            raise exceptions.ValidationError({"offset": ["A whole number ≥ 0."]})
        data = request.data if isinstance(request.data, bytes) else b""
        upload = evidence_upload_chunk(
            upload=upload, offset=int(offset), data=data, by=request.user
        )
        return Response(_upload_data(upload))


class _EvidenceDownload(APIView):
    field = "file"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        photo = get_object_or_404(
            EvidencePhoto.objects.filter(audit__in=audits_visible_to(request.user).values("pk")),
            pk=pk,
        )
        stored = getattr(photo, self.field)
        if not stored:
            raise Http404
        content_type = photo.content_type if self.field == "file" else "image/jpeg"
        response = FileResponse(stored.open("rb"), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{photo.original_name}"'
        response["Cache-Control"] = "private, max-age=86400"
        return response


class EvidenceFileView(_EvidenceDownload):
    """The stored evidence file (for whoever may see the audit)."""


class EvidenceThumbnailView(_EvidenceDownload):
    """A small JPEG of an evidence photo."""

    field = "thumbnail"
