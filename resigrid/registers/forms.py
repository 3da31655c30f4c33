"""Forms of the registers pages: filters, categories, time limits (in hours) and duties."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.core.forms import BootstrapForm
from resigrid.registers.choices import CategoryKind, HazardClass, Phase, Priority
from resigrid.registers.listing import PRIORITIES

STAGE_LABELS = {
    "accept": _("Accept (hours)"),
    "dispatch": _("Dispatch (hours)"),
    "handle": _("Handle (hours)"),
    "verify": _("Verify (hours)"),
}

Choices = list[tuple[str, str]]


class DutyFilterForm(BootstrapForm):
    area = forms.ChoiceField(label=_("Area"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    hazard_class = forms.ChoiceField(
        label=_("Hazard class"),
        required=False,
        choices=[
            ("", _("Cases and hazards")),
            ("-", _("Case categories only")),
            *HazardClass.choices,
        ],
    )
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("All phases")), *Phase.choices]
    )
    below = forms.BooleanField(label=_("Include rules set below"), required=False)

    def __init__(self, *args: Any, areas: Choices, categories: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _("All categories")), *categories]  # type: ignore[attr-defined]


class RouteForm(BootstrapForm):
    category = forms.ChoiceField(label=_("Category"))
    area = forms.CharField(
        label=_("Area code"),
        max_length=15,
        help_text=_("15-digit code of a grid, community or street"),
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, initial=Phase.RESPOND)

    def __init__(self, *args: Any, categories: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]


class CategoryForm(BootstrapForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("01 for a top-level category, 01.02 below it; the parent is the prefix"),
    )
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=CategoryKind.choices)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)


class DeadlinesForm(BootstrapForm):
    """Per priority: keep its own limits (hours, to the minute) or inherit from the parent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in PRIORITIES:
            self.fields[f"{priority}_own"] = forms.BooleanField(
                label=_("Own limits for %(p)s") % {"p": Priority(priority).label}, required=False
            )
            for stage, label in STAGE_LABELS.items():
                self.fields[f"{priority}_{stage}"] = forms.DecimalField(
                    label=label,
                    required=False,
                    min_value=Decimal("0.01"),
                    max_digits=8,
                    decimal_places=2,
                )
        # BootstrapForm styled the fields it saw in its own __init__; style these too.
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for priority in PRIORITIES:
            if not data.get(f"{priority}_own"):
                continue
            for stage in STAGE_LABELS:
                if data.get(f"{priority}_{stage}") is None and f"{priority}_{stage}" not in (
                    self.errors
                ):
                    self.add_error(f"{priority}_{stage}", _("This field is required."))
        return data

    def groups(self) -> list[tuple[str, Any, list[Any]]]:
        """(priority label, the "own" checkbox, the four hour fields) for the template."""
        return [
            (
                str(Priority(p).label),
                self[f"{p}_own"],
                [self[f"{p}_{stage}"] for stage in STAGE_LABELS],
            )
            for p in PRIORITIES
        ]


class DutyForm(BootstrapForm):
    """A rule for a case category (it routes cases) or for a hazard class (emergency plans draw
    their task owners from it): exactly one of the two."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    hazard_class = forms.ChoiceField(
        label=_("or hazard class"),
        required=False,
        choices=[("", "—"), *HazardClass.choices],
        help_text=_("For the emergency plans; leave the category empty"),
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, initial=Phase.RESPOND)
    lead_unit = forms.TypedChoiceField(label=_("Lead unit"), coerce=int)
    support_units = forms.TypedMultipleChoiceField(
        label=_("Support units"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    tasks = forms.CharField(
        label=_("What each must do"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        categories: Choices,
        units: list[tuple[int, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]  # type: ignore[attr-defined]
        self.fields["lead_unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["support_units"].choices = units  # type: ignore[attr-defined]
        if editing:  # category (or hazard class) and phase are the rule's key: fixed once set
            del self.fields["category"]
            del self.fields["hazard_class"]
            del self.fields["phase"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "category" in self.fields and bool(data.get("category")) == bool(
            data.get("hazard_class")
        ):
            self.add_error(
                "category",
                _("Give either a case category or a hazard class, not both and not neither."),
            )
        return data
