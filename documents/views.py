"""Upload and download of documents. Files are never served from a public URL."""

from csp.decorators import csp_exempt
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import DomainError
from documents.models import Document
from documents.selectors import (
    document_get_for_user,
    owner_model,
    owner_type_of,
    owner_visible_to,
)
from documents.services import document_remove, document_replace, document_upload_many
from documents.storage import download_response
from documents.validation import DocumentRejected, DocumentTooLarge, max_bytes

# Room for the other form fields and multipart boundaries around the file itself.
_FORM_OVERHEAD = 64 * 1024
_FIELDS = ("owner_type", "owner_id", "doc_type")
# Files one upload request may carry (the component sends one a request; a plain form, all).
_MAX_FILES = 10


def _wants_json(request: HttpRequest) -> bool:
    """A script's request (fetch/XMLHttpRequest or HTMX) gets JSON; a plain form a page."""
    return (
        bool(getattr(request, "htmx", False))
        or "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
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
        "preview_url": reverse("documents:preview", args=[document.pk])
        if document.previewable
        else "",
        "removed": document.removed,
    }


def _too_large_message() -> str:
    return _("The file is larger than the %(limit)s MB allowed.") % {
        "limit": f"{max_bytes() / (1024 * 1024):g}"
    }


def _validation_errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """POST multipart `owner_type`, `owner_id`, `doc_type` and one or more `file` → 201 JSON
    (script) or a redirect back (plain form). Several files are stored all or none, each a
    new version of the type. 400 missing or invalid fields, 403 may not upload here, 404
    owner unknown or not visible, 409 the owner's state does not take documents now, 413 too
    large, 415 type not accepted."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > max_bytes() * _MAX_FILES + _FORM_OVERHEAD:
        return _error(request, 413, _too_large_message(), DocumentTooLarge.code)
    files = request.FILES.getlist("file")
    errors = {
        field: [_("This field is required.")]
        for field in (*_FIELDS, "file")
        if not (files if field == "file" else request.POST.get(field, "").strip())
    }
    if errors:
        return _error(request, 400, _("Some fields are missing."), "invalid", errors)
    if len(files) > _MAX_FILES:
        errors = {"file": [_("At most %(n)d files at once.") % {"n": _MAX_FILES}]}
        return _error(request, 400, _("Some fields are invalid."), "invalid", errors)
    if sum(f.size for f in files) > max_bytes() * _MAX_FILES:
        return _error(request, 413, _too_large_message(), DocumentTooLarge.code)
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
    if owner is None or not owner_visible_to(request.user, owner):
        return _error(request, 404, _("Not found."), "not_found")
    result = _changing(
        request,
        lambda: document_upload_many(
            owner=owner,
            doc_type=request.POST["doc_type"].strip(),
            files=files,
            by=request.user,
        ),
    )
    if isinstance(result, HttpResponse):
        return result
    if _wants_json(request):
        body = document_json(result[0], owner_type)
        body["documents"] = [document_json(d, owner_type) for d in result]
        return JsonResponse(body, status=201)
    for document in result:
        messages.success(
            request,
            _("“%(name)s” was added (version %(version)d).")
            % {"name": document.original_name, "version": document.version},
        )
    return redirect(_back_url(request))


def _changing(request: HttpRequest, change):
    """Run `change()`; its refusals as the responses the rules of the house give them."""
    try:
        return change()
    except Http404:
        return _error(request, 404, _("Not found."), "not_found")
    except PermissionDenied as exc:
        return _error(request, 403, str(exc) or _("You may not do this."), "forbidden")
    except DomainError as exc:
        return _error(request, 409, exc.message, exc.code)
    except ValidationError as exc:
        errors = _validation_errors(exc)
        return _error(request, 400, _("Some fields are invalid."), "invalid", errors)
    except DocumentRejected as exc:
        return _error(request, exc.status, exc.message, exc.code)


@login_required
@require_POST
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """POST multipart `file`: a new version of document `pk`'s type, the replaced version
    marked removed (kept in the history with its file). 201 JSON or a redirect back; 404 not
    visible, 403 may not upload to its owner, 409 the owner's state does not allow it or the
    version was already removed; 400/413/415 as an upload."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > max_bytes() + _FORM_OVERHEAD:
        return _error(request, 413, _too_large_message(), DocumentTooLarge.code)
    document = document_get_for_user(request.user, pk)
    file = request.FILES.get("file")
    if file is None:
        errors = {"file": [_("This field is required.")]}
        return _error(request, 400, _("Some fields are missing."), "invalid", errors)
    result = _changing(
        request, lambda: document_replace(document=document, file=file, by=request.user)
    )
    if isinstance(result, HttpResponse):
        return result
    if _wants_json(request):
        return JsonResponse(document_json(result, owner_type_of(document.owner)), status=201)
    messages.success(
        request,
        _("“%(old)s” was replaced by “%(name)s” (version %(version)d).")
        % {"old": document.original_name, "name": result.original_name, "version": result.version},
    )
    return redirect(_back_url(request))


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: mark document `pk` removed (who, when); the version and its file stay in the
    history. 200 JSON or a redirect back; 404 not visible, 403 may not upload to its owner,
    409 the owner's state does not allow it or it was already removed."""
    document = document_get_for_user(request.user, pk)
    result = _changing(request, lambda: document_remove(document=document, by=request.user))
    if isinstance(result, HttpResponse):
        return result
    if _wants_json(request):
        return JsonResponse(document_json(result, owner_type_of(document.owner)), status=200)
    messages.success(
        request,
        _("“%(name)s” was removed; it stays in the history.") % {"name": document.original_name},
    )
    return redirect(_back_url(request))


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file of document `pk` for a user who may see its owner (404 otherwise): streamed
    from local storage, or a redirect to a short-lived presigned URL on S3."""
    return download_response(document_get_for_user(request.user, pk))


@login_required
@require_GET
@csp_exempt()
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The file of document `pk` shown in the browser (PDF or image; 404 for other types or a
    user who may not see its owner). No Content-Security-Policy on this response: the
    browser's own PDF viewer would be blocked by `object-src 'none'`; the type is fixed by
    the bytes checked at upload and never sniffed (nosniff)."""
    document = document_get_for_user(request.user, pk)
    if not document.previewable:
        raise Http404
    return download_response(document, inline=True)
