"""Forms of the case pages: the resident's report and rating, the queue filters, and one small
form per move on the case detail page. Forms parse input; the services decide."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.cases.choices import Rating, RequestKind, Resolution
from resigrid.cases.photos import CheckedPhoto, check_photo
from resigrid.core.errors import ValidationFailed
from resigrid.core.forms import BootstrapForm

MAX_NOTE = 2000
POINT_MISSING = gettext_lazy("Put a pin on the map or use your location.")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Several photos in one input. Each is checked by content (never by its name): a real
    JPEG, PNG or WebP within the limits, re-encoded without metadata."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Photos"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, value: Any) -> list[CheckedPhoto]:
        files: Sequence[UploadedFile] = (
            [f for f in value if f]
            if isinstance(value, list | tuple)
            else ([value] if value else [])
        )
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > settings.CASE_PHOTO_MAX_COUNT:
            raise forms.ValidationError(
                _("At most %(n)d photos.") % {"n": settings.CASE_PHOTO_MAX_COUNT}, code="count"
            )
        limit = settings.CASE_PHOTO_MAX_BYTES
        checked: list[CheckedPhoto] = []
        errors: list[forms.ValidationError] = []
        for upload in files:
            name = upload.name or "?"
            if (upload.size or 0) > limit:
                message = _(
                    "The photo is too large (%(size).1f MB); the limit is %(limit).1f MB."
                ) % {"size": (upload.size or 0) / 1e6, "limit": limit / 1e6}
                errors.append(
                    forms.ValidationError(
                        _("%(file)s: %(error)s") % {"file": name, "error": message},
                        code="too_large",
                    )
                )
                continue
            try:
                checked.append(check_photo(upload.read()))
            except ValidationFailed as exc:
                errors.append(
                    forms.ValidationError(
                        _("%(file)s: %(error)s") % {"file": name, "error": exc.message},
                        code="not_a_photo",
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return checked


def _note(label: Any = None, *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label or gettext_lazy("Note"),
        required=required,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# --- the resident ---


class ReportForm(BootstrapForm):
    category = forms.ChoiceField(label=gettext_lazy("What is the problem about?"))
    title = forms.CharField(label=gettext_lazy("Short title"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField()
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"), max_length=200, required=False
    )
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

    def __init__(
        self, *args: Any, categories: list[tuple[str, Any]], anonymous: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.anonymous = anonymous
        self.fields["category"].choices = [("", "—"), *categories]  # type: ignore[attr-defined]
        if not anonymous:
            for name in self.CONTACT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        point_missing = data.get("lon") is None or data.get("lat") is None
        if point_missing and "lon" not in self.errors and "lat" not in self.errors:
            self.add_error("lon", str(POINT_MISSING))
        no_contact = not (data.get("contact_phone") or data.get("contact_email"))
        if self.anonymous and no_contact and "contact_email" not in self.errors:
            self.add_error(
                "contact_phone",
                _("Leave a phone number or an email so we can tell you the outcome."),
            )
        return data

    @property
    def location_errors(self) -> list[str]:
        seen: list[str] = []
        for name in ("lon", "lat"):
            for message in self.errors.get(name, []):
                if str(message) not in seen:
                    seen.append(str(message))
        return seen


class RatingForm(BootstrapForm):
    expected = forms.CharField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(
        label=gettext_lazy("Was your problem solved?"),
        choices=Resolution.choices,
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with the outcome?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
    )
    comment = _note(gettext_lazy("Comment (required when unsatisfied)"), rows=3)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rating") == Rating.UNSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Tell us what is still wrong."))
        return data


class NearbyForm(forms.Form):
    category = forms.CharField(max_length=20, required=False)
    lon = forms.FloatField(min_value=-180, max_value=180)
    lat = forms.FloatField(min_value=-90, max_value=90)


# --- the staff queues ---


class QueueFilterForm(BootstrapForm):
    grid = forms.ChoiceField(label=gettext_lazy("Grid"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)

    def __init__(
        self,
        *args: Any,
        grids: list[tuple[str, str]],
        categories: list[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", "—"), *grids]  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", "—"), *categories]  # type: ignore[attr-defined]
        if not grids:
            del self.fields["grid"]


# --- moves on the case detail page (each carries the state the user saw) ---


class MoveForm(BootstrapForm):
    expected = forms.CharField(widget=forms.HiddenInput)


class NoteMoveForm(MoveForm):
    note = _note()


class AcceptForm(NoteMoveForm):
    register = forms.BooleanField(
        label=gettext_lazy("Register it as a case (立案) at once"), required=False, initial=True
    )


class ReasonForm(MoveForm):
    reason = _note(gettext_lazy("Reason"), required=True)


class DispatchForm(MoveForm):
    lead_unit = forms.TypedChoiceField(label=gettext_lazy("Lead unit"), coerce=int)
    support_units = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Support units"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = _note(gettext_lazy("Note (a reason is required when you override the list)"))

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["support_units"].choices = units  # type: ignore[attr-defined]


class HandleForm(MoveForm):
    result = _note(gettext_lazy("What was done"), required=True, rows=3)
    photos = PhotosField(label=gettext_lazy("Photos of the result"))


class VerifyForm(MoveForm):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome on site"),
        choices=[
            ("pass", gettext_lazy("Passed: the problem is solved")),
            ("fail", gettext_lazy("Failed: send it back for rework")),
        ],
        widget=forms.RadioSelect,
        initial="pass",
    )
    note = _note(gettext_lazy("Note (required when it failed)"))
    photos = PhotosField(label=gettext_lazy("Photos from the site"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "fail" and not (data.get("note") or "").strip():
            self.add_error("note", _("Please give a reason."))
        return data


class MergeForm(MoveForm):
    into = forms.CharField(
        label=gettext_lazy("Merge into case number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "AJ00000001", "autocomplete": "off"}),
    )
    note = _note()

    def clean_into(self) -> int:
        raw = (self.cleaned_data.get("into") or "").strip().upper()
        match = re.fullmatch(r"(?:AJ)?0*(\d{1,12})", raw)
        if match is None:
            raise forms.ValidationError(_("Give a case number such as AJ00000001."))
        return int(match.group(1))


class WhistleForm(MoveForm):
    unit = forms.TypedChoiceField(label=gettext_lazy("Summon"), coerce=int)
    reason = _note(gettext_lazy("Why this unit must come"), required=True)
    answer_minutes = forms.IntegerField(
        label=gettext_lazy("Answer within (minutes)"),
        required=False,
        min_value=1,
        max_value=7 * 24 * 60,
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["answer_minutes"].initial = settings.CASE_WHISTLE_ANSWER_MINUTES


class AnswerForm(MoveForm):
    text = _note(gettext_lazy("Answer (报到)"), required=True)


class ChangeRequestForm(MoveForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Request"),
        choices=[(k.value, k.label) for k in (RequestKind.POSTPONE, RequestKind.SUSPEND)],
    )
    extra_hours = forms.IntegerField(
        label=gettext_lazy("Extra hours (postponement)"),
        required=False,
        min_value=1,
        max_value=90 * 24,
    )
    reason = _note(gettext_lazy("Reason"), required=True)

    def __init__(self, *args: Any, suspended: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if suspended:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                (RequestKind.POSTPONE.value, RequestKind.POSTPONE.label)
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_hours = not data.get("extra_hours") and "extra_hours" not in self.errors
        if data.get("kind") == RequestKind.POSTPONE and no_hours:
            self.add_error("extra_hours", _("How many more hours are needed?"))
        return data


class DecideForm(MoveForm):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("deny", gettext_lazy("Refuse"))],
        widget=forms.HiddenInput,
    )
    note = _note(gettext_lazy("Decision note (required when refusing)"))
