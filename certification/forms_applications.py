"""Forms of the application pages: the application (enterprise, body, scheme, kind, scope) and
the assignment of a decision maker. The services validate the content; these forms only shape
the input and show the services' errors next to the fields."""

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from certification.models import (
    Application,
    Certificate,
    Membership,
    Organisation,
    Role,
    Scheme,
    SupplyChainStage,
)
from core.limits import TEXT_MAX_LENGTH
from core.models import User

# Repeated rows of the scope: products (name, GTIN) and sites (name, address). Inputs are named
# `<kind>_<field>` and repeated, one value per row.
ROW_FIELDS = {"product": ("name", "gtin"), "site": ("name", "address")}


def rows_from(data: QueryDict, kind: str) -> list[dict[str, str]]:
    """The rows of `kind` posted by the form, blank rows left out."""
    names = ROW_FIELDS[kind]
    columns = [data.getlist(f"{kind}_{name}") for name in names]
    rows = []
    for values in zip(*columns, strict=False):
        row = {name: value.strip() for name, value in zip(names, values, strict=True)}
        if any(row.values()):
            rows.append(row)
    return rows


class ApplicationForm(forms.Form):
    """A new application (every field) or a draft's scope and contact (`application` given:
    enterprise, body, scheme and kind are fixed once the application exists)."""

    FIXED = ("enterprise", "body", "scheme", "kind", "renews")

    enterprise = forms.ModelChoiceField(
        label=capfirst(_("enterprise")), queryset=Organisation.objects.none(), empty_label=None
    )
    body = forms.ModelChoiceField(
        label=capfirst(_("certification body")), queryset=Organisation.objects.none()
    )
    scheme = forms.ModelChoiceField(label=capfirst(_("scheme")), queryset=Scheme.objects.none())
    kind = forms.ChoiceField(
        label=capfirst(_("type")),
        choices=Application.Kind.choices,
        initial=Application.Kind.INITIAL,
    )
    renews = forms.ModelChoiceField(
        label=capfirst(_("certificate renewed or extended")),
        queryset=Certificate.objects.none(),
        required=False,
        help_text=_("For a recertification, a scope extension or a scope reduction."),
    )
    stages = forms.MultipleChoiceField(
        label=capfirst(_("supply-chain stages")),
        choices=SupplyChainStage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sector_standard = forms.CharField(
        label=capfirst(_("sector traceability standard")),
        max_length=100,
        required=False,
        help_text=_("E.g. TCVN 12827:2023."),
    )
    scope_note = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("scope description")),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    previous_body_name = forms.CharField(
        label=capfirst(_("previous certification body")),
        max_length=300,
        required=False,
        help_text=_("For a transfer from another body."),
    )
    previous_certificate_number = forms.CharField(
        label=capfirst(_("previous certificate number")), max_length=100, required=False
    )
    previous_certificate_valid_until = forms.DateField(
        label=capfirst(_("previous certificate valid until")),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact_name = forms.CharField(
        label=capfirst(_("contact person")), max_length=200, required=False
    )
    contact_email = forms.EmailField(label=capfirst(_("contact e-mail")), required=False)
    contact_phone = forms.CharField(
        label=capfirst(_("contact phone")), max_length=30, required=False
    )

    def __init__(
        self,
        *args,
        enterprises=None,
        bodies=None,
        certificates=None,
        application: Application | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        if application is not None:
            for name in self.FIXED:
                del self.fields[name]
            return
        self.fields["enterprise"].queryset = enterprises
        self.fields["body"].queryset = bodies
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True)
        self.fields["renews"].queryset = certificates
        self.fields["renews"].label_from_instance = lambda c: f"{c.number} · {c.enterprise}"

    @property
    def scope_fields(self) -> list[forms.BoundField]:
        names = ["sector_standard", "scope_note"]
        if self.application is None or self.application.kind == Application.Kind.TRANSFER:
            names += [
                "previous_body_name",
                "previous_certificate_number",
                "previous_certificate_valid_until",
            ]
        return [self[name] for name in names]

    @property
    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("contact_name", "contact_email", "contact_phone")]

    @property
    def header_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FIXED if name in self.fields]


class DecisionMakerForm(forms.Form):
    decision_maker = forms.ModelChoiceField(
        label=capfirst(_("assigned decision maker")), queryset=User.objects.none()
    )

    def __init__(self, *args, body: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        deciders = Membership.objects.active().filter(organisation=body, role=Role.DECISION_MAKER)
        self.fields["decision_maker"].queryset = User.objects.filter(
            pk__in=deciders.values("user_id"), is_active=True
        ).order_by("full_name", "username")


class TransferReviewForm(forms.Form):
    note = forms.CharField(
        label=capfirst(_("pre-transfer review")),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The previous certificate's validity and scope, the last audit reports, complaints "
            "and the state of its nonconformities."
        ),
    )
    open_majors = forms.IntegerField(
        label=capfirst(_("open major nonconformities found at the pre-transfer review")),
        min_value=0,
        initial=0,
    )
