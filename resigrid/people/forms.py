"""Forms of the people pages: the list filters and the phone-friendly contact form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resigrid.core.forms import BootstrapForm
from resigrid.people.choices import ContactOutcome, ContactWay, Skill, Tag


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class PersonFilterForm(BootstrapForm):
    grid = forms.CharField(label=_("Grid code"), required=False, max_length=15)
    building = forms.IntegerField(label=_("Building"), required=False, min_value=1)
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=_blank(Tag.choices))
    vulnerable = forms.BooleanField(label=_("Vulnerable only"), required=False)
    min_age = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=150)
    max_age = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=150)
    skill = forms.ChoiceField(
        label=_("Volunteer skill"), required=False, choices=_blank(Skill.choices)
    )
    name = forms.CharField(label=_("Name starts with"), required=False, max_length=64)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add_error("max_age", _("The highest age is below the lowest age."))
        return data


class VolunteerFilterForm(BootstrapForm):
    grid = forms.CharField(label=_("Grid code"), required=False, max_length=15)
    skill = forms.ChoiceField(label=_("Skill"), required=False, choices=_blank(Skill.choices))


class ContactForm(BootstrapForm):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    way = forms.ChoiceField(
        label=_("Way"), choices=ContactWay.choices, widget=forms.RadioSelect, initial="visit"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ContactOutcome.choices, widget=forms.RadioSelect, initial="ok"
    )
    carer = forms.TypedChoiceField(label=_("Carer"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, carers: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carer"].choices = [("", "—"), *carers]  # type: ignore[attr-defined]
