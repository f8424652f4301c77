"""Pages of the body's impartiality records: the overview (risk register, committee meetings,
conflicts of the body with clients), a risk (review history, close), a meeting (minutes,
decisions, documents), and the forms to record each. Reads through
certification.selectors_impartiality, writes through certification.services.impartiality."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.models import (
    BodyConflict,
    CommitteeMeeting,
    ImpartialityRisk,
    Membership,
    Organisation,
    Role,
)
from certification.selectors import bodies_managed
from certification.selectors_impartiality import (
    body_conflicts_visible_to,
    get_for_user,
    meetings_visible_to,
    risks_visible_to,
)
from certification.services.impartiality import (
    body_conflict_record,
    meeting_decision_add,
    meeting_record,
    risk_close,
    risk_record,
)
from core.services import history_of
from core.ui import Actions, paginate, run_transition
from core.workflow import transitions_for

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bodies(user):
    """The bodies where `user` is an officer (where they record)."""
    ids = Membership.objects.active().filter(user_id=user.pk, role=Role.CB_STAFF)
    return Organisation.objects.filter(pk__in=ids.values("organisation_id")).order_by("name")


class _BodyForm(forms.ModelForm):
    def __init__(self, *args, bodies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = forms.ModelChoiceField(
            queryset=bodies, label=_("Certification body"), initial=bodies.first()
        )
        self.order_fields(["body", *self.Meta.fields])


class RiskForm(_BodyForm):
    class Meta:
        model = ImpartialityRisk
        fields = [
            "title",
            "source",
            "description",
            "likelihood",
            "impact",
            "controls",
            "identified_on",
            "next_review",
        ]
        widgets = {"identified_on": _DATE, "next_review": _DATE}


class MeetingForm(_BodyForm):
    class Meta:
        model = CommitteeMeeting
        fields = ["held_on", "attendees", "agenda", "minutes"]
        widgets = {"held_on": _DATE}


class BodyConflictForm(_BodyForm):
    class Meta:
        model = BodyConflict
        fields = [
            "enterprise",
            "kind",
            "related_body_name",
            "description",
            "started_on",
            "ended_on",
        ]
        widgets = {"started_on": _DATE, "ended_on": _DATE}


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    risk = forms.ModelChoiceField(
        queryset=ImpartialityRisk.objects.none(), required=False, label=_("Risk concerned")
    )
    due_on = forms.DateField(required=False, label=_("To be done by"), widget=_DATE)

    def __init__(self, *args, meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["risk"].queryset = ImpartialityRisk.objects.filter(body_id=meeting.body_id)


def _require_reader(request: HttpRequest) -> None:
    user = request.user
    if not (
        user.is_superuser
        or Membership.objects.active()
        .filter(user_id=user.pk, role__in=[Role.CB_STAFF, Role.DECISION_MAKER])
        .exists()
    ):
        raise PermissionDenied(_("Only the certification body's people may see this page."))


@login_required
def impartiality_overview(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    user = request.user
    risks = risks_visible_to(user).select_related("body").order_by("state", "-identified_on")
    meetings = meetings_visible_to(user).select_related("body").order_by("-held_on", "-id")
    conflicts = (
        body_conflicts_visible_to(user)
        .select_related("body", "enterprise")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "certification/impartiality.html",
        {
            "page_obj": paginate(request, risks),
            "meetings": meetings[:20],
            "conflicts": conflicts[:50],
            "may_record": _bodies(user).exists(),
            "managed_bodies": _managed_bodies(user),
        },
    )


def _managed_bodies(user):
    return list(bodies_managed(user)[:20])


def _create_view(request, form_class, service, template_title, next_name):
    bodies = _bodies(request.user)
    if not bodies.exists():
        raise PermissionDenied(_("Only officers of the certification body may do this."))
    form = form_class(request.POST or None, bodies=bodies)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            body = data.pop("body")
            try:
                record = service(body=body, by=request.user, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Recorded."))
                target = (
                    reverse(next_name, args=[record.pk])
                    if next_name
                    else reverse("certification:impartiality")
                )
                return HttpResponseRedirect(target)
    return render(
        request,
        "certification/impartiality_form.html",
        {"form": form, "title": template_title},
        status=status,
    )


@login_required
def risk_create(request: HttpRequest) -> HttpResponse:
    return _create_view(
        request, RiskForm, risk_record, _("Add a risk to impartiality"), "certification:risk_detail"
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    return _create_view(
        request,
        MeetingForm,
        meeting_record,
        _("Record a meeting of the impartiality committee"),
        "certification:meeting_detail",
    )


@login_required
def body_conflict_create(request: HttpRequest) -> HttpResponse:
    return _create_view(
        request,
        BodyConflictForm,
        body_conflict_record,
        _("Record a conflict of the body with a client"),
        None,
    )


RISK_ACTIONS: Actions = {
    "close": lambda r, by, data: risk_close(risk=r, by=by, comment=data.get("comment", "")),
}


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_for_user(risks_visible_to(request.user).select_related("body"), pk)
    return render(
        request,
        "certification/risk_detail.html",
        {
            "risk": risk,
            "transitions": transitions_for(risk, request.user),
            "history": history_of(risk).select_related("content_type"),
            "decisions": risk.committee_decisions.select_related("meeting"),
        },
    )


@login_required
@require_POST
def risk_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    risk = get_for_user(risks_visible_to(request.user), pk)
    return run_transition(
        request,
        risk,
        name,
        RISK_ACTIONS,
        next_url=reverse("certification:risk_detail", args=[risk.pk]),
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(meetings_visible_to(request.user).select_related("body"), pk)
    form = DecisionForm(request.POST or None, meeting=meeting)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                meeting_decision_add(meeting=meeting, by=request.user, **form.cleaned_data)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The decision was recorded."))
                return HttpResponseRedirect(
                    reverse("certification:meeting_detail", args=[meeting.pk])
                )
    return render(
        request,
        "certification/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": meeting.decisions.select_related("risk"),
            "form": form,
            "may_record": _bodies(request.user).filter(pk=meeting.body_id).exists(),
            "history": history_of(meeting).select_related("content_type"),
        },
        status=status,
    )
