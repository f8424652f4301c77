"""Reading an uploaded PDF for checking: in memory only, within VERIFY_FILE_MAX_BYTES, so a
checked file never touches the disk or the storage."""

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.utils.translation import gettext as _


class TooLarge(Exception):
    pass


class InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps the upload in memory up to VERIFY_FILE_MAX_BYTES (Django's own memory handler
    gives up above FILE_UPLOAD_MAX_MEMORY_SIZE and leaves the file to a temporary file)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= max_bytes() + 64 * 1024


def max_bytes() -> int:
    return settings.VERIFY_FILE_MAX_BYTES


def use_memory_only(request) -> None:
    """Before the body is parsed: no temporary file for uploads of this request."""
    request.upload_handlers = [InMemoryUploadHandler(request)]


def declared_too_large(request) -> bool:
    """The request says, before it is read, that it is larger than a checkable file."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() + 64 * 1024


def read_upload(uploaded) -> bytes:
    if uploaded.size > max_bytes():
        raise TooLarge(too_large_message())
    return uploaded.read()


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": round(max_bytes() / 1024 / 1024, 1)}


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate() -> tuple[int, int]:
    """(requests, seconds) allowed per client address, from API_THROTTLE_VERIFY_FILE (DRF's
    "20/hour" form, shared with the API)."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES") or {}
    number, period = rates.get("verify_file", "20/hour").split("/")
    return int(number), _PERIODS[period.strip()[0]]
