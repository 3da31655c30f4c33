"""Forms of the incident pages; the services validate again (the forms only parse)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.areas.codes import ancestor_codes
from resigrid.areas.models import Area
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.incidents import workflow
from resigrid.response.incidents.models import Incident
from resigrid.response.incidents.sources import Draft


def command_areas(user: Any) -> QuerySet[Area]:
    """Areas (street, community, grid…) where the user may open incidents."""
    return Area.objects.visible_to(user, Perm.COMMAND_INCIDENTS).order_by("code")


def people_near(incident: Incident) -> QuerySet[User]:
    """Active accounts with a role on the incident's area, below it or above it."""
    ancestors = ancestor_codes(incident.area.code)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role_bindings__area__code__startswith=incident.area.scope_prefix)
            | Q(role_bindings__area__code__in=ancestors)
        )
        .distinct()
        .order_by("username")
    )


class OpenIncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    hazard_class = forms.ChoiceField(label=_("Hazard class"), choices=HazardClass.choices)
    hazard_subtype = forms.CharField(label=_("Hazard subtype"), max_length=60, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=ResponseLevel.choices)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, user: Any, draft: Draft, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": draft.title,
                "hazard_class": draft.hazard_class,
                "hazard_subtype": draft.hazard_subtype,
                "level": draft.level,
                "area": draft.area.pk if draft.area else None,
                "description": draft.description,
            },
        )
        super().__init__(*args, **kwargs)
        area_field = cast("forms.ModelChoiceField[Area]", self.fields["area"])
        area_field.queryset = command_areas(user).exclude(level="grid")
        area_field.label_from_instance = lambda a: a.name  # type: ignore[method-assign,assignment]


class ActivateForm(forms.Form):
    plan = forms.TypedChoiceField(label=_("Plan"), coerce=int, choices=())
    level = forms.ChoiceField(label=_("Level"), choices=ResponseLevel.choices)

    def __init__(self, *args: Any, plans: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.TypedChoiceField", self.fields["plan"])
        field.choices = [(p.pk, f"{p.title} v{p.version}") for p in plans]


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in workflow.ACTIONS])
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class DecisionForm(forms.Form):
    what = forms.CharField(
        label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    why = forms.CharField(
        label=_("Why"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    detail = forms.CharField(label=_("Detail"), required=False, max_length=4000)
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class OutcomeForm(forms.Form):
    text = forms.CharField(label=_("Outcome"), max_length=4000)


class PersonForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[User]", self.fields["person"])
        field.queryset = people_near(incident)
