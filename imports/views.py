"""Import pages: choose a kind and where, upload (the dry run), read the preview, confirm,
follow the progress."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification.models import Organisation, Province
from core.exceptions import DomainError
from core.ui import paginate
from imports import reading
from imports.kinds import get_kind
from imports.kinds.base import REFUSED
from imports.models import ImportBatch
from imports.selectors import batch_get_for_user, batches_visible_to, import_scopes, kinds_for
from imports.services import import_confirm, import_preview

PER_PAGE = 25
REPORT_PER_PAGE = 100
# Room for the multipart envelope around the file.
_FORM_OVERHEAD = 64 * 1024


def _scope_choices(user, kind) -> list[tuple[str, object]]:
    choices = []
    for scope in import_scopes(user):
        if isinstance(scope, Organisation) and kind.allows("body"):
            choices.append((f"body:{scope.pk}", scope))
        elif isinstance(scope, Province) and kind.allows("jurisdiction"):
            choices.append((f"province:{scope.pk}", scope))
    return choices


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The kinds the person may import, with their templates, and the imports made where
    they work (newest first)."""
    kinds = kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(
            _("Only an officer of a certification body or a regulator may import.")
        )
    page_obj = paginate(request, batches_visible_to(request.user), PER_PAGE)
    return render(request, "imports/import_index.html", {"kinds": kinds, "page_obj": page_obj})


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    import_kind = get_kind(kind)
    if import_kind is None or import_kind not in kinds_for(request.user):
        raise Http404
    if fmt == "xlsx":
        content = reading.rows_xlsx(import_kind, [])
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = reading.template_csv(import_kind)
        mime = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.{fmt}"'
    return response


@login_required
@require_GET
def sample_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The sample file of 20 legacy certificates (docs/samples, written by
    `manage.py write_import_samples`), for trying the certificate import."""
    if get_kind("certificates") not in kinds_for(request.user):
        raise Http404
    path = Path(settings.BASE_DIR) / "docs" / "samples" / f"legacy-certificates.{fmt}"
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    """GET the upload form; POST the file → the dry run → the preview page (303). 400 a file
    that cannot be read, 403 not permitted there, 413 too large, 415 not .xlsx or UTF-8 CSV;
    the file is never stored."""
    import_kind = get_kind(kind)
    if import_kind is None:
        raise Http404
    choices = _scope_choices(request.user, import_kind)
    if not choices:
        raise PermissionDenied(_("You may not make this kind of import."))
    context = {"kind": import_kind, "choices": choices, "selected": choices[0][0]}
    if request.method == "GET":
        return render(request, "imports/import_upload.html", context)
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > reading.max_bytes() + _FORM_OVERHEAD:
        return _upload_error(request, context, 413, _("The file is larger than allowed."))
    selected = request.POST.get("scope", "") or choices[0][0]
    context["selected"] = selected
    scope = dict(choices).get(selected)
    if scope is None:
        # A body or province one does not work for is not offered: refused, not invalid.
        if selected.partition(":")[0] in ("body", "province"):
            return _upload_error(request, context, 403, _("You may not import there."))
        return _upload_error(request, context, 400, _("Choose where to import."))
    file = request.FILES.get("file")
    if file is None:
        return _upload_error(request, context, 400, _("Choose a file to upload."))
    try:
        batch = import_preview(
            kind=kind,
            upload=file,
            by=request.user,
            body=scope if isinstance(scope, Organisation) else None,
            jurisdiction=scope if isinstance(scope, Province) else None,
        )
    except reading.FileRefused as error:
        return _upload_error(request, context, error.status, error.message)
    except PermissionDenied as error:
        return _upload_error(request, context, 403, str(error))
    except ValidationError as error:
        return _upload_error(request, context, 400, " ".join(error.messages))
    return redirect(reverse("imports:batch_detail", args=[batch.pk]), permanent=False)


def _upload_error(request, context, status: int, message: str) -> HttpResponse:
    return render(
        request, "imports/import_upload.html", {**context, "error": message}, status=status
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview (dry run) or the result: counts, then the rows, refused ones first."""
    batch = batch_get_for_user(request.user, pk)
    kind = get_kind(batch.kind)
    labels = {c.key: c for c in kind.columns} if kind else {}
    report = sorted(batch.report, key=lambda r: (r["action"] != REFUSED, r["row"]))
    show = request.GET.get("show", "")
    if show in ("created", "updated", "unchanged", "refused"):
        report = [r for r in report if r["action"] == show]
    for line in report:
        for error in line["errors"]:
            column = labels.get(error["column"])
            error["label"] = (
                (column.vi if request.LANGUAGE_CODE == "vi" else column.en) if column else ""
            )
    return render(
        request,
        "imports/batch_detail.html",
        {
            "batch": batch,
            "kind": kind,
            "page_obj": paginate(request, report, REPORT_PER_PAGE),
            "show": show,
            "waiting": batch.state in (ImportBatch.State.QUEUED, ImportBatch.State.RUNNING),
        },
    )


@login_required
@require_POST
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the import: 409 rows refused or not waiting for confirmation, 403 not
    permitted."""
    batch = batch_get_for_user(request.user, pk, full=False)
    try:
        import_confirm(batch=batch, by=request.user)
    except DomainError as error:
        return render(
            request,
            "core/action_refused.html",
            {"message": error.message, "errors": {}, "next_url": batch_url(batch)},
            status=409,
        )
    except PermissionDenied as error:
        return render(
            request,
            "core/action_refused.html",
            {"message": str(error), "errors": {}, "next_url": batch_url(batch)},
            status=403,
        )
    return redirect(batch_url(batch))


def batch_url(batch: ImportBatch) -> str:
    return reverse("imports:batch_detail", args=[batch.pk])


@login_required
@require_GET
def batch_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Small JSON for the progress bar: state, percent, counts."""
    batch = batch_get_for_user(request.user, pk, full=False)
    response = JsonResponse(
        {
            "state": batch.state,
            "state_label": str(batch.get_state_display()),
            "percent": batch.percent,
            "done": batch.state in (ImportBatch.State.DONE, ImportBatch.State.FAILED),
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "refused": batch.refused,
            "error": batch.error,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
