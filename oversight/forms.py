from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.models import Certificate, Organisation, Province, Sector
from core.limits import TEXT_MAX_LENGTH
from oversight.models import Ministry, PlanTarget, TaskGroup

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActivityForm(forms.Form):
    target = forms.ChoiceField(label=_("Indicator"), required=False)
    task_group = forms.ChoiceField(
        label=_("Task group"),
        required=False,
        help_text=_("For a task of the plan without a numeric target (or in addition)."),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput(), input_formats=DATE_INPUTS)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, where, for whom."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        initial=1,
        help_text=_("How many the activity counts for (trainees' turns, classes, articles…)."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, Word, Excel or an image: the invitation, minutes, article…"),
    )

    def __init__(self, *args, targets: list[PlanTarget], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {str(t.pk): t for t in targets if not t.computed}
        self.fields["target"].choices = [("", "—")] + [
            (key, f"{t.label} ({t.unit})") for key, t in self.targets.items()
        ]
        self.fields["task_group"].choices = [("", "—"), *TaskGroup.choices]

    def clean_target(self) -> PlanTarget | None:
        return self.targets.get(self.cleaned_data["target"])

    def clean(self):
        data = super().clean()
        if not data.get("target") and not data.get("task_group"):
            self.add_error("target", _("Choose an indicator or a task group."))
        return data


class OutsideCertificationForm(forms.Form):
    enterprise_name = forms.CharField(label=_("Enterprise"), max_length=255)
    tax_code = forms.CharField(label=_("Tax code"), max_length=14)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=100)
    issuer = forms.CharField(label=_("Issued by"), max_length=255)
    standard = forms.CharField(label=_("Standard"), max_length=100, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=DateInput(), input_formats=DATE_INPUTS
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DateInput(), input_formats=DATE_INPUTS
    )


class HighRiskProductForm(forms.Form):
    name = forms.CharField(label=_("Product"), max_length=200)
    certificates = forms.ModelMultipleChoiceField(
        label=_("Covering certificates"), queryset=Certificate.objects.none(), required=False
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("Enterprises tracing it"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, province, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificates"].queryset = (
            Certificate.objects.filter(enterprise__province=province)
            .select_related("enterprise")
            .order_by("number")
        )
        self.fields["certificates"].label_from_instance = lambda c: f"{c.number} · {c.enterprise}"
        self.fields["enterprises"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.ENTERPRISE, province=province
        ).order_by("name")


class TargetForm(forms.Form):
    target_value = forms.DecimalField(
        label=_("Target"), min_value=0, max_digits=9, decimal_places=2
    )


class HighRiskGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    ministry = forms.ChoiceField(
        label=_("Ministry's list"),
        choices=Ministry.choices,
        initial=Ministry.OTHER,
        required=False,
    )
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    certificates = forms.ModelMultipleChoiceField(
        label=_("Covering certificates"),
        queryset=Certificate.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("Enterprises tracing it"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Enterprises known to trace these products (e.g. on a sector system)."),
    )

    def __init__(self, *args, province: Province, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Valid and suspended certificates, and any the group already names.
        offered = Q(state__in=[Certificate.State.ACTIVE, Certificate.State.SUSPENDED])
        if group is not None:
            offered |= Q(high_risk_groups=group)
        self.fields["certificates"].queryset = (
            Certificate.objects.filter(offered, enterprise__province=province)
            .distinct()
            .select_related("enterprise")
            .order_by("number")
        )
        self.fields["certificates"].label_from_instance = lambda c: (
            f"{c.number} · {c.enterprise.name}"
        )
        self.fields["enterprises"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.ENTERPRISE, province=province
        ).order_by("name")


class RegisterFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *Certificate.State.choices]
    )
    body = forms.ModelChoiceField(
        label=_("Certification body"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("All"),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All")), *Sector.choices]
    )
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=DateInput(), input_formats=DATE_INPUTS
    )
    issued_to = forms.DateField(
        label=_("Issued until"), required=False, widget=DateInput(), input_formats=DATE_INPUTS
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and end < start:
            self.add_error("issued_to", _("The end date is before the start date."))
        return cleaned
