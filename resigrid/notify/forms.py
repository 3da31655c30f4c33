"""Forms for the channel preferences and robot pages (validation of meaning is in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.forms import BootstrapForm
from resigrid.notify.models import ROBOTS_PERM, Robot

ORDERS: list[tuple[str, Any]] = [
    ("email,sms", _("Email, then SMS if email fails")),
    ("sms,email", _("SMS, then email if SMS fails")),
    ("email", _("Email only")),
    ("sms", _("SMS only")),
    ("", _("Only the messages page in Resigrid")),
]


class PreferencesForm(BootstrapForm):
    order = forms.ChoiceField(
        label=_("How to reach me besides the messages page"),
        choices=ORDERS,
        required=False,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Mobile number for SMS"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the number already saved."),
    )
    clear_phone = forms.BooleanField(label=_("Remove my saved number"), required=False)

    def channels(self) -> list[str]:
        value: str = self.cleaned_data.get("order") or ""
        return [c for c in value.split(",") if c]


def order_value(channels: list[str]) -> str:
    value = ",".join(channels)
    return value if value in {v for v, _label in ORDERS} else "email,sms"


class RobotForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Robot.Kind.choices)
    area = forms.ModelChoiceField(label=_("Group of"), queryset=Area.objects.none())
    webhook_url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        help_text=_("Copy it from the group's robot settings; it is stored encrypted."),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    message_format = forms.ChoiceField(
        label=_("Message format"), choices=Robot.Format.choices, initial=Robot.Format.TEXT
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        if isinstance(area_field, forms.ModelChoiceField):
            area_field.queryset = (
                Area.objects.visible_to(user, ROBOTS_PERM)
                .filter(level__in=[Level.COMMUNITY, Level.GRID])
                .order_by("code")
            )
