"""Forms of the plan pages. They only parse; the services check (and name the field at fault)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.alerts.choices import Level as AlertLevel
from resigrid.core.forms import BootstrapForm
from resigrid.registers.choices import HazardClass, Phase, ResponseLevel

Choices = list[tuple[str, str]]
EVERY_LEVEL = [("", _("Every level")), *ResponseLevel.choices]


def _text(label: Any, rows: int = 2, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


class PlanForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    hazard_class = forms.ChoiceField(label=_("Hazard class"), choices=HazardClass.choices)
    hazard_subtype = forms.CharField(label=_("Hazard subtype"), max_length=100, required=False)
    area = forms.ChoiceField(label=_("Area"))
    summary = _text(_("Summary"), rows=3)

    def __init__(self, *args: Any, areas: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class PlanEditForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    hazard_subtype = forms.CharField(label=_("Hazard subtype"), max_length=100, required=False)
    summary = _text(_("Summary"), rows=3)


class PlanFilterForm(BootstrapForm):
    hazard_class = forms.ChoiceField(
        label=_("Hazard class"), required=False, choices=[("", _("All")), *HazardClass.choices]
    )
    inactive = forms.BooleanField(label=_("Show earlier versions"), required=False)


class LevelForm(BootstrapForm):
    level = forms.ChoiceField(label=_("Level"), choices=ResponseLevel.choices)
    alert_level = forms.ChoiceField(
        label=_("Warning colour"), required=False, choices=[("", "—"), *AlertLevel.choices]
    )
    trigger_value = forms.CharField(label=_("Threshold"), required=False, max_length=20)
    trigger_unit = forms.CharField(label=_("Threshold unit"), required=False, max_length=60)
    criteria = _text(_("Activation criteria"), required=True)


class RoleForm(BootstrapForm):
    level = forms.ChoiceField(label=_("Level"), required=False, choices=EVERY_LEVEL)
    code = forms.CharField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=120)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    sort = forms.IntegerField(label=_("Order"), required=False, initial=0)
    duties = _text(_("Duties"))

    def __init__(self, *args: Any, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]


class TaskForm(BootstrapForm):
    """The owner is one choice: "duty:<id>" (the lead unit of a duty of the responsibility
    list), "unit:<id>", or empty (the nearest duty for the plan's hazard class and the phase)."""

    level = forms.ChoiceField(label=_("Level"), required=False, choices=EVERY_LEVEL)
    title = forms.CharField(label=_("Title"), max_length=200)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, initial=Phase.RESPOND)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_offset_minutes = forms.CharField(label=_("Due after (minutes)"), max_length=12)
    sort = forms.IntegerField(label=_("Order"), required=False, initial=0)
    detail = _text(_("Detail"))

    def __init__(self, *args: Any, duties: Choices, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Nearest duty for the phase (responsibility list)")),
            (_("From the responsibility list"), duties),
            (_("A unit"), units),
        ]


class NeedForm(BootstrapForm):
    item = forms.ChoiceField(label=_("Item"))
    per_thousand = forms.CharField(label=_("Per 1,000 residents"), max_length=20)
    factor_1 = forms.CharField(label=_("Factor at I"), required=False, max_length=10)
    factor_2 = forms.CharField(label=_("Factor at II"), required=False, max_length=10)
    factor_3 = forms.CharField(label=_("Factor at III"), required=False, max_length=10)
    factor_4 = forms.CharField(label=_("Factor at IV"), required=False, max_length=10)
    note = forms.CharField(label=_("Note"), required=False, max_length=400)

    def __init__(self, *args: Any, items: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—"), *items]  # type: ignore[attr-defined]


class BulletinForm(BootstrapForm):
    level = forms.ChoiceField(label=_("Level"), required=False, choices=EVERY_LEVEL)
    title = forms.CharField(label=_("Title"), max_length=200)
    sort = forms.IntegerField(label=_("Order"), required=False, initial=0)
    body = _text(
        _("Body"), rows=4, required=True
    )  # help text in the template: {area} {level} {time}
