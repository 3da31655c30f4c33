"""Forms of the account pages (Bootstrap 5 classes set here so templates stay plain)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import SecurityEvent
from resigrid.accounts.services import TOKEN_NAME_MAX_LENGTH


def bootstrapify(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, `is-invalid` on fields with errors."""
    # Not `form.errors`: reading it would run validation on a form not yet meant to be checked.
    errors = getattr(form, "_errors", None) or {}
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if name in errors:
            css += " is-invalid"
        widget.attrs["class"] = css


class BootstrapMixin:
    """Classes when built, and again after validation to flag the fields in error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        bootstrapify(self)  # type: ignore[arg-type]


class LoginForm(BootstrapMixin, AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        )


class StaffPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    """Django's form (old password, new twice, all AUTH_PASSWORD_VALIDATORS incl. the staff
    complexity rule); the view stores the password through services.change_password."""


TOKEN_LIFETIMES = [
    (7, _("7 days")),
    (30, _("30 days")),
    (90, _("90 days")),
    (180, _("180 days")),
    (365, _("1 year")),
]


class TokenCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=TOKEN_NAME_MAX_LENGTH,
        help_text=_("What the token is for, e.g. the name of the integration."),
    )
    days = forms.TypedChoiceField(
        label=_("Valid for"), choices=TOKEN_LIFETIMES, coerce=int, initial=90
    )


class SecurityLogFilterForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *SecurityEvent.Kind.choices],
    )
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data
