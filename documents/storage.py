"""Storing and serving document files through Django's default storage.

Local storage (FileSystemStorage) is streamed by the download view; a remote storage (S3 via
django-storages) answers with a redirect to a short-lived presigned URL. Objects are never
public: MEDIA_URL is not served.
"""

import logging
from typing import IO
from urllib.parse import quote

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from documents.models import Document

logger = logging.getLogger(__name__)


def store(key: str, content: IO[bytes]) -> str:
    """Save `content` under `key` in the default storage; returns the name actually used."""
    content.seek(0)
    return default_storage.save(key, content if isinstance(content, File) else File(content))


def discard(name: str) -> None:
    """Remove a stored object after a failed insert; a failure here is logged, not raised,
    so the original error is what the caller sees."""
    try:
        default_storage.delete(name)
    except Exception:
        logger.exception("Could not delete orphaned document object %s", name)


def is_local(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def _content_disposition(name: str, inline: bool = False) -> str:
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "") or "document"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=utf-8''{quote(name)}"


def download_response(document: Document, *, inline: bool = False) -> HttpResponse:
    """The response that hands `document`'s bytes to the person allowed to have them
    (`inline`: to be shown in the browser rather than saved)."""
    storage = document.file.storage
    if is_local(storage):
        response = FileResponse(
            storage.open(document.file.name, "rb"),
            as_attachment=not inline,
            filename=document.original_name,
            content_type=document.mime_type,
        )
    else:
        parameters = {
            "ResponseContentDisposition": _content_disposition(document.original_name, inline),
            "ResponseContentType": document.mime_type,
        }
        try:
            url = storage.url(document.file.name, parameters=parameters)
        except TypeError:  # a remote storage without S3's response parameters
            url = storage.url(document.file.name)
        response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response
