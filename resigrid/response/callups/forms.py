"""Forms of the call-up pages (the services check the rules; these only parse)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.people.choices import Skill
from resigrid.response.incidents.models import Incident

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallUpForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    incident = forms.ModelChoiceField(
        label=_("Incident"), queryset=Incident.objects.none(), required=False
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills required"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    count = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=1000)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_DT)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=_DT)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = cast(forms.ModelChoiceField, self.fields["area"])  # type: ignore[type-arg]
        area_field.queryset = Area.objects.visible_to(user, Perm.COORDINATE_VOLUNTEERS)
        incident_field = cast(forms.ModelChoiceField, self.fields["incident"])  # type: ignore[type-arg]
        incident_field.queryset = Incident.objects.visible_to(user).open()
        _style(self)


def _style(form: forms.Form) -> None:
    """Bootstrap classes on the widgets."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    hours = forms.CharField(
        label=_("Hours"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
