"""Forms of the people edit pages: households, residents, vulnerability, carers, volunteers.

The forms only parse input; the services validate it and their ValidationFailed errors are put
back on the fields with `apply_errors`. ID number and phone inputs are never prefilled: a blank
input keeps the stored value (the masked value is shown as help text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from resigrid.areas.models import Area, Building
from resigrid.core.errors import ValidationFailed
from resigrid.core.forms import BootstrapForm
from resigrid.people import rules
from resigrid.people.care import NeedEntry, TagEntry
from resigrid.people.choices import DisabilityCategory, Need, Skill, Tag
from resigrid.people.models import Carer, Person

DATE = {"type": "date"}
CHECK = {"class": "form-check-input"}
SLOT_LABELS = (_("Morning"), _("Afternoon"), _("Evening"))


def apply_errors(
    form: forms.Form, exc: ValidationFailed, mapping: Callable[[str], str] | None = None
) -> None:
    """Put a service's errors on the form's fields (unknown fields become form errors)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, messages in errors.items():
        name = mapping(field) if mapping else field
        for message in messages:
            form.add_error(name if name in form.fields else None, str(message))


class BuildingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class GridChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


def _show_buildings(field: forms.Field, shown: Iterable[Building]) -> None:
    """Render only `shown` (one grid's buildings) while any building in scope validates, so
    that a building of another grid reaches the service and gets its message."""
    field.widget.choices = [("", "—"), *((b.pk, b.name) for b in shown)]


# Households -------------------------------------------------------------------------------------


class HouseholdForm(BootstrapForm):
    grid = GridChoiceField(label=_("Grid"), queryset=Area.objects.none(), empty_label=None)
    building = BuildingChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    room = forms.CharField(label=_("Room"), required=False, max_length=32)

    def __init__(
        self,
        *args: Any,
        grids: QuerySet[Area] | None,
        buildings: QuerySet[Building],
        shown: Iterable[Building],
        buildings_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        building = self.fields["building"]
        if grids is None:  # editing: the grid of a household does not change
            del self.fields["grid"]
        else:
            grid_field = self.fields["grid"]
            grid_field.queryset = grids  # type: ignore[attr-defined]
            # htmx: choosing a grid reloads the building options of that grid.
            grid_field.widget.attrs.update(
                {
                    "hx-get": buildings_url,
                    "hx-target": "#id_building",
                    "hx-swap": "innerHTML",
                }
            )
        building.queryset = buildings  # type: ignore[attr-defined]
        _show_buildings(building, shown)


# Persons ----------------------------------------------------------------------------------------


class PersonForm(BootstrapForm):
    """Create (`editing=False`) or change a resident; the service decides what is valid."""

    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    clear_id_number = forms.BooleanField(label=_("Remove the ID number"), required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Person.Sex.choices,
        widget=forms.RadioSelect(attrs=CHECK),
        required=False,
    )
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    clear_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    residence_type = forms.ChoiceField(
        label=_("Residence type"),
        choices=Person.ResidenceType.choices,
        initial=Person.ResidenceType.REGISTERED,
    )
    is_head = forms.BooleanField(label=_("Head of household"), required=False)
    building = BuildingChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=16)
    moved_in = forms.DateField(label=_("Moved in"), required=False, widget=forms.DateInput(DATE))
    moved_out = forms.DateField(label=_("Moved out"), required=False, widget=forms.DateInput(DATE))
    household = forms.IntegerField(
        label=_("Move to household no."),
        required=False,
        min_value=1,
        help_text=_("Leave blank to stay in this household."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        editing: bool,
        buildings: QuerySet[Building],
        shown: Iterable[Building],
        masked: Mapping[str, str | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        building = self.fields["building"]
        building.queryset = buildings  # type: ignore[attr-defined]
        _show_buildings(building, shown)
        if not editing:
            for name in ("clear_id_number", "clear_phone", "household"):
                del self.fields[name]
            self.fields["id_number"].help_text = _(
                "Birth date and sex are read from the ID number when left blank."
            )
            return
        self.fields["sex"].required = True
        self.fields["birth_date"].required = True
        for name, current in (masked or {}).items():
            self.fields[name].help_text = (
                _("Now %(value)s. Leave blank to keep it.") % {"value": current}
                if current
                else _("None recorded.")
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("id_number", "phone"):
            if data.get(name) and data.get(f"clear_{name}"):
                self.add_error(f"clear_{name}", _("Give a new number or remove it, not both."))
        return data


# Vulnerability ----------------------------------------------------------------------------------


class VulnerabilityForm(BootstrapForm):
    """One checkbox (and "since" date) per tag, one checkbox (and detail) per need."""

    disability_category = forms.ChoiceField(
        label=_("Disability category"),
        required=False,
        choices=[("", "—"), *DisabilityCategory.choices],
    )
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((g, str(g)) for g in range(1, 5))],
    )
    health_notes = forms.CharField(
        label=_("Health notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Tag.choices:
            self.fields[f"tag_{value}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"since_{value}"] = forms.DateField(
                label=_("Since"), required=False, widget=forms.DateInput(DATE)
            )
        for value, label in Need.choices:
            self.fields[f"need_{value}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"detail_{value}"] = forms.CharField(
                label=_("Detail"), required=False, max_length=500
            )
        # Added after the base class styled the fields.
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif "class" not in field.widget.attrs:
                field.widget.attrs["class"] = "form-control form-control-sm"

    @staticmethod
    def initial_from(detail: Mapping[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"health_notes": detail["health_notes"]}
        for t in detail["tags"]:
            initial[f"tag_{t['tag']}"] = True
            initial[f"since_{t['tag']}"] = t["since"]
            if t["tag"] == Tag.DISABLED:
                initial["disability_category"] = t["disability_category"]
                initial["disability_grade"] = t["disability_grade"]
        for n in detail["needs"]:
            initial[f"need_{n['need']}"] = True
            initial[f"detail_{n['need']}"] = n["detail"]
        return initial

    def tag_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(v, self[f"tag_{v}"], self[f"since_{v}"]) for v in Tag.values]

    def need_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(v, self[f"need_{v}"], self[f"detail_{v}"]) for v in Need.values]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        disabled = data.get(f"tag_{Tag.DISABLED}")
        if not disabled and (data.get("disability_category") or data.get("disability_grade")):
            self.add_error(
                "disability_category",
                _("Tick “Disabled”, or leave the disability category and grade empty."),
            )
        return data

    def entries(self) -> tuple[list[TagEntry], list[NeedEntry]]:
        """(tags, needs) as the service takes them, in the order of the lists."""
        d = self.cleaned_data
        tags = [
            TagEntry(
                tag=v,
                disability_category=(d.get("disability_category") or "")
                if v == Tag.DISABLED
                else "",
                disability_grade=d.get("disability_grade") if v == Tag.DISABLED else None,
                since=d.get(f"since_{v}"),
            )
            for v in Tag.values
            if d.get(f"tag_{v}")
        ]
        needs = [
            NeedEntry(need=v, detail=d.get(f"detail_{v}") or "")
            for v in Need.values
            if d.get(f"need_{v}")
        ]
        return tags, needs

    def error_field(self, tags: list[TagEntry], needs: list[NeedEntry]) -> Callable[[str], str]:
        """Map the service's `tags.1.disability_grade` / `needs.0.detail` to this form's names."""

        def name(field: str) -> str:
            parts = field.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                index, attr = int(parts[1]), parts[2]
                if parts[0] == "tags" and index < len(tags):
                    if attr in ("disability_category", "disability_grade"):
                        return attr
                    return f"tag_{tags[index].tag}"
                if parts[0] == "needs" and index < len(needs):
                    return f"{'detail' if attr == 'detail' else 'need'}_{needs[index].need}"
            return field

        return name


# Carers -----------------------------------------------------------------------------------------

# Which inputs each kind of carer needs (a resident picked from a list, an account, free text).
CARER_FIELDS: dict[str, tuple[str, ...]] = {
    Carer.Kind.GRID_WORKER: ("user", "name", "phone"),
    Carer.Kind.VOLUNTEER: ("carer_person", "phone"),
    Carer.Kind.RELATIVE: ("carer_person", "name", "phone"),
    Carer.Kind.NEIGHBOUR: ("name", "phone"),
    Carer.Kind.OTHER: ("name", "phone"),
}


class CarerForm(BootstrapForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Carer.Kind.choices, widget=forms.RadioSelect(attrs=CHECK)
    )
    user = forms.TypedChoiceField(
        label=_("Grid worker account"), required=False, coerce=int, empty_value=None
    )
    carer_person = forms.TypedChoiceField(
        label=_("Resident"), required=False, coerce=int, empty_value=None
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=64)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        accounts: list[tuple[int, str]],
        residents: Mapping[str, list[tuple[int, str]]],
        switch_url: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # htmx: choosing a kind re-renders the inputs that kind needs.
        self.fields["kind"].widget.attrs.update(
            {
                "hx-get": switch_url,
                "hx-target": "#carer-fields",
                "hx-select": "#carer-fields",
                "hx-swap": "outerHTML",
            }
        )
        self.chosen_kind = kind if kind in Carer.Kind.values else ""
        self.fields["user"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]
        people = residents.get(self.chosen_kind, [])
        self.fields["carer_person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]
        if self.chosen_kind == Carer.Kind.VOLUNTEER:
            self.fields["carer_person"].label = _("Volunteer")
        elif self.chosen_kind == Carer.Kind.RELATIVE:
            self.fields["carer_person"].label = _("Household member")
        if self.chosen_kind:
            wanted = {"kind", *CARER_FIELDS[self.chosen_kind]}
            for name in [n for n in self.fields if n not in wanted]:
                del self.fields[name]

    def error_field(self, field: str) -> str:
        """A missing name with no name input means: pick the resident (or the account)."""
        if field == "name" and "name" not in self.fields:
            return "carer_person" if "carer_person" in self.fields else "user"
        return field


# Volunteers -------------------------------------------------------------------------------------


class VolunteerForm(BootstrapForm):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
    )
    home_lon = forms.FloatField(label=_("Home longitude"), required=False)
    home_lat = forms.FloatField(label=_("Home latitude"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, registering: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if registering:
            del self.fields["active"]
            self.fields["home_lon"].help_text = _("Blank: the location of the resident's building.")
        for day in range(rules.WEEKDAYS):
            for slot in range(rules.SLOTS):
                self.fields[f"avail_{day}_{slot}"] = forms.BooleanField(
                    label=f"{WEEKDAYS_ABBR[day]} {SLOT_LABELS[slot]}",
                    required=False,
                    widget=forms.CheckboxInput(attrs=CHECK),
                )

    @staticmethod
    def initial_availability(mask: int) -> dict[str, bool]:
        matrix = rules.availability_matrix(mask)
        return {
            f"avail_{d}_{s}": matrix[d][s]
            for d in range(rules.WEEKDAYS)
            for s in range(rules.SLOTS)
        }

    def availability(self) -> int:
        d = self.cleaned_data
        return rules.availability_mask(
            [
                [bool(d.get(f"avail_{day}_{slot}")) for slot in range(rules.SLOTS)]
                for day in range(rules.WEEKDAYS)
            ]
        )

    def availability_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(WEEKDAYS_ABBR[day]), [self[f"avail_{day}_{s}"] for s in range(rules.SLOTS)])
            for day in range(rules.WEEKDAYS)
        ]

    @property
    def slot_labels(self) -> tuple[Any, ...]:
        return SLOT_LABELS


def volunteer_error_field(field: str) -> str:
    return "skills" if field.startswith("skills") else field


class CertificateForm(BootstrapForm):
    skill = forms.ChoiceField(label=_("Skill"), choices=Skill.choices)
    name = forms.CharField(label=_("Certificate"), max_length=100)
    number = forms.CharField(label=_("Certificate number"), required=False, max_length=64)
    issued = forms.DateField(label=_("Issued"), required=False, widget=forms.DateInput(DATE))
    expires = forms.DateField(label=_("Expires"), required=False, widget=forms.DateInput(DATE))


def certificate_error_field(field: str) -> str:
    return "skill" if field.startswith("skills") else field


class ServiceForm(BootstrapForm):
    hours = forms.DecimalField(
        label=_("Hours"), widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"})
    )
    points = forms.IntegerField(label=_("Points"), required=False, initial=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
