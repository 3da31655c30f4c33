"""Resources fixtures: a depot in each community and a small catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resigrid.resources.choices import ItemCategory
from resigrid.resources.models import Depot, Item
from tests.factories import Tree


class Stock:
    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.depot1 = Depot.objects.create(
            name="东湖物资库", area=tree.community1, lon=120.05, lat=30.05
        )
        self.depot2 = Depot.objects.create(
            name="西湖物资库", area=tree.community2, lon=120.25, lat=30.05
        )
        self.water = Item.objects.create(
            code="W001",
            name="瓶装水",
            category=ItemCategory.WATER,
            uom="箱",
            tracks_expiry=True,
            default_min_level=Decimal("10"),
        )
        self.tent = Item.objects.create(
            code="S001", name="帐篷", category=ItemCategory.SHELTER, uom="顶"
        )


@pytest.fixture
def stock(tree: Tree) -> Stock:
    return Stock(tree)
