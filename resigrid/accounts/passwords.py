"""Password policy: 等保 level-3 style complexity for staff accounts."""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    set(string.ascii_lowercase),
    set(string.ascii_uppercase),
    set(string.digits),
    set(string.punctuation + " "),
)


def character_classes(password: str) -> int:
    return sum(1 for chars in CLASSES if any(c in chars for c in password))


class StaffComplexityValidator:
    """Staff passwords need STAFF_PASSWORD_MIN_LENGTH characters from STAFF_PASSWORD_MIN_CLASSES
    of: lower case, upper case, digits, symbols. Residents are held to Django's length rule."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is not None and not user.is_staff_account():
            return
        min_length: int = settings.STAFF_PASSWORD_MIN_LENGTH
        min_classes: int = settings.STAFF_PASSWORD_MIN_CLASSES
        errors = []
        if len(password) < min_length:
            errors.append(
                ValidationError(
                    _("A staff password must have at least %(n)d characters.") % {"n": min_length},
                    code="staff_password_too_short",
                )
            )
        if character_classes(password) < min_classes:
            errors.append(
                ValidationError(
                    _(
                        "A staff password must mix at least %(n)d of: lower-case letters, "
                        "upper-case letters, digits, symbols."
                    )
                    % {"n": min_classes},
                    code="staff_password_too_simple",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "Staff passwords: at least %(length)d characters mixing %(classes)d of lower case, "
            "upper case, digits and symbols."
        ) % {
            "length": settings.STAFF_PASSWORD_MIN_LENGTH,
            "classes": settings.STAFF_PASSWORD_MIN_CLASSES,
        }
