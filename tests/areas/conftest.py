"""Areas fixtures: the locator's process cache starts empty in every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resigrid.areas.locator import invalidate_grid_index


@pytest.fixture(autouse=True)
def _fresh_grid_index() -> Iterator[None]:
    # Test transactions roll back, so ids and timestamps can repeat between tests.
    invalidate_grid_index()
    yield
    invalidate_grid_index()
