"""Pages of two-factor sign-in (see core.two_factor): status, set-up, code at sign-in."""

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import two_factor
from core.middleware_two_factor import settle
from core.ui import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


@login_required
def status(request: HttpRequest) -> HttpResponse:
    if not two_factor.may_use_two_factor(request.user):
        raise PermissionDenied(_("Two-factor sign-in is for certification bodies and regulators."))
    return render(
        request,
        "two_factor/status.html",
        {
            "enrolled": two_factor.has_two_factor(request.user),
            "required": two_factor.two_factor_required(request.user),
        },
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    if not two_factor.may_use_two_factor(request.user):
        raise PermissionDenied(_("Two-factor sign-in is for certification bodies and regulators."))
    device = None
    pending = request.session.get("two_factor_device")
    if pending:
        device = TOTPDevice.objects.filter(pk=pending, user=request.user, confirmed=False).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = two_factor.two_factor_enrol_confirm(
            device=device, token=form.cleaned_data["code"], by=request.user
        )
        if codes is not None:
            request.session.pop("two_factor_device", None)
            django_otp.login(request, device)
            settle(request)
            return render(request, "two_factor/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("This code is not right. Type the code the app shows now."))
    if device is None:
        device = two_factor.two_factor_enrol_start(by=request.user)
        request.session["two_factor_device"] = device.pk
    return render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_data_uri(device),
            "secret": two_factor.secret_key_text(device),
            "required": two_factor.two_factor_required(request.user),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code asked at sign-in (from the app, or a recovery code)."""
    next_url = safe_next(request, reverse("home"))
    if not two_factor.has_two_factor(request.user) or request.user.is_verified():
        settle(request)
        return HttpResponseRedirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_code(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            settle(request)
            return HttpResponseRedirect(next_url)
        form.add_error("code", _("This code is not right."))
    return render(request, "two_factor/verify.html", {"form": form, "next": next_url})


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return HttpResponseRedirect(reverse("two_factor"))
    codes = two_factor.recovery_codes_renew(by=request.user)
    return render(request, "two_factor/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    if two_factor.two_factor_disable(by=request.user):
        messages.success(request, _("Two-factor sign-in is off."))
    else:
        messages.error(request, _("Your organisation requires two-factor sign-in."))
    return HttpResponseRedirect(reverse("two_factor"))
