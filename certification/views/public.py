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
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from certification import public_cache
from certification.models import Certificate, Organisation
from certification.selectors import (
    certificate_by_number,
    certificate_lineage,
    stop_use_notice_of,
)
from certification.services import complaint_lodge
from certification.views.certificates import stage_labels
from core.limits import TEXT_MAX_LENGTH
from core.net import client_ip
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


def serve_public_answer(
    request: HttpRequest, number: str, kind: str, render_answer, *, personal: bool = True
) -> HttpResponse:
    """Answer a public question about the certificate `number` from the server-side cache
    (certification.public_cache) when possible, with `ETag`/`Last-Modified` and `304` on a
    matching revalidation. `render_answer()` returns (response, certificate or None); it runs
    only on a miss. With `personal` (pages), signed-in visitors get a fresh, private answer
    (their page shows their menu); anonymous answers set no cookie, so shared caches may keep
    them too."""
    if personal and request.user.is_authenticated:
        response, _certificate = render_answer()
        patch_cache_control(response, private=True, no_cache=True)
        return response
    variant = f"{kind}:{translation.get_language() or ''}"
    answer = public_cache.get(number, variant)
    if answer is None:
        before = public_cache.generation_for(number)
        response, certificate = render_answer()
        if certificate is None or response.status_code != 200:
            return _public(response)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        answer = public_cache.PublicAnswer.build(
            response.content, response["Content-Type"], response.status_code
        )
        public_cache.set(
            number, variant, answer, family=public_cache.family_of(certificate), before=before
        )
    return answer_response(request, answer)


def answer_response(request: HttpRequest, answer: public_cache.PublicAnswer) -> HttpResponse:
    """The response for a cached public answer: its validators, `304` when the request's
    revalidation matches them, cacheable by anyone. Also what
    certification.middleware.PublicAnswerMiddleware sends, so both paths answer alike."""
    response = HttpResponse(answer.content, content_type=answer.content_type, status=answer.status)
    response["ETag"] = answer.etag
    response["Last-Modified"] = http_date(answer.last_modified)
    response = get_conditional_response(
        request, etag=answer.etag, last_modified=int(answer.last_modified), response=response
    )
    return _public(response)


class VerifySearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Certificate number or enterprise name"),
        max_length=100,
        required=False,
    )


@require_safe
def verify(request: HttpRequest, number: str) -> HttpResponse:
    """What the QR code on a certificate opens: is this certificate valid, and for what.
    Served from the public cache (see serve_public_answer)."""
    return serve_public_answer(request, number, "page", lambda: _render_verify(request, number))


def _render_verify(request: HttpRequest, number: str):
    certificate = certificate_by_number(number)
    if certificate is None:
        response = render(
            request,
            "certification/verify_not_found.html",
            {"number": number, "form": VerifySearchForm(initial={"q": number})},
            status=404,
        )
        return response, None
    current, versions = certificate_lineage(certificate)
    from signing.selectors import current_signed_pdf

    signed_pdf = (
        current_signed_pdf(current) if current.state != Certificate.State.WITHDRAWN else None
    )
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
            "signed_pdf": signed_pdf,
            "stop_use_notice": stop_use_notice_of(certificate),
            "form": VerifySearchForm(),
        },
    )
    return response, certificate


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
        max_length=TEXT_MAX_LENGTH,
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
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


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count this attempt for the sender's address; True past the hourly allowance."""
    key = f"complaint-lodge:{client_ip(request)}"
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
                    language=translation.get_language() or "",
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


@require_safe
def complaint_track(request: HttpRequest, token: str) -> HttpResponse:
    """The complainant follows the case with the private link e-mailed to them (no account):
    its state, the dates of its steps and the outcome; 404 for any other token. Never cached
    by a shared cache, never sent on as a referrer."""
    from django.shortcuts import get_object_or_404

    from certification.models import Complaint
    from core.models import LogEntry

    complaint = get_object_or_404(
        Complaint.objects.select_related("body", "certificate"), tracking_token=token
    )
    states = dict(Complaint.State.choices)
    steps = [
        (entry.created_at, states.get(entry.target_state, entry.target_state))
        for entry in LogEntry.objects.for_object(complaint)
        .filter(transition__in=["lodge", "acknowledge", "resolve"])
        .order_by("created_at", "pk")
    ]
    response = render(
        request, "certification/complaint_track.html", {"complaint": complaint, "steps": steps}
    )
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
