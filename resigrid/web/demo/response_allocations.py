"""Demo data of the allocations app (issue 6).

The demo depots (orgs_resources) already hold every catalogue item, tracked items in two lots.
For the allocation walk-through during the demo flood incident this adds, in each community's
main depot, a top-up of the flood plan's water and food and one expired lot of water, so that
computing a plan shows the expired lot left out. No plan is made: the walk-through makes one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from resigrid.resources.choices import MovementKind
from resigrid.resources.models import Batch, Depot, DepotItem, Item, StockMovement

# (item code, batch suffix, days to expiry (negative: expired), quantity, reason)
LOTS: tuple[tuple[str, str, int, int, str], ...] = (
    ("W001", "EXP", -12, 40, "过期待处理(演示)"),
    ("W001", "TOP", 540, 200, "汛前补充储备"),
    ("F001", "TOP", 300, 80, "汛前补充储备"),
    ("F002", "TOP", 700, 60, "汛前补充储备"),
)


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's allocations rows; return counts for the seed summary."""
    today = timezone.localdate()
    items = {i.code: i for i in Item.objects.filter(code__in={lot[0] for lot in LOTS})}
    depots = Depot.objects.filter(area_id__in=community_ids).order_by("area__code", "pk")
    main: dict[int, Depot] = {}
    for d in depots:
        main.setdefault(d.area_id, d)
    batches: list[Batch] = []
    moves: list[StockMovement] = []
    with transaction.atomic():
        for depot in main.values():
            for code, suffix, days, qty, reason in LOTS:
                item = items.get(code)
                if item is None:
                    continue
                DepotItem.objects.get_or_create(
                    depot=depot, item=item, defaults={"min_level": item.default_min_level}
                )
                batch = Batch(
                    depot=depot,
                    item=item,
                    number=f"{code}-{suffix}-{seed}",
                    expiry=today + dt.timedelta(days=days),
                )
                batches.append(batch)
                moves.append(
                    StockMovement(
                        depot=depot,
                        item=item,
                        batch=batch,
                        kind=MovementKind.IN,
                        quantity=Decimal(qty),
                        reason=reason,
                    )
                )
        Batch.objects.bulk_create(batches)
        StockMovement.objects.bulk_create(moves)
    return {"allocation_lots": len(batches)}
