"""Pure rules of the registers: category codes and time limits. No database.

A category code has one to three levels of two digits, separated by dots (`01`, `01.02`,
`01.02.03`), as in the GB/T 30428 city-management code lists; a category's parent is the
category whose code is its prefix, so the code alone tells where a node sits in the tree.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

CODE_RE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")
MAX_DEPTH = 3
# A time limit longer than a year is a typing error, not a rule (and keeps clear of int limits).
MAX_MINUTES = 366 * 24 * 60


def code_error(code: str) -> str | None:
    """Why `code` is not a category code, or None when it is one."""
    if not CODE_RE.match(code or ""):
        return _(
            "A category code is two digits, optionally followed by one or two more levels of "
            "two digits separated by dots (01, 01.02, 01.02.03)."
        )
    if any(part == "00" for part in code.split(".")):
        return _("No level of a category code may be 00.")
    return None


def parent_code(code: str) -> str | None:
    """The code of the parent category (`01.02` → `01`), None for a top-level code."""
    head, dot, _tail = code.rpartition(".")
    return head if dot else None


def ancestor_codes(code: str) -> list[str]:
    """The code and its prefixes, nearest first (`01.02.03` → `01.02.03`, `01.02`, `01`)."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def depth(code: str) -> int:
    """1 for a top-level code, 2 for `01.02`, 3 for `01.02.03`."""
    return code.count(".") + 1


def minutes_error(value: int) -> str | None:
    """Why `value` is not an acceptable number of minutes for a stage, or None."""
    if value < 1:
        return _("The time allowed must be at least one minute.")
    if value > MAX_MINUTES:
        return _("The time allowed must not exceed %(days)d days.") % {"days": MAX_MINUTES // 1440}
    return None


def hours(minutes: int) -> str:
    """Minutes as hours for display: `30` → `0.5`, `1440` → `24`, `90` → `1.5`."""
    value = round(minutes / 60, 2)
    return f"{value:g}"
