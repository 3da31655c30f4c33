from __future__ import annotations

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a lockout of 90 s says "2 minutes")."""
    if value is None:
        return 0
    return max(0, math.ceil(value.total_seconds() / 60))
