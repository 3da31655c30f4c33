"""Forms of the simulation pages: a scenario (JSON parameters, prefilled with defaults) and
opening a case from a risk point."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    params = forms.CharField(label=_("Parameters (JSON)"), widget=forms.Textarea(attrs={"rows": 8}))
    strategies = forms.CharField(
        label=_("Strategies (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    road_file = forms.FileField(label=_("Road file (GeoJSON or OSM XML)"), required=False)

    def __init__(self, *args: Any, user: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.visible_to(user, Perm.RUN_SIMULATIONS)
            .exclude(level=Level.DISTRICT)
            .order_by("code")
        )
        if kind != "epidemic":
            del self.fields["strategies"]
        if kind != "evacuation":
            del self.fields["road_file"]

    def _json(self, name: str) -> Any:
        text = self.cleaned_data.get(name) or ""
        if not text.strip():
            return {} if name == "params" else []
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None

    def clean_params(self) -> Any:
        return self._json("params")

    def clean_strategies(self) -> Any:
        return self._json("strategies")


class CaseForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    point = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Case category"))

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]
