"""Forms of the audit pages. They shape input; the services decide (and their errors are shown
on these forms)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audits.models import Audit, AuditTeamMember, Finding, TraceTest
from certification.models import Membership, Organisation, Role
from core.limits import TEXT_MAX_LENGTH
from core.models import User

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class AuditPlanForm(forms.Form):
    kind = forms.ChoiceField(label=capfirst(_("kind")))
    mode = forms.ChoiceField(label=capfirst(_("mode")), choices=Audit.Mode.choices)
    planned_start = forms.DateField(label=capfirst(_("planned start")), widget=_DATE)
    planned_end = forms.DateField(label=capfirst(_("planned end")), widget=_DATE)
    short_notice = forms.BooleanField(
        label=_("Short notice (special audit: the enterprise is told only days before)"),
        required=False,
    )
    special_reason = forms.CharField(
        label=capfirst(_("reason for the special audit")),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a special audit: a complaint, a change at the client, …"),
    )

    def __init__(self, *args, kinds: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Audit.Kind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
        if "special" not in kinds:
            del self.fields["short_notice"]
            del self.fields["special_reason"]


class AuditTimeForm(forms.Form):
    reduction = forms.DecimalField(
        label=capfirst(_("man-day reduction")),
        min_value=0,
        max_digits=5,
        decimal_places=1,
        initial=0,
    )
    reason = forms.CharField(
        label=capfirst(_("reason for the reduction")),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for any reduction; at most 30 % of the table's time."),
    )


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=capfirst(_("person")), queryset=User.objects.none())
    role = forms.ChoiceField(label=capfirst(_("role")), choices=AuditTeamMember.Role.choices)

    def __init__(self, *args, body: Organisation, exclude_user_ids=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The body's assessors (active memberships), those already on the team left out.
        assessors = Membership.objects.active().filter(organisation=body, role=Role.ASSESSOR)
        self.fields["user"].queryset = (
            User.objects.filter(pk__in=assessors.values("user_id"), is_active=True)
            .exclude(pk__in=list(exclude_user_ids))
            .order_by("full_name", "username")
        )


class ObjectionForm(forms.Form):
    member = forms.ModelChoiceField(
        label=capfirst(_("team member objected to")), queryset=User.objects.none()
    )
    reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = User.objects.filter(
            pk__in=[m.pk for m in members]
        ).order_by("full_name", "username")


class DeclarationForm(forms.Form):
    no_consultancy = forms.BooleanField(
        label=capfirst(_("no consultancy for the enterprise in the last two years")), required=False
    )
    no_employment = forms.BooleanField(
        label=capfirst(_("no employment by the enterprise in the last two years")), required=False
    )
    no_financial_interest = forms.BooleanField(
        label=capfirst(_("no financial interest in the enterprise")), required=False
    )
    no_family_ties = forms.BooleanField(
        label=capfirst(_("no family ties with its owners or managers")), required=False
    )
    statement = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("statement")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class TraceTestForm(forms.Form):
    gtin = forms.CharField(label=capfirst(_("GTIN")), max_length=14)
    lot = forms.CharField(label=capfirst(_("lot / batch")), max_length=20)
    direction = forms.ChoiceField(
        label=capfirst(_("direction")), choices=TraceTest.Direction.choices, initial="both"
    )
    started_at = forms.DateTimeField(
        label=capfirst(_("started at")), widget=_DATETIME, input_formats=_DATETIME_FORMATS
    )
    ended_at = forms.DateTimeField(
        label=capfirst(_("ended at")), widget=_DATETIME, input_formats=_DATETIME_FORMATS
    )
    quantity_in = forms.DecimalField(
        label=capfirst(_("quantity in (inputs)")), max_digits=14, decimal_places=3, min_value=0
    )
    quantity_out = forms.DecimalField(
        label=capfirst(_("quantity out (shipped and in stock)")),
        max_digits=14,
        decimal_places=3,
        min_value=0,
    )
    note = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("note")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class FindingRaiseForm(forms.Form):
    severity = forms.ChoiceField(label=capfirst(_("severity")), choices=Finding.Severity.choices)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("description")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("objective evidence")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    clause_reference = forms.CharField(label=capfirst(_("clause")), max_length=100, required=False)
    checklist_item_code = forms.CharField(
        label=capfirst(_("checklist item")), max_length=20, required=False
    )


class FindingResponseForm(forms.Form):
    root_cause = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("root cause")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    correction = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("correction")),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    corrective_action = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("corrective action")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    planned_completion = forms.DateField(label=capfirst(_("planned completion")), widget=_DATE)
