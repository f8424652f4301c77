from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("EPCIS 2.0 document (JSON / JSON-LD)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jsonld,application/ld+json"}),
    )


class AnalyseForm(forms.Form):
    dataset = forms.IntegerField(widget=forms.HiddenInput)
    gtin = forms.CharField(label=_("GTIN"), max_length=14)
    lot = forms.CharField(label=_("lot / batch"), max_length=20)


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("query interface URL"), max_length=500, assume_scheme="https")
    token = forms.CharField(
        label=_("access token"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current token."),
    )


class DismissForm(forms.Form):
    comment = forms.CharField(label=_("why"), widget=forms.Textarea(attrs={"rows": 2}))
