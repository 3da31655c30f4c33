"""Which duty rule applies: pure, no database.

A duty set on an area covers the areas below it, and a duty set on a category covers its
subcategories. The nearest area wins first (a community's own rule beats the street's), then
the nearest category.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(
    rules: Sequence[tuple[int, int, T]], category_chain: Sequence[int], area_chain: Sequence[int]
) -> T | None:
    """`rules` are (category id, area id, rule); the chains go from the case's own category and
    area up to the roots. Returns the most specific rule, or None."""
    by_key = {(c, a): rule for c, a, rule in rules}
    for area_id in area_chain:
        for category_id in category_chain:
            found = by_key.get((category_id, area_id))
            if found is not None:
                return found
    return None
