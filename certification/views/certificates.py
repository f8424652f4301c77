"""Certificate pages for signed-in users: the register (list) and a certificate's file."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audits.selectors import audits_visible_to
from certification.models import Certificate, Organisation, Role
from certification.models.applications import SupplyChainStage
from certification.models.organisations import Sector
from certification.selectors import (
    certificate_get_for_user,
    certificates_visible_to,
    complaints_visible_to,
    has_role,
    stop_use_notice_of,
)
from certification.services import (
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from core.services import history_of
from core.ui import Actions, paginate, run_transition
from core.workflow import transitions_for
from documents.models import GeneratedType
from documents.selectors import documents_of

PER_PAGE = 25


def stage_labels(stages: list[str]) -> list[str]:
    """The people's names of supply-chain stage codes (an unknown code is shown as is)."""
    labels = dict(SupplyChainStage.choices)
    return [str(labels.get(stage, stage)) for stage in stages or []]


class CertificateFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Certificate number or enterprise")}
        ),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All states")), *Certificate.State.choices],
    )
    body = forms.ModelChoiceField(
        label=gettext_lazy("Certification body"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=gettext_lazy("All bodies"),
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        required=False,
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
    )

    def __init__(self, *args, visible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.CERTIFICATION_BODY, pk__in=visible.values("body_id")
        ).order_by("name")

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"].strip():
            term = data["q"].strip()
            queryset = queryset.filter(
                Q(number__icontains=term) | Q(enterprise__name__icontains=term)
            )
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["body"]:
            queryset = queryset.filter(body=data["body"])
        if data["sector"]:
            queryset = queryset.filter(enterprise__sector=data["sector"])
        return queryset


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The certificates the user may see, filtered and paginated."""
    visible = certificates_visible_to(request.user)
    form = CertificateFilterForm(request.GET or None, visible=visible)
    certificates = form.apply(visible).select_related("enterprise", "body")
    page_obj = paginate(request, certificates.order_by("-issued_on", "-id"), PER_PAGE)
    return render(
        request,
        "certification/certificate_list.html",
        {"form": form, "page_obj": page_obj, "filtered": form.is_bound},
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, pk)
    user = request.user
    versions = list(
        certificates_visible_to(user)
        .filter(base_number=certificate.base_number)
        .only("pk", "number", "version", "state", "issued_on", "base_number")
        .order_by("-version")
    )
    audits = list(
        audits_visible_to(user).filter(certificate=certificate).order_by("-planned_start", "-pk")
    )
    document = (
        documents_of(certificate).filter(doc_type=GeneratedType.CERTIFICATE).order_by("-version")
    ).first()
    is_staff = has_role(user, Role.CB_STAFF, certificate.body)
    is_holder = has_role(user, Role.ENTERPRISE, certificate.enterprise)
    appealable = certificate.state in (Certificate.State.SUSPENDED, Certificate.State.WITHDRAWN)
    return render(
        request,
        "certification/certificate_detail.html",
        {
            "certificate": certificate,
            "stages": stage_labels(certificate.stages),
            "versions": versions,
            "audits": audits,
            "document": document,
            "stop_use_notice": stop_use_notice_of(certificate),
            "may_plan_audit": is_staff
            and certificate.state in (Certificate.State.ACTIVE, Certificate.State.SUSPENDED),
            "may_appeal": is_holder and appealable,
            "complaints": list(
                complaints_visible_to(user)
                .filter(certificate=certificate)
                .order_by("-created_at", "-pk")[:20]
            )
            if is_staff
            else [],
            "transitions": transitions_for(certificate, user),
            "action_base": reverse("certification:certificate_detail", args=[pk]) + "transitions/",
            "history": history_of(certificate),
        },
    )


def _date(data, name: str) -> datetime.date | None:
    """A date typed in a form (ISO from a date input, or d/m/Y); None when empty."""
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        day, month, year = (int(part) for part in raw.split("/"))
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError({name: _("Enter a valid date.")}) from None


CERTIFICATE_ACTIONS: Actions = {
    "suspend": lambda c, by, data: certificate_suspend(
        certificate=c, by=by, comment=data.get("comment", ""), until=_date(data, "until")
    ),
    "reinstate": lambda c, by, data: certificate_reinstate(
        certificate=c, by=by, comment=data.get("comment", "")
    ),
    "withdraw": lambda c, by, data: certificate_withdraw(
        certificate=c, by=by, comment=data.get("comment", "")
    ),
}


@login_required
@require_POST
def certificate_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, pk)
    return run_transition(
        request,
        certificate,
        name,
        CERTIFICATE_ACTIONS,
        next_url=reverse("certification:certificate_detail", args=[pk]),
    )


@login_required
def certificate_programme(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate's 3-year audit programme: per checklist item and per site, the audits of
    the current cycle that covered it (17021-1 §9.1.3). Visible to whoever sees the
    certificate; the audits listed are those the viewer may open."""
    from checklists.programme import programme_coverage

    certificate = certificate_get_for_user(request.user, pk)
    coverage = programme_coverage(certificate)
    return render(
        request,
        "certification/certificate_programme.html",
        {"certificate": certificate, "coverage": coverage},
    )
