"""Pure rules for the people registry: ID-number consistency, age bounds, weekly availability.

No database access. Availability is a 21-bit integer: bit `weekday * 3 + slot` is set when the
volunteer is free on that weekday (0 = Monday … 6 = Sunday) and slot (0 = morning,
1 = afternoon, 2 = evening). 0 means "never", 2**21 - 1 means "any time".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from resigrid.core import pii

WEEKDAYS = 7
SLOTS = 3
ALL_SLOTS = (1 << (WEEKDAYS * SLOTS)) - 1


def sex_from_id(id_number: str) -> str:
    """GB 11643: the 17th character (sequence code) is odd for men and even for women."""
    return "M" if int(id_number[16]) % 2 == 1 else "F"


def id_conflicts(id_number: str, *, sex: str | None, birth_date: dt.date | None) -> dict[str, str]:
    """Fields that disagree with a valid ID number, with the message for each."""
    errors: dict[str, str] = {}
    if birth_date is not None and pii.birth_date_from_id(id_number) != birth_date:
        errors["birth_date"] = _("The birth date does not match the one inside the ID number.")
    if sex and sex_from_id(id_number) != sex:
        errors["sex"] = _("The sex does not match the ID number (its 17th digit).")
    return errors


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def birth_date_bounds(
    today: dt.date, *, min_age: int | None, max_age: int | None
) -> tuple[dt.date | None, dt.date | None]:
    """(earliest, latest) birth dates, inclusive, of people aged min_age..max_age on `today`."""
    latest = _years_before(today, min_age) if min_age is not None else None
    earliest = None
    if max_age is not None:
        earliest = _years_before(today, max_age + 1) + dt.timedelta(days=1)
    return earliest, latest


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def availability_mask(matrix: Sequence[Sequence[bool]]) -> int:
    """A 7×3 matrix of booleans (weekday rows, morning/afternoon/evening columns) → bitmask."""
    if len(matrix) != WEEKDAYS or any(len(row) != SLOTS for row in matrix):
        raise ValueError("availability must be 7 rows of 3 booleans")
    mask = 0
    for day, row in enumerate(matrix):
        for slot, free in enumerate(row):
            if free:
                mask |= 1 << (day * SLOTS + slot)
    return mask


def availability_matrix(mask: int) -> list[list[bool]]:
    return [[bool(mask >> (d * SLOTS + s) & 1) for s in range(SLOTS)] for d in range(WEEKDAYS)]


def slot_bits(slots: Iterable[tuple[int, int]]) -> int:
    """The bits of (weekday, slot) pairs: used to query "free on Saturday morning"."""
    return sum(1 << (d * SLOTS + s) for d, s in slots)
