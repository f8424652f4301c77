"""Evidence photos and files: chunked, resumable upload; HEIC/HEIF converted to JPEG on the
server with the camera's time and place kept; invalid files refused with nothing stored."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from PIL import Image
from rest_framework.test import APIClient

from checklists.evidence import evidence_store
from checklists.models import EvidencePhoto, EvidenceUpload
from checklists.selectors import applicable_items

pytestmark = pytest.mark.django_db


def _exif(with_gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Test camera"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2026:11:28 09:15:30"
    details[0x9011] = "+07:00"
    if with_gps:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (13.0, 58.0, 57.6)  # 13.9827° N (Pleiku)
        gps[3] = "E"
        gps[4] = (108.0, 0.0, 36.0)  # 108.01° E
    return exif


def heic_bytes(size=(64, 48), colour=(200, 30, 30), exif: Image.Exif | None = None) -> bytes:
    """A real HEIC photo made with pillow-heif (its encoder ships in the wheel)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    options = {"quality": 90}
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(out, "HEIF", **options)
    return out.getvalue()


def jpeg_bytes(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, "JPEG", exif=_exif(with_gps=False).tobytes())
    return out.getvalue()


@pytest.fixture
def item(stage1):
    return applicable_items(stage1)[0]


def test_a_heic_photo_is_stored_as_jpeg_with_its_time_and_place(stage1, member, item):
    content = heic_bytes(exif=_exif())
    assert content[4:12] == b"ftypheic"

    photo = evidence_store(
        audit=stage1, content=content, filename="IMG_0042.HEIC", by=member, item=item.pk
    )

    assert (photo.content_type, photo.converted_from, photo.original_name) == (
        "image/jpeg",
        "heic",
        "IMG_0042.jpg",
    )
    stored = photo.file.open("rb").read()
    assert stored.startswith(b"\xff\xd8\xff")
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (64, 48)
    red, green, _blue = image.convert("RGB").getpixel((32, 24))
    assert red > 150 and green < 80  # the colours survived the conversion
    assert photo.taken_at == datetime.datetime(
        2026, 11, 28, 9, 15, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    )
    assert photo.latitude == Decimal("13.982667")
    assert photo.longitude == Decimal("108.010000")
    assert image.getexif().get_ifd(0x8825)  # the JPEG keeps its GPS block as evidence
    thumb = Image.open(photo.thumbnail.open("rb"))
    assert max(thumb.size) <= 320


def test_a_heic_photo_without_exif_is_converted_without_metadata(stage1, member, item):
    photo = evidence_store(
        audit=stage1, content=heic_bytes(), filename="a.heif", by=member, item=item.pk
    )

    assert (photo.content_type, photo.taken_at, photo.latitude) == ("image/jpeg", None, None)


def test_a_damaged_heic_is_refused_and_nothing_is_stored(stage1, member, media_root):
    broken = heic_bytes()[:40]
    from documents.validation import DocumentRejected

    with pytest.raises(DocumentRejected):
        evidence_store(audit=stage1, content=broken, filename="x.heic", by=member)

    assert not EvidencePhoto.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file() and "documents" not in p.parts]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(client, audit, content, *, item=None, key=None, filename="photo.jpg"):
    key = key or uuid.uuid4()
    started = client.post(
        f"/api/v1/audits/{audit.pk}/evidence/",
        {"key": str(key), "filename": filename, "size": len(content), "item": item},
        format="json",
    )
    return key, started


def _put(client, key, offset, chunk):
    return client.put(
        f"/api/v1/evidence-uploads/{key}/?offset={offset}",
        data=chunk,
        content_type="application/octet-stream",
    )


def test_a_photo_uploads_in_chunks_and_resumes(stage1, member, item):
    client = _client(member)
    content = jpeg_bytes()
    key, started = _upload(client, stage1, content, item=item.pk)
    assert started.status_code == 201
    assert started.json()["offset"] == 0

    half = len(content) // 2
    first = _put(client, key, 0, content[:half])
    assert (first.status_code, first.json()["offset"], first.json()["photo"]) == (200, half, None)
    # The connection dropped; the device asks where to resume and sends a wrong offset first.
    assert client.get(f"/api/v1/evidence-uploads/{key}/").json()["offset"] == half
    wrong = _put(client, key, 0, content)
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "offset_mismatch"
    # Starting the same upload again is idempotent.
    assert _upload(client, stage1, content, item=item.pk, key=key)[1].json()["offset"] == half

    last = _put(client, key, half, content[half:])

    assert last.status_code == 200
    photo = last.json()["photo"]
    assert photo["item"] == item.pk and photo["content_type"] == "image/jpeg"
    assert photo["taken_at"].startswith("2026-11-28T09:15:30")
    stored = EvidencePhoto.objects.get()
    assert stored.file.open("rb").read() == content
    # The last chunk sent again (a retry) stores nothing more.
    assert _put(client, key, half, content[half:]).status_code == 200
    assert EvidencePhoto.objects.count() == 1
    thumb = client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_a_heic_upload_through_the_api_is_converted(stage1, member, item):
    client = _client(member)
    content = heic_bytes(exif=_exif())
    key, _started = _upload(client, stage1, content, item=item.pk, filename="IMG_1.HEIC")

    done = _put(client, key, 0, content)

    assert done.status_code == 200
    assert done.json()["photo"]["converted_from"] == "heic"
    assert done.json()["photo"]["latitude"] == "13.982667"


def test_an_unsupported_file_is_refused_with_415_and_nothing_stored(
    stage1, member, item, media_root
):
    client = _client(member)
    content = b"MZ\x90\x00 not a photo at all" * 10
    key, _started = _upload(client, stage1, content, item=item.pk, filename="x.exe")

    refused = _put(client, key, 0, content)

    assert refused.status_code == 415
    assert not EvidencePhoto.objects.exists()
    assert not EvidenceUpload.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file() and "documents" not in p.parts]


def test_a_file_above_the_limit_is_refused_with_413(stage1, member, item, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    _key, refused = _upload(_client(member), stage1, b"x" * 1001, item=item.pk)

    assert refused.status_code == 413
    assert not EvidenceUpload.objects.exists()


def test_only_the_working_team_uploads(stage1, observer, outsider, item):
    content = jpeg_bytes()
    assert _upload(_client(observer), stage1, content, item=item.pk)[1].status_code == 403
    assert _upload(_client(outsider), stage1, content, item=item.pk)[1].status_code == 404
    assert not EvidenceUpload.objects.exists()


def test_an_item_of_another_checklist_is_refused(stage1, member):
    _key, refused = _upload(_client(member), stage1, jpeg_bytes(), item=999_999)

    assert refused.status_code == 400
    assert "item" in refused.json()["errors"]


def test_someone_who_cannot_see_the_audit_cannot_download_its_photos(
    stage1, member, outsider, item
):
    photo = evidence_store(
        audit=stage1, content=jpeg_bytes(), filename="a.jpg", by=member, item=item.pk
    )

    assert _client(outsider).get(f"/api/v1/evidence/{photo.pk}/file/").status_code == 404
    assert _client(member).get(f"/api/v1/evidence/{photo.pk}/file/").status_code == 200
