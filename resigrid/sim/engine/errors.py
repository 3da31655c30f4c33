"""Errors of the simulation engine.

The engine has no Django, so it cannot translate. An error carries a stable `code` and the
`params` that name what is wrong (buildings, shelters, items, grids); the platform layer turns
`code` into a translated message. `str(error)` is a plain English sentence for logs and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class EngineInputError(ValueError):
    """Bad input, found before any work starts."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: Mapping[str, Any] = params


def name_list(ids: list[str] | tuple[str, ...], limit: int = 10) -> str:
    """A short list of ids for a message ("a, b, c and 12 more")."""
    shown = ", ".join(ids[:limit])
    rest = len(ids) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
