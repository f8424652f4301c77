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

from audits.models import AssessorQualification, Function, TrainingRecord
from audits.selectors import qualifications_visible_to
from audits.services_people import (
    bodies_managed_by,
    people_managed_by,
    qualification_save,
)
from certification.models import Scheme, Sector
from core.clock import today
from core.services import history_of
from core.ui import paginate

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
    rows = qualifications_visible_to(request.user).select_related("user", "scheme")
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
