"""Forms of the bulletin pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.response.bulletins.models import Kind


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)
    incident = forms.TypedChoiceField(
        label=_("Incident"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    rumour = forms.CharField(
        label=_("The rumour (for a rebuttal)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Quote the rumour as it circulates."),
    )
    body = forms.CharField(
        label=_("Text (for a rebuttal: the facts)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[int, str]],
        incidents: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        self.fields["incident"].choices = [("", "—"), *incidents]  # type: ignore[attr-defined]
        for name in ("area", "incident"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("title", "rumour", "body"):
            self.fields[name].widget.attrs["class"] = "form-control"


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    rumour = forms.CharField(
        label=_("The rumour (for a rebuttal)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Text (for a rebuttal: the facts)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
