"""Errors of the optimisation solvers.

The solvers have no Django, so they cannot translate. An error carries a stable `code` and the
`params` that name what is wrong; the platform layer turns `code` into a translated message.
`str(error)` is a plain English sentence for logs and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OptimInputError(ValueError):
    """Bad input, found before any work starts."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: Mapping[str, Any] = params
