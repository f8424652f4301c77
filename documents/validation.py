"""Checks an upload passes before anything is stored: size, type from the bytes, file name.

The type is detected from the file's first bytes (and, for zip-based Office files, from the
names inside the archive), never from the name or the content type the browser sent.
"""

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_ALLOWED_TYPES = ("pdf", "docx", "xlsx", "jpeg", "png")


@dataclass(frozen=True)
class FileKind:
    code: str
    mime_type: str
    extensions: tuple[str, ...]  # the first is the canonical one

    @property
    def extension(self) -> str:
        return self.extensions[0]


KINDS: dict[str, FileKind] = {
    k.code: k
    for k in (
        FileKind("pdf", "application/pdf", (".pdf",)),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        FileKind(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
        ),
        FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg")),
        FileKind("png", "image/png", (".png",)),
    )
}


class DocumentRejected(Exception):
    """An upload refused before storage. `status` is the HTTP status, `code` is stable."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DocumentTooLarge(DocumentRejected):
    status = 413
    code = "too_large"


class UnsupportedDocumentType(DocumentRejected):
    status = 415
    code = "unsupported_type"


def max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_types() -> tuple[str, ...]:
    return tuple(getattr(settings, "DOCUMENT_ALLOWED_TYPES", DEFAULT_ALLOWED_TYPES))


def check_size(size: int | None) -> None:
    limit = max_bytes()
    if size is None or size > limit:
        raise DocumentTooLarge(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{limit / (1024 * 1024):g}"}
        )
    if size == 0:
        raise DocumentRejected(_("The file is empty."))


def _zip_names(stream: IO[bytes]) -> set[str]:
    # Only the central directory is read: nothing is decompressed.
    try:
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def detect_kind(stream: IO[bytes]) -> FileKind | None:
    """The kind of file `stream` holds, from its bytes; None when not one we know.
    The stream is left at position 0."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = KINDS["pdf"]
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = KINDS["png"]
    elif head.startswith(b"\xff\xd8\xff"):
        kind = KINDS["jpeg"]
    elif head.startswith(b"PK\x03\x04"):
        names = _zip_names(stream)
        stream.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                kind = KINDS["docx"]
            elif any(n.startswith("xl/") for n in names):
                kind = KINDS["xlsx"]
    return kind


_UNSAFE = re.compile(r'[<>:"|?*\\/]')
_SPACES = re.compile(r"\s+")
_MAX_NAME = 150


def sanitise_name(name: str) -> str:
    """A safe file name from what the client sent: the last path part only, NFC-normalised
    (Vietnamese letters kept as they are), without control or reserved characters, no leading
    dots, at most 150 characters with the extension kept. "document" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in name)
    name = _UNSAFE.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[: _MAX_NAME - len(ext) - 1].rstrip(" .")
    if not stem:
        return f"document.{ext}" if ext else "document"
    return f"{stem}.{ext}" if ext else stem


def name_for(kind: FileKind, client_name: str) -> str:
    """The sanitised name, checked against the detected kind: an extension that contradicts
    the bytes is refused; a missing one is added."""
    name = sanitise_name(client_name)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}{kind.extension}"
    if f".{ext.lower()}" not in kind.extensions:
        raise UnsupportedDocumentType(
            _("The file's name ends in .%(ext)s but its content is a %(kind)s file.")
            % {"ext": ext, "kind": kind.code.upper()}
        )
    return name


def validate_upload(file: File) -> tuple[FileKind, str]:
    """Check `file` (size, type from the bytes, name) and return its kind and safe name.

    Raises DocumentTooLarge (413), UnsupportedDocumentType (415) or DocumentRejected (400).
    Reads only the first bytes (and a zip's directory); stores nothing.
    """
    check_size(file.size)
    kind = detect_kind(file)
    if kind is None or kind.code not in allowed_types():
        accepted = ", ".join(t.upper() for t in allowed_types())
        raise UnsupportedDocumentType(
            _("This type of file is not accepted. Accepted: %(types)s.") % {"types": accepted}
        )
    return kind, name_for(kind, file.name or "")


def storage_key(name: str) -> str:
    """Where a file is stored: documents/<yyyy>/<uuid4 hex>/<name>, not guessable."""
    return f"documents/{timezone.now():%Y}/{uuid.uuid4().hex}/{name}"
