"""Public pages, no sign-in: certificate verification (what the QR code opens), the search of
the public register, and the complaint form.

Only what the certificate itself shows is published: holder, standard, scope, dates, body.
"""

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Certificate, Organisation
from certification.selectors import (
    certificate_by_number,
    certificate_lineage,
    stop_use_notice_of,
)
from certification.services import complaint_lodge
from certification.views.certificates import stage_labels
from core.ui import paginate

PER_PAGE = 20
SEARCH_MIN_LENGTH = 3
# Complaints a single address may send per hour (spam protection of an anonymous form).
COMPLAINTS_PER_HOUR = 5
_RATE_WINDOW_SECONDS = 3600

# How each state is shown to the public: Bootstrap colour of the status panel.
STATE_COLOURS = {
    Certificate.State.ACTIVE: "success",
    Certificate.State.SUSPENDED: "warning",
    Certificate.State.WITHDRAWN: "danger",
    Certificate.State.EXPIRED: "secondary",
    Certificate.State.SUPERSEDED: "secondary",
}


def _public(response: HttpResponse) -> HttpResponse:
    """Cacheable for a minute by anyone; the language (a cookie) changes the page."""
    patch_cache_control(response, public=True, max_age=60)
    patch_vary_headers(response, ["Cookie"])
    return response


class VerifySearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Certificate number or enterprise name"),
        max_length=100,
        required=False,
    )


def verify(request: HttpRequest, number: str) -> HttpResponse:
    """What the QR code on a certificate opens: is this certificate valid, and for what."""
    certificate = certificate_by_number(number)
    if certificate is None:
        response = render(
            request,
            "certification/verify_not_found.html",
            {"number": number, "form": VerifySearchForm(initial={"q": number})},
            status=404,
        )
        return _public(response)
    current, versions = certificate_lineage(certificate)
    response = render(
        request,
        "certification/verify_detail.html",
        {
            "certificate": certificate,
            "colour": STATE_COLOURS.get(certificate.state, "secondary"),
            "stages": stage_labels(certificate.stages),
            "current": current,
            "is_current": current.pk == certificate.pk,
            "versions": versions,
            "stop_use_notice": stop_use_notice_of(certificate),
            "form": VerifySearchForm(),
        },
    )
    return _public(response)


def verify_search(request: HttpRequest) -> HttpResponse:
    """Search current certificates by number or holder name (at least 3 characters)."""
    form = VerifySearchForm(request.GET or None)
    term = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page_obj = None
    too_short = bool(term) and len(term) < SEARCH_MIN_LENGTH
    if term and not too_short:
        results = (
            Certificate.objects.exclude(state=Certificate.State.SUPERSEDED)
            .filter(Q(number__icontains=term) | Q(enterprise__name__icontains=term))
            .select_related("enterprise")
            .order_by("enterprise__name", "number")
        )
        page_obj = paginate(request, results, PER_PAGE)
        for certificate in page_obj:
            certificate.colour = STATE_COLOURS.get(certificate.state, "secondary")
    response = render(
        request,
        "certification/verify_search.html",
        {
            "form": form,
            "term": term,
            "too_short": too_short,
            "min_length": SEARCH_MIN_LENGTH,
            "page_obj": page_obj,
        },
    )
    return _public(response)


# --- Complaints from anyone -------------------------------------------------------------------


class ComplaintForm(forms.Form):
    complainant_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=200, required=False
    )
    complainant_email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        help_text=gettext_lazy("The certification body answers you at this address."),
    )
    body = forms.ModelChoiceField(
        label=gettext_lazy("Certification body"),
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.CERTIFICATION_BODY, is_active=True
        ).order_by("name"),
        empty_label=gettext_lazy("Choose the certification body"),
    )
    certificate_number = forms.CharField(
        label=gettext_lazy("Certificate number (if the complaint is about a certificate)"),
        max_length=60,
        required=False,
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean(self):
        data = super().clean()
        number = (data.get("certificate_number") or "").strip()
        data["certificate"] = None
        if number:
            certificate = certificate_by_number(number)
            if certificate is None:
                self.add_error("certificate_number", _("No certificate has this number."))
            elif data.get("body") and certificate.body_id != data["body"].pk:
                self.add_error(
                    "certificate_number",
                    _("This certificate was not issued by the chosen certification body."),
                )
            else:
                data["certificate"] = certificate
        return data


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count this attempt for the sender's address; True past the hourly allowance."""
    key = f"complaint-lodge:{_client_address(request)}"
    cache.add(key, 0, timeout=_RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_RATE_WINDOW_SECONDS)
        count = 1
    return count > COMPLAINTS_PER_HOUR


def complaint_new(request: HttpRequest) -> HttpResponse:
    """Anyone lodges a complaint (no account needed); `?certificate=<number>` fills it in."""
    if request.method == "POST":
        if _over_rate_limit(request):
            response = render(
                request,
                "certification/too_many_requests.html",
                {"per_hour": COMPLAINTS_PER_HOUR},
                status=429,
            )
            response["Retry-After"] = str(_RATE_WINDOW_SECONDS)
            return response
        form = ComplaintForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint_lodge(
                    body=data["body"],
                    complainant_email=data["complainant_email"],
                    complainant_name=data["complainant_name"],
                    subject=data["subject"],
                    description=data["description"],
                    certificate=data["certificate"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("certification:complaint_sent"))
    else:
        initial = {}
        if request.user.is_authenticated:
            initial["complainant_name"] = request.user.get_full_name()
            initial["complainant_email"] = request.user.email
        certificate = certificate_by_number(request.GET.get("certificate", ""))
        if certificate is not None:
            initial["certificate_number"] = certificate.number
            initial["body"] = certificate.body_id
        form = ComplaintForm(initial=initial)
    return render(request, "certification/complaint_form.html", {"form": form})


def complaint_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "certification/complaint_sent.html")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
