"""Photos and files taken as evidence for a checklist item or a finding, uploaded in chunks so
that a large photo on a weak connection resumes where it stopped.

`evidence_upload_start` opens an upload (idempotent by its key), `evidence_upload_chunk`
appends bytes at the offset the server has, and the last chunk finishes it: the type is read
from the bytes (JPEG, PNG, HEIC/HEIF, PDF), HEIC/HEIF is converted to JPEG, the time and place
the camera recorded (EXIF) are kept as evidence metadata, and a thumbnail is made. An invalid
file is refused (400/413/415) and nothing of it is stored.
"""

import datetime
import hashlib
import io
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Audit, Finding
from audits.rules import assessor_on_team
from checklists.models import ChecklistItem, EvidencePhoto, EvidenceUpload
from core.exceptions import DomainError
from core.models import User
from documents.validation import DocumentRejected, DocumentTooLarge, UnsupportedDocumentType

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"heif"}
THUMBNAIL_SIZE = (320, 320)
# EXIF tags
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 0x0132, 0x9003, 0x9011


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", 25 * 1024 * 1024))


def chunk_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_CHUNK_BYTES", 512 * 1024))


def partial_dir() -> Path:
    configured = getattr(settings, "EVIDENCE_UPLOAD_DIR", "") or ""
    path = Path(configured) if configured else Path(settings.MEDIA_ROOT) / "partial-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _partial_path(upload: EvidenceUpload) -> Path:
    return partial_dir() / f"{upload.key}.part"


def detect(head: bytes) -> str | None:
    """ "jpeg", "png", "heif", "pdf" from a file's first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heif"
    return None


def _require_team(audit: Audit, by: User) -> None:
    allowed = assessor_on_team(audit, by)
    if allowed is not True:
        raise PermissionDenied(allowed or _("Only the audit team adds evidence."))


def _require_in_progress(audit: Audit) -> None:
    if audit.state != Audit.State.IN_PROGRESS:
        raise DomainError(
            _("Evidence is added while the audit is in progress."),
            code="audit_not_in_progress",
        )


def evidence_upload_start(
    *,
    audit: Audit,
    key: uuid.UUID | str,
    filename: str,
    size: int,
    by: User,
    item: int | None = None,
    finding: int | None = None,
) -> EvidenceUpload:
    """Open an upload of `size` bytes for a checklist item or a finding of `audit` (or the
    audit itself). Idempotent: the same key returns the upload as it stands (with the offset
    to resume from). Raises DomainError (409) outside an audit in progress or for a key of
    another audit, PermissionDenied unless `by` works on the team, DocumentTooLarge (413)
    above EVIDENCE_MAX_BYTES, ValidationError for an item or finding not of this audit."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        raise ValidationError({"key": _("The upload key must be a UUID.")}) from None
    existing = EvidenceUpload.objects.filter(key=key).first()
    if existing is not None:
        if existing.audit_id != audit.pk or existing.user_id != by.pk:
            raise DomainError(_("This upload key is already used."), code="upload_key_used")
        return existing
    _require_in_progress(audit)
    _require_team(audit, by)
    if not isinstance(size, int) or size <= 0:
        raise DocumentRejected(_("The file is empty."))
    if size > max_bytes():
        raise DocumentTooLarge(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{max_bytes() / (1024 * 1024):g}"}
        )
    errors = {}
    if (
        item is not None
        and not ChecklistItem.objects.filter(
            pk=item, template__audit_checklists__audit=audit
        ).exists()
    ):
        errors["item"] = _("No such item in this audit's checklist.")
    if finding is not None and not Finding.objects.filter(pk=finding, audit=audit).exists():
        errors["finding"] = _("No such finding in this audit.")
    if errors:
        raise ValidationError(errors)
    from documents.validation import sanitise_name

    upload = EvidenceUpload.objects.create(
        key=key,
        audit=audit,
        item_id=item,
        finding_id=finding,
        filename=sanitise_name(filename or "photo.jpg"),
        size=size,
        user=by,
    )
    _partial_path(upload).write_bytes(b"")
    return upload


def evidence_upload_chunk(
    *, upload: EvidenceUpload, offset: int, data: bytes, by: User
) -> EvidenceUpload:
    """Append `data` at `offset`. The offset must be the number of bytes the server has
    (DomainError `offset_mismatch`, 409, says which to resume from); a chunk sent again after
    the upload finished is answered with the finished upload. The chunk that completes the
    file finishes it (see `evidence_finish`)."""
    if upload.user_id != by.pk:
        raise PermissionDenied(_("This upload belongs to someone else."))
    if upload.photo_id is not None:
        return upload
    rejected: DocumentRejected | None = None
    with transaction.atomic():
        upload = EvidenceUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.photo_id is not None:
            return upload
        if offset != upload.received:
            raise DomainError(
                _("The server has %(n)d bytes of this file: resume from there.")
                % {"n": upload.received},
                code="offset_mismatch",
            )
        if not data:
            raise ValidationError({"data": _("The chunk is empty.")})
        if upload.received + len(data) > upload.size:
            raise DocumentRejected(_("The chunk goes past the size announced for the file."))
        path = _partial_path(upload)
        with path.open("ab") as handle:
            handle.seek(upload.received)
            handle.truncate()
            handle.write(data)
        upload.received += len(data)
        upload.save(update_fields=["received"])
        if upload.received == upload.size:
            audit = Audit.objects.get(pk=upload.audit_id)
            _require_in_progress(audit)
            try:
                photo = evidence_store(
                    audit=audit,
                    content=path.read_bytes(),
                    filename=upload.filename,
                    by=by,
                    item=upload.item_id,
                    finding=upload.finding_id,
                    key=upload.key,
                )
            except DocumentRejected as exc:
                # Nothing of an invalid file is kept: the upload is forgotten with its bytes.
                path.unlink(missing_ok=True)
                upload.delete()
                rejected = exc
            else:
                upload.photo = photo
                upload.save(update_fields=["photo"])
                path.unlink(missing_ok=True)
    if rejected is not None:
        raise rejected
    return upload


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return float(value[0]) / float(value[1])


def _coordinate(values: Any, ref: Any) -> Decimal | None:
    try:
        degrees, minutes, seconds = (_ratio(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    number = degrees + minutes / 60 + seconds / 3600
    if str(ref or "").upper().startswith(("S", "W")):
        number = -number
    return Decimal(f"{number:.6f}")


def exif_metadata(image) -> dict[str, Any]:
    """Time taken and GPS position from an image's EXIF, when present."""
    found: dict[str, Any] = {}
    try:
        exif = image.getexif()
    except Exception:  # a damaged EXIF block is no reason to refuse the photo
        return found
    if not exif:
        return found
    details = exif.get_ifd(_EXIF_IFD) or {}
    stamp = details.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if stamp:
        try:
            naive = datetime.datetime.strptime(  # noqa: DTZ007 (EXIF time has no zone)
                str(stamp).strip("\x00 "), "%Y:%m:%d %H:%M:%S"
            )
        except ValueError:
            naive = None
        if naive is not None:
            offset = str(details.get(_OFFSET_ORIGINAL) or "").strip("\x00 ")
            if offset:
                try:
                    found["taken_at"] = datetime.datetime.strptime(
                        f"{naive:%Y-%m-%d %H:%M:%S}{offset}", "%Y-%m-%d %H:%M:%S%z"
                    )
                except ValueError:
                    found["taken_at"] = timezone.make_aware(naive)
            else:
                found["taken_at"] = timezone.make_aware(naive)
    gps = exif.get_ifd(_GPS_IFD) or {}
    if gps.get(2) and gps.get(4):
        latitude, longitude = _coordinate(gps[2], gps.get(1)), _coordinate(gps[4], gps.get(3))
        if latitude is not None and longitude is not None:
            found["latitude"], found["longitude"] = latitude, longitude
    return found


def _open_image(content: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        Image.open(io.BytesIO(content)).verify()
        return Image.open(io.BytesIO(content))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentRejected(_("The image cannot be read: %(e)s") % {"e": exc}) from None


def heif_to_jpeg(content: bytes) -> tuple[bytes, Any]:
    """A HEIC/HEIF photo as JPEG bytes, with its EXIF kept; returns (jpeg, opened image)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except Exception as exc:  # libheif raises its own errors for a damaged file
        raise DocumentRejected(_("The HEIC photo cannot be read: %(e)s") % {"e": exc}) from None
    out = io.BytesIO()
    exif = image.info.get("exif")
    rgb = image.convert("RGB")
    options = {"quality": 90}
    if exif:
        options["exif"] = exif
    rgb.save(out, "JPEG", **options)
    return out.getvalue(), image


def _thumbnail(image) -> bytes:
    from PIL import ImageOps

    thumb = ImageOps.exif_transpose(image.convert("RGB"))
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def evidence_store(
    *,
    audit: Audit,
    content: bytes,
    filename: str,
    by: User,
    item: int | None = None,
    finding: int | None = None,
    key: uuid.UUID | None = None,
) -> EvidencePhoto:
    """Store one complete file as evidence (the caller checked the team and the audit).
    Raises UnsupportedDocumentType (415) for anything but JPEG, PNG, HEIC/HEIF or PDF,
    DocumentTooLarge (413), DocumentRejected (400) for an image that cannot be read."""
    if not content:
        raise DocumentRejected(_("The file is empty."))
    if len(content) > max_bytes():
        raise DocumentTooLarge(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{max_bytes() / (1024 * 1024):g}"}
        )
    kind = detect(content[:16])
    if kind is None:
        raise UnsupportedDocumentType(
            _("Only photos (JPEG, PNG, HEIC/HEIF) and PDF files are accepted as evidence.")
        )
    if item is not None and finding is None:
        from checklists.models import ChecklistAnswer

        finding = (
            ChecklistAnswer.objects.filter(audit=audit, item_id=item)
            .values_list("finding_id", flat=True)
            .first()
        )
    stem = Path(filename or "evidence").stem[:100] or "evidence"
    converted_from, metadata, thumb = "", {}, b""
    if kind == "heif":
        content, image = heif_to_jpeg(content)
        converted_from, kind = "heic", "jpeg"
        metadata = exif_metadata(image)
        thumb = _thumbnail(image)
    elif kind in ("jpeg", "png"):
        image = _open_image(content)
        metadata = exif_metadata(image)
        thumb = _thumbnail(image)
    extension = {"jpeg": ".jpg", "png": ".png", "pdf": ".pdf"}[kind]
    content_type = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[kind]
    photo = EvidencePhoto(
        audit=audit,
        item_id=item,
        finding_id=finding,
        upload_key=key or uuid.uuid4(),
        original_name=f"{stem}{extension}",
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        converted_from=converted_from,
        uploaded_by=by,
        **metadata,
    )
    name = f"{photo.upload_key}{extension}"
    photo.file.save(name, ContentFile(content), save=False)
    if thumb:
        photo.thumbnail.save(f"{photo.upload_key}.jpg", ContentFile(thumb), save=False)
    photo.save()
    return photo


def evidence_of(audit: Audit):
    """The evidence photos and files of an audit, oldest first."""
    return EvidencePhoto.objects.filter(audit=audit).select_related("uploaded_by")
