"""Helpers the registers' services share: the field-named error, text cleaning and the change
log row written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.core.errors import ValidationFailed
from resigrid.registers.models import RegisterChange


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def clean_text(field: str, value: str | None, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise fail(field, _("This field is required."))
    if len(value) > max_length:
        raise fail(field, _("At most %(n)d characters are allowed.") % {"n": max_length})
    return value


def log_change(
    *,
    actor: Any,
    subject: str,
    object_id: int,
    label: str,
    action: str,
    changes: dict[str, Any],
    area: Area | None = None,
) -> None:
    user = actor if getattr(actor, "is_authenticated", False) and actor.pk else None
    RegisterChange.objects.create(
        subject=subject,
        object_id=object_id,
        label=label[:200],
        action=action,
        changes=changes,
        actor=user,
        area=area,
    )
