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


# The ties a declaration asks about: (field of the declaration, what a tie means).
DECLARATION_TIES = (
    ("no_consultancy", _("consultancy for the enterprise in the last two years")),
    ("no_employment", _("employment by the enterprise in the last two years")),
    ("no_financial_interest", _("a financial interest in the enterprise")),
    ("no_family_ties", _("family ties with its owners or managers")),
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
    """The impartiality declaration as two explicit choices: no tie at all, or the ties the
    person has (at least one ticked, and described). Nothing chosen is an error, never a
    silent record of a tie."""

    NONE = "none"
    TIES = "ties"

    choice = forms.ChoiceField(
        label=capfirst(_("your declaration")),
        widget=forms.RadioSelect,
        choices=(),
        error_messages={"required": _("Choose one of the two statements.")},
    )
    ties = forms.MultipleChoiceField(
        label=capfirst(_("the ties you have")),
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, label) for name, label in DECLARATION_TIES],
        required=False,
    )
    statement = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label=capfirst(_("details of the ties")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, enterprise_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name = enterprise_name or _("the enterprise")
        self.fields["choice"].choices = [
            (
                self.NONE,
                _(
                    "I declare that I have no tie with %(name)s: no consultancy and no employment "
                    "in the last two years, no financial interest, no family ties with its owners "
                    "or managers."
                )
                % {"name": name},
            ),
            (self.TIES, _("I have the following ties with %(name)s:") % {"name": name}),
        ]

    @classmethod
    def initial_from(cls, declaration) -> dict:
        """The form's initial values from a signed declaration (re-signing)."""
        if declaration is None:
            return {}
        ties = [name for name, _label in DECLARATION_TIES if not getattr(declaration, name)]
        return {
            "choice": cls.TIES if ties else cls.NONE,
            "ties": ties,
            "statement": declaration.statement,
        }

    def clean(self):
        data = super().clean()
        if data.get("choice") == self.TIES:
            if not data.get("ties"):
                self.add_error("ties", _("Tick at least one tie you have."))
            if not (data.get("statement") or "").strip():
                self.add_error("statement", _("Describe the ties you have."))
        return data

    def declaration_data(self) -> dict:
        """What the service records: each tie denied unless declared."""
        declared = (
            set(self.cleaned_data.get("ties") or ())
            if self.cleaned_data["choice"] == self.TIES
            else set()
        )
        answers = {name: name not in declared for name, _label in DECLARATION_TIES}
        statement = self.cleaned_data.get("statement", "") if declared else ""
        return {**answers, "statement": statement}


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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type="file" multiple>` (a list, maybe empty)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class FindingResponseForm(forms.Form):
    """The enterprise's response and, in the same form, the evidence of the corrective action:
    one submit, so picking a file never loses what was typed."""

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
    evidence_files = MultipleFileField(
        label=capfirst(_("evidence of the corrective action (optional)")),
        required=False,
        help_text=_("PDF, DOCX, XLSX, JPEG or PNG; you may pick several files or take a photo."),
        # data-preview: core/upload.js lists the chosen files with a preview each.
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png,image/*", "data-preview": ""}
        ),
    )

    def response_data(self) -> dict:
        """The cleaned answers the service takes (the files left out)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "evidence_files"}
