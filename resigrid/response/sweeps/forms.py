"""Forms of the sweep pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.response.sweeps.models import Method, Outcome


class StartForm(forms.Form):
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Every vulnerable person must be contacted by then."),
    )

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        field.choices = areas  # type: ignore[attr-defined]
        field.widget.attrs["class"] = "form-select"


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)
    method = forms.ChoiceField(choices=Method.choices)
    note = forms.CharField(required=False, max_length=2000)
    key = forms.CharField(required=False, max_length=80)
