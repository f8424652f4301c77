"""Appeals (by an enterprise against a decision) and complaints (handled by body officers)."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certification.models import (
    Appeal,
    Application,
    Certificate,
    Complaint,
    Membership,
    Role,
)
from certification.models.appeals import people_involved
from certification.selectors import (
    appeal_get_for_user,
    appeals_visible_to,
    application_get_for_user,
    certificate_get_for_user,
    complaint_get_for_user,
    complaints_visible_to,
    has_role,
)
from certification.services import (
    appeal_dismiss,
    appeal_lodge,
    appeal_start_consideration,
    appeal_uphold,
    complaint_acknowledge,
    complaint_open_special_audit,
    complaint_propose_suspension,
    complaint_resolve,
)
from certification.views.public import add_service_errors
from core.clock import today
from core.limits import TEXT_MAX_LENGTH
from core.models import User
from core.services import history_of
from core.ui import Actions, paginate, run_transition
from core.workflow import refusal, transitions_for

PER_PAGE = 25


class StateFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)

    def __init__(self, *args, states, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", gettext_lazy("All states")), *states]

    def value(self, name: str) -> str:
        return (self.cleaned_data.get(name) or "").strip() if self.is_valid() else ""


# --- Appeals ----------------------------------------------------------------------------------


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    form = StateFilterForm(request.GET or None, states=Appeal.State.choices)
    appeals = appeals_visible_to(request.user).select_related(
        "enterprise", "body", "application", "certificate"
    )
    if form.value("q"):
        term = form.value("q")
        appeals = appeals.filter(
            Q(enterprise__name__icontains=term)
            | Q(certificate__number__icontains=term)
            | Q(application__number__icontains=term)
        )
    if form.value("state"):
        appeals = appeals.filter(state=form.value("state"))
    page_obj = paginate(request, appeals.order_by("-created_at", "-pk"), PER_PAGE)
    return render(
        request,
        "certification/appeal_list.html",
        {"form": form, "page_obj": page_obj, "filtered": form.is_bound},
    )


class AppealForm(forms.Form):
    grounds = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=gettext_lazy("Grounds of the appeal"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Why the decision should be reconsidered, with the facts."),
    )


def _appealed(request: HttpRequest):
    """(subject, application, certificate, finding) named by the query string: an application
    (rejected, refused, or refused restoration), a certificate (suspended, withdrawn, or
    `subject=scope_reduction` for a re-issued one) or a major finding (its grading); 404 when
    not visible."""
    S = Appeal.Subject
    try:
        if request.GET.get("application"):
            application = application_get_for_user(request.user, int(request.GET["application"]))
            if application.state == Application.State.REJECTED:
                return S.REJECTION, application, None, None
            restoring = (
                application.kind == Application.Kind.RECERTIFICATION
                and application.renews is not None
                and application.renews.state == Certificate.State.EXPIRED
            )
            return (S.RESTORATION_REFUSED if restoring else S.REFUSAL), application, None, None
        if request.GET.get("certificate"):
            certificate = certificate_get_for_user(request.user, int(request.GET["certificate"]))
            if request.GET.get("subject") == S.SCOPE_REDUCTION:
                return S.SCOPE_REDUCTION, None, certificate, None
            subject = {
                Certificate.State.SUSPENDED: S.SUSPENSION,
                Certificate.State.WITHDRAWN: S.WITHDRAWAL,
            }.get(certificate.state, "")
            return subject, None, certificate, None
        if request.GET.get("finding"):
            from audits.selectors import finding_get_for_user

            finding = finding_get_for_user(request.user, int(request.GET["finding"]))
            return S.FINDING_GRADING, None, None, finding
    except ValueError:
        pass
    raise Http404(_("Name the application, certificate or finding the appeal is about."))


@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    """The enterprise requests a review of an adverse decision: on an application
    (`?application=`), a certificate (`?certificate=`) or a finding's grading (`?finding=`)."""
    subject, application, certificate, finding = _appealed(request)
    if finding is not None:
        target = finding.audit.application or finding.audit.certificate
    else:
        target = application or certificate
    if not has_role(request.user, Role.ENTERPRISE, target.enterprise):
        raise PermissionDenied(_("Only the enterprise concerned may appeal."))
    form = AppealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeal_lodge(
                by=request.user,
                subject=subject,
                grounds=form.cleaned_data["grounds"],
                application=application,
                certificate=certificate,
                finding=finding,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("certification:appeal_detail", args=[appeal.pk]))
    return render(
        request,
        "certification/appeal_form.html",
        {
            "form": form,
            "subject": subject,
            "subject_label": Appeal.Subject(subject).label if subject else "",
            "application": application,
            "certificate": certificate,
            "finding": finding,
        },
    )


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = appeal_get_for_user(request.user, pk)
    transitions = transitions_for(appeal, request.user)
    # Handing the appeal to a decision maker needs a choice among the body's people: our own
    # form instead of the generic text input.
    start = next((t for t in transitions if t.name == "start_consideration"), None)
    handlers = []
    if start is not None and start.allowed:
        involved = people_involved(appeal.application, appeal.certificate, appeal.finding)
        handlers = [
            m.user
            for m in Membership.objects.active()
            .filter(organisation_id=appeal.body_id, role=Role.DECISION_MAKER)
            .select_related("user")
            .order_by("user__full_name", "user__username")
            if m.user_id not in involved
        ]
    return render(
        request,
        "certification/appeal_detail.html",
        {
            "appeal": appeal,
            "start": start,
            "handlers": handlers,
            "transitions": [t for t in transitions if t.name != "start_consideration"],
            "action_base": reverse("certification:appeal_detail", args=[pk]) + "transitions/",
            "history": history_of(appeal),
        },
    )


def _handler(data) -> User | None:
    try:
        return User.objects.filter(pk=int(data.get("handler") or 0), is_active=True).first()
    except ValueError:
        return None


APPEAL_ACTIONS: Actions = {
    "start_consideration": lambda a, by, data: appeal_start_consideration(
        appeal=a, by=by, handler=_handler(data), comment=data.get("comment", "")
    ),
    "uphold": lambda a, by, data: appeal_uphold(appeal=a, by=by, comment=data.get("comment", "")),
    "dismiss": lambda a, by, data: appeal_dismiss(appeal=a, by=by, comment=data.get("comment", "")),
}


@login_required
@require_POST
def appeal_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    appeal = appeal_get_for_user(request.user, pk)
    return run_transition(
        request,
        appeal,
        name,
        APPEAL_ACTIONS,
        next_url=reverse("certification:appeal_detail", args=[pk]),
    )


# --- Complaints (body officers) ---------------------------------------------------------------


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    form = StateFilterForm(request.GET or None, states=Complaint.State.choices)
    complaints = complaints_visible_to(request.user).select_related(
        "body", "enterprise", "certificate"
    )
    if form.value("q"):
        term = form.value("q")
        complaints = complaints.filter(
            Q(subject__icontains=term)
            | Q(enterprise__name__icontains=term)
            | Q(certificate__number__icontains=term)
        )
    if form.value("state"):
        complaints = complaints.filter(state=form.value("state"))
    page_obj = paginate(request, complaints.order_by("-created_at", "-pk"), PER_PAGE)
    return render(
        request,
        "certification/complaint_list.html",
        {"form": form, "page_obj": page_obj, "filtered": form.is_bound},
    )


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_get_for_user(request.user, pk)
    handles = complaint.state == Complaint.State.INVESTIGATING and not refusal(
        complaint, "resolve", request.user
    )
    return render(
        request,
        "certification/complaint_detail.html",
        {
            "complaint": complaint,
            # The complainant's identity is for the body's people, not the client complained of.
            "sees_complainant": not has_role(request.user, Role.ENTERPRISE, complaint.enterprise)
            if complaint.enterprise_id
            else True,
            "may_follow_up": handles and complaint.certificate_id is not None,
            "today": today(),
            "transitions": transitions_for(complaint, request.user),
            "action_base": reverse("certification:complaint_detail", args=[pk]) + "transitions/",
            "history": history_of(complaint),
            **_people_concerned_context(complaint, request.user),
        },
    )


def _people_concerned_context(complaint: Complaint, user) -> dict:
    """For the body's management: the people of the body to name as concerned."""
    from certification.services.management import body_people, may_manage_body

    concerned = list(complaint.people_concerned.order_by("full_name", "username"))
    if complaint.state == Complaint.State.RESOLVED or not may_manage_body(user, complaint.body):
        return {"people_concerned": concerned, "body_people": None}
    ids = {p.pk for p in concerned}
    people = list(body_people(complaint.body))
    for m in people:
        m.concerned = m.user_id in ids
    return {"people_concerned": concerned, "body_people": people}


def _day(data, name: str):
    try:
        return datetime.date.fromisoformat(str(data.get(name) or ""))
    except ValueError:
        raise ValidationError({name: _("Enter a valid date.")}) from None


COMPLAINT_ACTIONS: Actions = {
    "acknowledge": lambda c, by, data: complaint_acknowledge(
        complaint=c, by=by, comment=data.get("comment", "")
    ),
    "resolve": lambda c, by, data: complaint_resolve(
        complaint=c, by=by, comment=data.get("comment", "")
    ),
    "open_special_audit": lambda c, by, data: complaint_open_special_audit(
        complaint=c,
        by=by,
        planned_start=_day(data, "planned_start"),
        planned_end=_day(data, "planned_end"),
        mode=data.get("mode") or "on_site",
        comment=data.get("comment", ""),
    ),
    "propose_suspension": lambda c, by, data: complaint_propose_suspension(
        complaint=c, by=by, comment=data.get("comment", "")
    ),
}


@login_required
@require_POST
def complaint_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    complaint = complaint_get_for_user(request.user, pk)
    return run_transition(
        request,
        complaint,
        name,
        COMPLAINT_ACTIONS,
        next_url=reverse("certification:complaint_detail", args=[pk]),
    )
