from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import Event


class EndpointForm(forms.Form):
    """Register or change an endpoint. `owners` (bodies and provinces the user manages) is
    asked only when registering."""

    owner = forms.ChoiceField(label=_("For"))
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address that accepts POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every event."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]
        else:
            self.owners = {_owner_key(o): o for o in owners}
            self.fields["owner"].choices = [(key, str(o)) for key, o in self.owners.items()]
            del self.fields["is_active"]

    def clean_owner(self):
        return self.owners[self.cleaned_data["owner"]]


def _owner_key(owner) -> str:
    return f"{owner._meta.model_name}:{owner.pk}"
