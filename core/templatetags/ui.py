from django import template
from django.forms import BoundField, CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select
from django.utils.translation import gettext_lazy

register = template.Library()

# Labels of recorded actions that are not state transitions.
_ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "edit": gettext_lazy("Edited"),
    "lodge": gettext_lazy("Lodged"),
    "issue": gettext_lazy("Certificate issued"),
    "reissue": gettext_lazy("Certificate re-issued"),
    "replaced": gettext_lazy("Replaced by a new certificate"),
    "surveillance_done": gettext_lazy("Surveillance audit completed"),
    "assign_decision_maker": gettext_lazy("Decision maker assigned"),
    "raise": gettext_lazy("Finding raised"),
    "grant": gettext_lazy("Granted"),
    "plan": gettext_lazy("Audit planned"),
    "team_add": gettext_lazy("Added to the team"),
    "team_remove": gettext_lazy("Removed from the team"),
    "declaration_sign": gettext_lazy("Impartiality declaration signed"),
    "trace_test_record": gettext_lazy("Trace test recorded"),
    "imported": gettext_lazy("Imported"),
    "import_update": gettext_lazy("Updated by an import"),
    "document_removed": gettext_lazy("Document removed"),
    "document_replaced": gettext_lazy("Document replaced"),
}


@register.filter
def bootstrap(field: BoundField) -> str:
    """Render a form field's widget with Bootstrap's classes and aria attributes."""
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        css = ""
    elif isinstance(widget, Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css.strip()}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


# Colour of a state, by meaning rather than by model (Bootstrap background classes).
_STATE_CSS = {
    "success": {
        "active",
        "certified",
        "registered",
        "closed",
        "upheld",
        "resolved",
        "plan_accepted",
    },
    "warning": {
        "suspended",
        "revision_requested",
        "responded",
        "report_submitted",
        "under_consideration",
        "investigating",
        "decision_pending",
    },
    "danger": {
        "withdrawn",
        "rejected",
        "refused",
        "revoked",
        "expired",
        "cancelled",
        "dismissed",
        "open",
    },
    "secondary": {"draft", "superseded", "planned", "lodged", "received"},
}


@register.filter
def state_css(state: str) -> str:
    for colour, states in _STATE_CSS.items():
        if state in states:
            return f"text-bg-{colour}"
    return "text-bg-primary"


def _fsm_field(model):
    from django_fsm import FSMFieldMixin

    return next((f for f in model._meta.fields if isinstance(f, FSMFieldMixin)), None)


@register.filter
def transition_label(entry) -> str:
    """The label of the transition a LogEntry records (its code when not a transition)."""
    model = entry.content_type.model_class()
    field = _fsm_field(model) if model else None
    if field is not None:
        for transition in field.get_all_transitions(model):
            if transition.name == entry.transition:
                return str(transition.custom.get("label", entry.transition))
    return _ACTION_LABELS.get(entry.transition, entry.transition)


@register.filter
def state_label(entry, which: str) -> str:
    model = entry.content_type.model_class()
    value = entry.source_state if which == "source" else entry.target_state
    field = _fsm_field(model) if model else None
    return str(dict(field.flatchoices).get(value, value)) if field else value


@register.simple_tag
def transition_field(name: str, transition: str) -> str:
    """The input a transition needs for `name` (comment, dates, references…)."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    fid = f"{transition}-{name}"
    labels = {
        "comment": _("Comment"),
        "until": _("Suspended until"),
        "contract_reference": _("Contract reference"),
        "scope_within_competence": _("The scope is within the body's competence"),
        "technical_review_note": _("Technical review note"),
        "registration_number": _("Registration number"),
        "handler": _("Decision maker"),
        "report_summary": _("Report summary"),
        "conclusion": _("Conclusion"),
    }
    label = labels.get(name, name)
    if name == "scope_within_competence":
        return format_html(
            '<div class="form-check mb-2">'
            '<input class="form-check-input" type="checkbox" name="{}" value="true" id="{}" '
            "required>"
            '<label class="form-check-label" for="{}">{}</label></div>',
            name,
            fid,
            fid,
            label,
        )
    if name in {"comment", "technical_review_note", "report_summary", "conclusion"}:
        widget = format_html(
            '<textarea class="form-control" name="{}" id="{}" rows="2" required></textarea>',
            name,
            fid,
        )
    elif name == "until":
        widget = format_html(
            '<input class="form-control" type="date" name="{}" id="{}" required>', name, fid
        )
    else:
        widget = format_html(
            '<input class="form-control" type="text" name="{}" id="{}" required>', name, fid
        )
    return format_html(
        '<div class="mb-2"><label class="form-label small" for="{}">{}</label>{}</div>',
        fid,
        label,
        widget,
    )


@register.filter
def any_permitted(transitions) -> bool:
    """Whether the user may make at least one of `transitions` (now or once its guard is met)."""
    return any(t.permitted for t in transitions)
