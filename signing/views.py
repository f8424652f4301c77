"""Public pages of the signing app: check a PDF file, and download the current signed PDF of a
certificate (offered on the verification page)."""

from django import forms
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from certification.models import Certificate
from certification.selectors import certificate_by_number, certificate_lineage
from documents.storage import download_response
from signing import uploads
from signing.selectors import current_signed_pdf
from signing.verify import UnreadablePdf, verify_pdf


class VerifyFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("PDF file of a certificate or decision"),
        help_text=gettext_lazy("The file is checked in memory and not kept."),
    )


def _over_rate_limit(request: HttpRequest) -> bool:
    count_allowed, seconds = uploads.rate()
    key = f"verify-file:{request.META.get('REMOTE_ADDR', '') or 'unknown'}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count > count_allowed


def _page(request, form, *, check=None, error="", status=200) -> HttpResponse:
    response = render(
        request,
        "signing/verify_file.html",
        {"form": form, "check": check, "error": error, "max_mb": uploads.max_bytes() // 2**20},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def verify_file(request: HttpRequest) -> HttpResponse:
    """Anyone uploads a PDF and is told whether it is intact, signed by the body, exactly a
    version we issued, the certificate's state now and which version is current."""
    if request.method != "POST":
        return _page(request, VerifyFileForm())
    if _over_rate_limit(request):
        response = _page(
            request,
            VerifyFileForm(),
            error=gettext_lazy("Too many files checked from your address: try again later."),
            status=429,
        )
        response["Retry-After"] = str(uploads.rate()[1])
        return response
    if uploads.declared_too_large(request):
        return _page(request, VerifyFileForm(), error=uploads.too_large_message(), status=413)
    uploads.use_memory_only(request)
    return _check(request)


@csrf_protect
def _check(request: HttpRequest) -> HttpResponse:
    form = VerifyFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        data = uploads.read_upload(form.cleaned_data["file"])
        check = verify_pdf(data)
    except uploads.TooLarge as exc:
        return _page(request, VerifyFileForm(), error=str(exc), status=413)
    except UnreadablePdf:
        return _page(
            request,
            VerifyFileForm(),
            error=gettext_lazy("This file is not a PDF that can be read."),
            status=415,
        )
    return _page(request, VerifyFileForm(), check=check)


def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The current signed PDF of the certificate `number` (its current version, newest
    edition). 404 when there is none or the certificate has been withdrawn."""
    certificate = certificate_by_number(number)
    if certificate is None:
        raise Http404("No such certificate.")
    current, _versions = certificate_lineage(certificate)
    if current.state == Certificate.State.WITHDRAWN:
        raise Http404("Withdrawn.")
    signed = current_signed_pdf(current)
    if signed is None:
        raise Http404("Not signed yet.")
    response = download_response(signed.document)
    response["Cache-Control"] = "no-cache"
    return response
