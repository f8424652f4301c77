"""Pages of the competence matrix for the body's officers: the records of their people
(paginated, filtered by person, function and scheme) and a form to add or change one. Writes
go through audits.services_people (checked and logged)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits.models import (
    AssessorQualification,
    Audit,
    Function,
    Outcome,
    TrainingRecord,
    WitnessedAudit,
    WitnessKind,
)
from audits.selectors import audit_subject_q, qualifications_visible_to, witnessings_visible_to
from audits.services_people import (
    WITNESSING_FIELDS,
    bodies_managed_by,
    people_managed_by,
    qualification_save,
    witnessing_save,
)
from certification.models import Scheme, Sector
from core.clock import today
from core.models import LogEntry, User
from core.services import history_of
from core.ui import paginate
from documents.validation import DocumentRejected

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QualificationForm(forms.ModelForm):
    class Meta:
        model = AssessorQualification
        fields = [
            "user",
            "function",
            "scheme",
            "technical_area",
            "valid_from",
            "valid_until",
            "witnessed_on",
            "training",
            "note",
        ]
        widgets = {
            "valid_from": _DATE,
            "valid_until": _DATE,
            "witnessed_on": _DATE,
            "training": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, by, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = people_managed_by(by)
        self.fields["user"].queryset = (
            self.fields["user"]
            .queryset.filter(pk__in=people, is_active=True)
            .order_by("full_name", "username")
        )
        self.fields["user"].label = capfirst(gettext_lazy("person"))
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True)


def _require_officer(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or bodies_managed_by(user).exists()):
        raise PermissionDenied(_("Only officers of a certification body may see this page."))


@login_required
def competence_list(request: HttpRequest) -> HttpResponse:
    """The competence records of the people of the officer's bodies, with what is due."""
    _require_officer(request)
    rows = (
        qualifications_visible_to(request.user).select_related("user", "scheme").with_witnessing()
    )
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "function", "scheme", "area")}
    if filters["q"]:
        rows = rows.filter(user__full_name__icontains=filters["q"])
    if filters["function"] in Function.values:
        rows = rows.filter(function=filters["function"])
    if filters["scheme"].isdigit():
        rows = rows.filter(scheme_id=int(filters["scheme"]))
    if filters["area"] in Sector.values:
        rows = rows.filter(technical_area=filters["area"])
    rows = rows.order_by("user__full_name", "user_id", "scheme_id", "function", "-valid_from")
    page = paginate(request, rows)
    day = today()
    for record in page.object_list:
        record.in_force = record.valid_from <= day and (
            record.valid_until is None or record.valid_until >= day
        )
        record.witnessed_ok = record.is_witnessed_for(day)
    trainings = (
        TrainingRecord.objects.filter(user_id__in=[r.user_id for r in page.object_list])
        .select_related("user")
        .order_by("user_id", "-completed_on")
    )
    return render(
        request,
        "audits/competence_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "functions": Function.choices,
            "schemes": [(str(s.pk), str(s)) for s in Scheme.objects.order_by("code")],
            "areas": Sector.choices,
            "trainings": list(trainings),
        },
    )


@login_required
def competence_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add (no `pk`) or change a competence record."""
    _require_officer(request)
    record = None
    if pk is not None:
        record = get_object_or_404(qualifications_visible_to(request.user), pk=pk)
    form = QualificationForm(request.POST or None, instance=record, by=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                qualification_save(by=request.user, qualification=record, **fields)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The competence record was saved."))
                return HttpResponseRedirect(reverse("audits:competence_list"))
    return render(
        request,
        "audits/competence_form.html",
        {
            "form": form,
            "record": record,
            "history": history_of(record).select_related("content_type") if record else [],
        },
        status=status,
    )


# --- Witnessed and monitored audits ---------------------------------------------------------


class WitnessingForm(forms.ModelForm):
    evidence = forms.FileField(
        label=gettext_lazy("Evidence"),
        required=False,
        help_text=gettext_lazy("The witness's report or notes (optional)."),
    )

    class Meta:
        model = WitnessedAudit
        fields = list(WITNESSING_FIELDS)
        widgets = {
            "witnessed_on": _DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, by, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(pk__in=people_managed_by(by), is_active=True).order_by(
            "full_name", "username"
        )
        self.fields["user"].queryset = people
        self.fields["witness"].queryset = people
        audits = Audit.objects.select_related(
            "application__enterprise", "certificate__enterprise"
        ).order_by("-planned_start", "-pk")
        if not by.is_superuser:
            audits = audits.filter(audit_subject_q(body_ids=bodies_managed_by(by)))
        self.fields["audit"].queryset = audits
        self.fields["audit"].label_from_instance = lambda a: (
            f"{a} · {a.client.name} · {a.planned_start:%d/%m/%Y}"
        )


@login_required
def witnessing_list(request: HttpRequest) -> HttpResponse:
    """The witnessed and monitored audits of the officer's people, newest first, per person
    with `?user=` (with the history of each record shown)."""
    _require_officer(request)
    rows = witnessings_visible_to(request.user).select_related(
        "user",
        "witness",
        "audit__application__enterprise",
        "audit__certificate__enterprise",
    )
    filters = {k: request.GET.get(k, "").strip() for k in ("user", "function", "outcome")}
    person = None
    if filters["user"].isdigit():
        rows = rows.filter(user_id=int(filters["user"]))
        # Named only when the officer keeps this person's records.
        person = User.objects.filter(
            pk=int(filters["user"]), pk__in=people_managed_by(request.user)
        ).first()
    if filters["function"] in Function.values:
        rows = rows.filter(function=filters["function"])
    if filters["outcome"] in Outcome.values:
        rows = rows.filter(outcome=filters["outcome"])
    page = paginate(request, rows.order_by("-witnessed_on", "-id"))
    history: dict[int, list[LogEntry]] = {}
    if page.object_list:
        entries = (
            LogEntry.objects.for_objects(WitnessedAudit, [w.pk for w in page.object_list])
            .select_related("actor")
            .order_by("created_at", "id")
        )
        for entry in entries:
            history.setdefault(int(entry.object_id), []).append(entry)
    for witnessing in page.object_list:
        witnessing.history = history.get(witnessing.pk, [])
    return render(
        request,
        "audits/witnessing_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "person": person,
            "functions": Function.choices,
            "outcomes": Outcome.choices,
        },
    )


@login_required
def witnessing_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Record (no `pk`) or correct a witnessed or monitored audit."""
    _require_officer(request)
    record = None
    if pk is not None:
        record = get_object_or_404(witnessings_visible_to(request.user), pk=pk)
    initial = {}
    if record is None and request.GET.get("user", "").isdigit():
        initial = {"user": int(request.GET["user"]), "witness": request.user.pk}
    form = WitnessingForm(
        request.POST or None,
        request.FILES or None,
        instance=record,
        initial=initial,
        by=request.user,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in WITNESSING_FIELDS}
            try:
                saved = witnessing_save(
                    by=request.user,
                    witnessing=record,
                    evidence=form.cleaned_data.get("evidence"),
                    **fields,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except DocumentRejected as exc:
                # The record is rolled back with the refused file (nothing stored).
                form.add_error("evidence", exc.message)
                status = exc.status
            else:
                messages.success(request, _("The witnessing record was saved."))
                url = reverse("audits:witnessing_list")
                return HttpResponseRedirect(f"{url}?user={saved.user_id}")
    return render(
        request,
        "audits/witnessing_form.html",
        {
            "form": form,
            "record": record,
            "kinds": WitnessKind.choices,
            "history": history_of(record) if record else [],
        },
        status=status,
    )
