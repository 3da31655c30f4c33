"""Unified 15-digit area codes: 6-digit GB/T 2260 division + 3 street + 3 community + 3 grid.

A district is `110105000000000`, its street `110105001000000`, a community `110105001002000`, a
grid `110105001002003`. The significant prefix of a code is its subtree key: every area below a
street has a code starting with the street's first nine digits. Pure rules, no database.
"""

import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Level(models.TextChoices):
    DISTRICT = "district", gettext_lazy("District")
    STREET = "street", gettext_lazy("Street")
    COMMUNITY = "community", gettext_lazy("Community")
    GRID = "grid", gettext_lazy("Grid")


CODE_LENGTH = 15
PREFIX_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15}
PARENT_LEVEL: dict[Level, Level | None] = {
    Level.DISTRICT: None,
    Level.STREET: Level.DISTRICT,
    Level.COMMUNITY: Level.STREET,
    Level.GRID: Level.COMMUNITY,
}
LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
_DIGITS = re.compile(r"^\d+$")


def code_errors(code: str, level: Level) -> list[str]:
    """Why `code` is not a valid code for an area of `level` (empty list when it is)."""
    if not _DIGITS.match(code or ""):
        return [_("The code must contain digits only.")]
    if len(code) != CODE_LENGTH:
        return [
            _("The code must have %(expected)d digits; %(got)d given.")
            % {"expected": CODE_LENGTH, "got": len(code)}
        ]
    significant = PREFIX_LENGTH[level]
    if code[significant:].strip("0"):
        return [
            _("A %(level)s code has only its first %(n)d digits set; the rest must be zeros.")
            % {"level": level.label, "n": significant}
        ]
    if code[:6].endswith("00") and level == Level.DISTRICT:
        return [_("The first six digits must be a county-level division code (GB/T 2260).")]
    if level != Level.DISTRICT and code[significant - 3 : significant] == "000":
        return [_("The last three significant digits must not be 000.")]
    return []


def prefix(code: str, level: Level) -> str:
    return code[: PREFIX_LENGTH[level]]


def ancestor_codes(code: str) -> list[str]:
    """The full codes of the areas above `code`, district first (a grid's district, street and
    community; none for a district). Child numbers never end a level in zeros, so the prefixes of
    the upper levels padded with zeros are exactly the ancestors."""
    own = code.ljust(CODE_LENGTH, "0")
    return sorted(
        {own[:n].ljust(CODE_LENGTH, "0") for n in PREFIX_LENGTH.values() if n < CODE_LENGTH} - {own}
    )


def parent_code(code: str, level: Level) -> str | None:
    parent = PARENT_LEVEL[level]
    if parent is None:
        return None
    return prefix(code, parent).ljust(CODE_LENGTH, "0")


def child_code(parent_code_: str, parent_level: Level, number: int) -> str:
    """The code of the `number`-th child (1–999) of an area."""
    if not 1 <= number <= 999:
        raise ValueError(_("A child number must be between 1 and 999."))
    return (prefix(parent_code_, parent_level) + f"{number:03d}").ljust(CODE_LENGTH, "0")
