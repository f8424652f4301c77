"""Body registrations (đăng ký hoạt động chứng nhận): a body's officers apply, the regulator of
the jurisdiction decides."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audits.selectors import qualified_auditor_count
from certification.models import BodyRegistration, Organisation, Role, Scheme
from certification.models.registrations import MIN_QUALIFIED_AUDITORS
from certification.selectors import (
    organisations_for_role,
    registration_get_for_user,
    registrations_visible_to,
)
from certification.services import (
    registration_create,
    registration_register,
    registration_reinstate,
    registration_reject,
    registration_request_revision,
    registration_resubmit,
    registration_revoke,
    registration_start_review,
    registration_submit,
    registration_suspend,
)
from certification.views.public import add_service_errors
from core.limits import TEXT_MAX_LENGTH
from core.services import history_of
from core.ui import Actions, paginate, run_transition
from core.workflow import transitions_for

PER_PAGE = 25
# What the regulator needs to see before registering a body.
REGISTRATION_DOCUMENT_TYPES = ["quality_manual", "assessor_list", "legal_documents"]


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Body name or registration number")}
        ),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All states")), *BodyRegistration.State.choices],
    )
    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Scheme"),
        required=False,
        queryset=Scheme.objects.order_by("name"),
        empty_label=gettext_lazy("All schemes"),
    )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"].strip():
            term = data["q"].strip()
            queryset = queryset.filter(
                Q(body__name__icontains=term) | Q(registration_number__icontains=term)
            )
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["scheme"]:
            queryset = queryset.filter(scheme=data["scheme"])
        return queryset


@login_required
def registration_list(request: HttpRequest) -> HttpResponse:
    form = RegistrationFilterForm(request.GET or None)
    registrations = form.apply(registrations_visible_to(request.user)).select_related(
        "body", "scheme", "jurisdiction"
    )
    page_obj = paginate(request, registrations.order_by("-created_at", "-pk"), PER_PAGE)
    return render(
        request,
        "certification/registration_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "filtered": form.is_bound,
            "may_create": organisations_for_role(request.user, Role.CB_STAFF).exists(),
        },
    )


class RegistrationForm(forms.Form):
    body = forms.ModelChoiceField(
        label=gettext_lazy("Certification body"), queryset=Organisation.objects.none()
    )
    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Scheme"), queryset=Scheme.objects.filter(is_active=True)
    )
    assessor_count = forms.IntegerField(
        label=gettext_lazy("Number of official assessors"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy(
            "As declared; the decision counts the auditors qualified for the scheme on the day."
        ),
    )
    note = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies


@login_required
def registration_new(request: HttpRequest) -> HttpResponse:
    """A body's officer opens a draft registration (documents are attached on its page)."""
    bodies = organisations_for_role(request.user, Role.CB_STAFF).order_by("name")
    first = bodies.first()
    if first is None:
        raise PermissionDenied(
            _("Only officers of a certification body may apply for its registration.")
        )
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        bodies=bodies,
        initial={"body": first.pk, "assessor_count": 0},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = registration_create(
                body=data["body"],
                scheme=data["scheme"],
                assessor_count=data["assessor_count"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return HttpResponseRedirect(
                reverse("certification:registration_detail", args=[registration.pk])
            )
    return render(request, "certification/registration_form.html", {"form": form})


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = registration_get_for_user(request.user, pk)
    return render(
        request,
        "certification/registration_detail.html",
        {
            "registration": registration,
            "qualified_auditors": qualified_auditor_count(registration.body, registration.scheme),
            "minimum_auditors": MIN_QUALIFIED_AUDITORS,
            "document_types": REGISTRATION_DOCUMENT_TYPES,
            "transitions": transitions_for(registration, request.user),
            "action_base": reverse("certification:registration_detail", args=[pk]) + "transitions/",
            "history": history_of(registration),
        },
    )


def _comment(data) -> str:
    return data.get("comment", "")


REGISTRATION_ACTIONS: Actions = {
    "submit": lambda r, by, d: registration_submit(registration=r, by=by, comment=_comment(d)),
    "resubmit": lambda r, by, d: registration_resubmit(registration=r, by=by, comment=_comment(d)),
    "start_review": lambda r, by, d: registration_start_review(
        registration=r, by=by, comment=_comment(d)
    ),
    "request_revision": lambda r, by, d: registration_request_revision(
        registration=r, by=by, comment=_comment(d)
    ),
    "register": lambda r, by, d: registration_register(
        registration=r,
        by=by,
        registration_number=d.get("registration_number", ""),
        comment=_comment(d),
    ),
    "reject": lambda r, by, d: registration_reject(registration=r, by=by, comment=_comment(d)),
    "suspend": lambda r, by, d: registration_suspend(registration=r, by=by, comment=_comment(d)),
    "reinstate": lambda r, by, d: registration_reinstate(
        registration=r, by=by, comment=_comment(d)
    ),
    "revoke": lambda r, by, d: registration_revoke(registration=r, by=by, comment=_comment(d)),
}


@login_required
@require_POST
def registration_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    registration = registration_get_for_user(request.user, pk)
    return run_transition(
        request,
        registration,
        name,
        REGISTRATION_ACTIONS,
        next_url=reverse("certification:registration_detail", args=[pk]),
    )
