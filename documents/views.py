"""Upload and download of documents. Files are never served from a public URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents.models import Document
from documents.selectors import document_get_for_user, owner_model, owner_visible_to
from documents.services import document_upload
from documents.storage import download_response
from documents.validation import DocumentRejected, DocumentTooLarge, max_bytes

# Room for the other form fields and multipart boundaries around the file itself.
_FORM_OVERHEAD = 64 * 1024
_FIELDS = ("owner_type", "owner_id", "doc_type")


def _wants_json(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) or "application/json" in request.headers.get(
        "Accept", ""
    )


def _error(
    request: HttpRequest, status: int, detail: str, code: str, errors: dict | None = None
) -> HttpResponse:
    if _wants_json(request):
        body = {"detail": detail, "code": code}
        if errors:
            body["errors"] = errors
        return JsonResponse(body, status=status)
    context = {"detail": detail, "errors": errors or {}, "back": _back_url(request)}
    return render(request, "documents/upload_error.html", context, status=status)


def _back_url(request: HttpRequest) -> str:
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("home")


def document_json(document: Document, owner_type: str) -> dict:
    return {
        "id": document.pk,
        "owner_type": owner_type,
        "owner_id": document.object_id,
        "doc_type": document.doc_type,
        "version": document.version,
        "name": document.original_name,
        "size": document.size,
        "sha256": document.sha256,
        "mime_type": document.mime_type,
        "uploaded_at": document.uploaded_at.isoformat(),
        "download_url": reverse("documents:download", args=[document.pk]),
    }


def _validation_errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """POST multipart `owner_type`, `owner_id`, `doc_type`, `file` → 201 JSON (fetch/HTMX) or a
    redirect back (plain form). 400 missing or invalid fields, 403 may not upload here, 404
    owner unknown or not visible, 413 too large, 415 type not accepted."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > max_bytes() + _FORM_OVERHEAD:
        too_large = DocumentTooLarge(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{max_bytes() / (1024 * 1024):g}"}
        )
        return _error(request, too_large.status, too_large.message, too_large.code)
    errors = {
        field: [_("This field is required.")]
        for field in (*_FIELDS, "file")
        if not (
            request.FILES.get(field) if field == "file" else request.POST.get(field, "").strip()
        )
    }
    if errors:
        return _error(request, 400, _("Some fields are missing."), "invalid", errors)
    owner_type = request.POST["owner_type"].strip()
    model = owner_model(owner_type)
    if model is None:
        errors = {"owner_type": [_("Unknown kind of owner.")]}
        return _error(request, 400, _("Some fields are invalid."), "invalid", errors)
    owner_id = request.POST["owner_id"].strip()
    if not owner_id.isdigit():
        errors = {"owner_id": [_("Enter a whole number.")]}
        return _error(request, 400, _("Some fields are invalid."), "invalid", errors)
    owner = model._default_manager.filter(pk=int(owner_id)).first()
    try:
        if owner is None or not owner_visible_to(request.user, owner):
            raise Http404
        document = document_upload(
            owner=owner,
            doc_type=request.POST["doc_type"].strip(),
            file=request.FILES["file"],
            by=request.user,
        )
    except Http404:
        return _error(request, 404, _("Not found."), "not_found")
    except PermissionDenied as exc:
        return _error(request, 403, str(exc) or _("You may not do this."), "forbidden")
    except ValidationError as exc:
        errors = _validation_errors(exc)
        return _error(request, 400, _("Some fields are invalid."), "invalid", errors)
    except DocumentRejected as exc:
        return _error(request, exc.status, exc.message, exc.code)
    if _wants_json(request):
        return JsonResponse(document_json(document, owner_type), status=201)
    messages.success(
        request,
        _("“%(name)s” was added (version %(version)d).")
        % {"name": document.original_name, "version": document.version},
    )
    return redirect(_back_url(request))


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file of document `pk` for a user who may see its owner (404 otherwise): streamed
    from local storage, or a redirect to a short-lived presigned URL on S3."""
    return download_response(document_get_for_user(request.user, pk))
