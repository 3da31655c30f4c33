"""Forms of the institution pages (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.core.forms import BootstrapForm
from resigrid.response.institutions.models import Cadence, DrillKind, ProcedureKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProcedureForm(BootstrapForm):
    area = forms.ChoiceField(label=_("Area"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ProcedureKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE)
    approved_by = forms.CharField(label=_("Approved by"), max_length=80)

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class VersionForm(BootstrapForm):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE)
    approved_by = forms.CharField(label=_("Approved by"), max_length=80)
    change_note = forms.CharField(label=_("What changed"), max_length=300)
    expected_number = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ScheduleForm(BootstrapForm):
    area = forms.ChoiceField(label=_("Area"))
    title = forms.CharField(label=_("Title"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    procedure = forms.TypedChoiceField(
        label=_("Procedure"), coerce=int, required=False, empty_value=None
    )
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Cadence.choices)
    every_days = forms.IntegerField(label=_("Every N days"), required=False, min_value=1)
    next_due = forms.DateField(label=_("First due"), widget=DATE)
    responsible_user = forms.TypedChoiceField(
        label=_("Responsible account"), coerce=int, required=False, empty_value=None
    )
    responsible_unit = forms.TypedChoiceField(
        label=_("Responsible unit"), coerce=int, required=False, empty_value=None
    )
    category = forms.ChoiceField(
        label=_("Case category of findings"),
        required=False,
        help_text=_("Findings open cases of this category (it can be changed on a finding)."),
    )
    questions = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One question per line."),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[int, str]],
        procedures: list[tuple[int, str]],
        users: list[tuple[int, str]],
        units: list[tuple[int, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        self.fields["procedure"].choices = blank + procedures  # type: ignore[attr-defined]
        self.fields["responsible_user"].choices = blank + users  # type: ignore[attr-defined]
        self.fields["responsible_unit"].choices = blank + units  # type: ignore[attr-defined]
        self.fields["category"].choices = blank + categories  # type: ignore[attr-defined]


class DrillForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DrillKind.choices)
    area = forms.ChoiceField(label=_("Area"))
    title = forms.CharField(label=_("Title"), max_length=120)
    plan = forms.TypedChoiceField(
        label=_("Plan exercised"), coerce=int, required=False, empty_value=None
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    scenario = forms.CharField(
        label=_("Scenario"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    head_count = forms.IntegerField(label=_("Head count"), min_value=0, initial=0)
    participant_users = forms.TypedMultipleChoiceField(
        label=_("Participating accounts"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    participant_units = forms.TypedMultipleChoiceField(
        label=_("Participating units"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[int, str]],
        plans: list[tuple[int, str]],
        users: list[tuple[int, str]],
        units: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        self.fields["plan"].choices = [("", "—"), *plans]  # type: ignore[attr-defined]
        self.fields["participant_users"].choices = users  # type: ignore[attr-defined]
        self.fields["participant_units"].choices = units  # type: ignore[attr-defined]


ASPECTS = (
    _("Alert and call-up"),
    _("Evacuation and rescue"),
    _("Supplies and equipment"),
    _("Command and coordination"),
)


class EvaluationForm(BootstrapForm):
    evaluation = forms.CharField(
        label=_("Evaluation"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]
        for i, aspect in enumerate(ASPECTS):
            self.fields[f"score_{i}"] = forms.ChoiceField(
                label=aspect, choices=scale, required=False
            )
        for name in self.fields:
            if name.startswith("score_"):
                self.fields[name].widget.attrs["class"] = "form-select"

    def score_fields(self) -> list[Any]:
        return [self[f"score_{i}"] for i in range(len(ASPECTS))]


class LessonForm(BootstrapForm):
    title = forms.CharField(label=_("Lesson (what to improve)"), max_length=200)
    detail = forms.CharField(label=_("Detail"), required=False, max_length=2000)
    owner_user = forms.TypedChoiceField(
        label=_("Owner"), coerce=int, required=False, empty_value=None
    )
    owner_unit = forms.TypedChoiceField(
        label=_("Owner unit"), coerce=int, required=False, empty_value=None
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(
        self, *args: Any, users: list[tuple[int, str]], units: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].choices = [("", "—"), *users]  # type: ignore[attr-defined]
        self.fields["owner_unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
