"""The page where a certification body's staff manage what its PDFs carry: the logo, and the
signing certificates registered with us."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certification.models import Organisation, Role
from certification.selectors import organisations_for_role
from documents.validation import DocumentRejected
from signing.models import SigningCertificate
from signing.services import body_logo_set, signing_certificate_register, signing_certificate_retire

CERTIFICATE_MAX_BYTES = 64 * 1024


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=gettext_lazy("Logo (PNG or JPEG, at most 1 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class CertificateForm(forms.Form):
    certificate = forms.FileField(
        label=gettext_lazy("Signing certificate (.cer, .crt or .pem; no private key)"),
    )


def _staff_body(user, pk: int) -> Organisation:
    """A body where `user` is an officer; 404 for any other organisation."""
    return get_object_or_404(organisations_for_role(user, Role.CB_STAFF), pk=pk)


def _page(request: HttpRequest, *, errors=(), status: int = 200) -> HttpResponse:
    bodies = list(
        organisations_for_role(request.user, Role.CB_STAFF)
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "signing_certificates",
                queryset=SigningCertificate.objects.order_by("retired_at", "-not_after"),
                to_attr="signing_list",
            )
        )
    )
    if not bodies:
        raise PermissionDenied(_("Only the staff of a certification body use this page."))
    return render(
        request,
        "signing/settings.html",
        {
            "bodies": bodies,
            "errors": list(errors),
            "logo_form": LogoForm(),
            "certificate_form": CertificateForm(),
            "key_store": settings.SIGNING_KEY_STORE,
        },
        status=status,
    )


@login_required
def signing_settings(request: HttpRequest) -> HttpResponse:
    """Each body of the officer: its logo and its signing certificates."""
    return _page(request)


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("signing:settings"))


def _form_errors(form) -> list[str]:
    return [error for errors in form.errors.values() for error in errors]


@login_required
@require_POST
def logo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    body = _staff_body(request.user, pk)
    form = LogoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, errors=_form_errors(form), status=400)
    try:
        body_logo_set(body=body, file=form.cleaned_data["logo"], by=request.user)
    except DocumentRejected as exc:
        return _page(request, errors=[exc.message], status=exc.status)
    messages.success(request, _("The logo is saved: it appears on the next signed PDFs."))
    return _back()


@login_required
def logo_show(request: HttpRequest, pk: int) -> HttpResponse:
    body = _staff_body(request.user, pk)
    if not body.logo:
        raise Http404("No logo.")
    response = FileResponse(body.logo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_register(request: HttpRequest, pk: int) -> HttpResponse:
    body = _staff_body(request.user, pk)
    form = CertificateForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, errors=_form_errors(form), status=400)
    upload = form.cleaned_data["certificate"]
    if upload.size > CERTIFICATE_MAX_BYTES:
        return _page(request, errors=[_("A certificate file is at most 64 KB.")], status=413)
    try:
        signing_certificate_register(body=body, certificate=upload.read(), by=request.user)
    except ValidationError as exc:
        return _page(request, errors=exc.messages, status=400)
    messages.success(request, _("The signing certificate is registered."))
    return _back()


@login_required
@require_POST
def certificate_retire(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(
        SigningCertificate.objects.filter(
            body__in=organisations_for_role(request.user, Role.CB_STAFF)
        ),
        pk=pk,
    )
    signing_certificate_retire(certificate=certificate, by=request.user)
    messages.success(
        request, _("The signing certificate is retired: nothing more is signed with it.")
    )
    return _back()
