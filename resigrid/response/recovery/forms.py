"""Forms of the recovery pages: they parse types; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.plans.models import Plan
from resigrid.response.recovery.models import AfterActionReview, NeedKind, NeedOutcome, NeedSeverity

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DATE = {"class": "form-control", "type": "date"}


def apply_errors(form: forms.Form, exc: ValidationFailed) -> None:
    """Put a service's errors on the form's fields (unknown fields become form errors)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, str(message))


class AssessmentForm(forms.Form):
    """One row per kind of need: a severity (blank: not needed) and a description."""

    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NeedKind.choices:
            self.fields[f"{kind}_severity"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("Not needed")), *NeedSeverity.choices],
                widget=forms.Select(attrs=SELECT),
            )
            self.fields[f"{kind}_description"] = forms.CharField(
                label=_("What is needed"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
            )

    def rows(self) -> list[tuple[str, str, Any, Any]]:
        return [
            (kind, str(label), self[f"{kind}_severity"], self[f"{kind}_description"])
            for kind, label in NeedKind.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in NeedKind.values:
            if data.get(f"{kind}_description") and not data.get(f"{kind}_severity"):
                self.add_error(
                    f"{kind}_severity", _("Choose how severe the need is, or clear the text.")
                )
        return data

    def needs(self) -> list[tuple[str, str, str]]:
        d = self.cleaned_data
        return [
            (kind, d[f"{kind}_severity"], d.get(f"{kind}_description") or "")
            for kind in NeedKind.values
            if d.get(f"{kind}_severity")
        ]


class MatchForm(forms.Form):
    commitment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    service = forms.CharField(
        label=_("Service"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
    )
    owner = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(DATE))
    with_task = forms.BooleanField(
        label=_("Create a task for the unit"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, units: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=NeedOutcome.choices, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(
        label=_("Outcome note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class ReviewForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"}),
    )
    follow_up_of = forms.ModelChoiceField(
        label=_("Follow-up of"),
        queryset=AfterActionReview.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    participants = forms.CharField(
        label=_("Participants"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    participant_accounts = forms.ModelMultipleChoiceField(
        label=_("Participating accounts"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 4}),
    )
    went_well = forms.CharField(
        label=_("What went well"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )
    went_wrong = forms.CharField(
        label=_("What went wrong"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )

    def __init__(self, *args: Any, reviews: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follow_up_of"].queryset = reviews  # type: ignore[attr-defined]
        self.fields["participant_accounts"].queryset = accounts  # type: ignore[attr-defined]


class FindingForm(forms.Form):
    """One improvement item; a row left blank is skipped."""

    title = forms.CharField(
        label=_("What to improve"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
    )
    detail = forms.CharField(
        label=_("Detail"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 1})
    )
    owner_user = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Owner unit"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(DATE))
    plan = forms.ModelChoiceField(
        label=_("Plan to revise"),
        queryset=Plan.objects.none(),
        required=False,
        empty_label=_("The incident's plan"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, owners: Any, units: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(
            d.get(k) for k in ("title", "detail", "owner_user", "owner_unit", "due_date")
        )


class CloseItemForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", _("Done")), ("0", _("Dropped"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
