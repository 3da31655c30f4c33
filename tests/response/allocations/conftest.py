"""Allocation fixtures: two depots (one per community), a tent (no shelf life) and water (lots
with expiry dates), stocked through `record_movement`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.resources.choices import ItemCategory
from resigrid.resources.models import Depot, Item
from resigrid.resources.stock import record_movement
from tests.factories import Tree


class Supplies:
    def __init__(self, tree: Tree, actor: User) -> None:
        self.tree = tree
        self.actor = actor
        self.today = timezone.localdate()
        self.depot1 = Depot.objects.create(
            name="东湖物资库", area=tree.community1, lon=120.05, lat=30.05
        )
        self.depot2 = Depot.objects.create(
            name="西湖物资库", area=tree.community2, lon=120.25, lat=30.05
        )
        self.tent = Item.objects.create(
            code="S001", name="帐篷", category=ItemCategory.SHELTER, uom="顶"
        )
        self.water = Item.objects.create(
            code="W001",
            name="瓶装水",
            category=ItemCategory.WATER,
            uom="箱",
            tracks_expiry=True,
            default_min_level=Decimal("0"),
        )

    def stock_in(
        self,
        depot: Depot,
        item: Item,
        qty: int,
        batch: str | None = None,
        expiry: dt.date | None = None,
    ) -> None:
        record_movement(
            actor=self.actor,
            depot=depot,
            item=item,
            kind="in",
            quantity=qty,
            batch_number=batch,
            expiry=expiry,
        )


@pytest.fixture
def supplies(tree: Tree, street_admin: User) -> Supplies:
    return Supplies(tree, street_admin)
