"""From needs and depot stock to proposed lines: reads the free lots, builds the depot → grid
distances and hands both to the exact transport solver (`resigrid.optim.transport`).

Nothing here writes: `services.compute_plan` stores what `propose` returns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from shapely.geometry import shape

from resigrid.areas.models import Area
from resigrid.core.errors import ValidationFailed
from resigrid.optim.transport import Need, StockLot, allocate_items, arcs_from_coordinates
from resigrid.resources.models import Depot
from resigrid.resources.reservations import Lot, free_lots


@dataclass(frozen=True)
class NeedIn:
    grid_id: int
    item_id: int
    quantity: int


@dataclass(frozen=True)
class LineSpec:
    depot_id: int
    batch_id: int | None
    grid_id: int
    item_id: int
    quantity: int
    distance_m: int


@dataclass(frozen=True)
class Proposal:
    lines: list[LineSpec]
    shortage: dict[tuple[int, int], int]  # (grid, item) → units not covered
    cost: int  # Σ quantity × distance (unit·metres)
    figures: dict[str, Any] = field(default_factory=dict)


def grid_point(grid: Area) -> tuple[float, float]:
    """Where supplies for a grid go: its centroid (stored, else from its boundary)."""
    if grid.centroid_lon is not None and grid.centroid_lat is not None:
        return grid.centroid_lon, grid.centroid_lat
    if grid.boundary:
        c = shape(grid.boundary).centroid
        return float(c.x), float(c.y)
    raise ValidationFailed(
        _("Grid %(grid)s has no location: draw its boundary first.") % {"grid": grid.name},
        field="grid",
    )


def propose(
    *, depots: Sequence[Depot], grids: Sequence[Area], needs: Sequence[NeedIn], needed_by: date
) -> Proposal:
    """The least total distance within the free stock; expired lots (expiry before
    `needed_by`) left out; what cannot be covered reported per grid and item."""
    started = time.perf_counter()
    if not depots:
        raise ValidationFailed(
            _("No depot in your area holds stock to allocate from."), field="depots"
        )
    depot_index = {d.pk: i for i, d in enumerate(depots)}
    grid_index = {g.pk: j for j, g in enumerate(grids)}
    item_ids = sorted({n.item_id for n in needs})
    lots: list[Lot] = [
        lot
        for lot in free_lots(depot_index, item_ids)
        if int(lot.free.to_integral_value(rounding=ROUND_FLOOR)) > 0
    ]
    points = [grid_point(g) for g in grids]
    arcs = arcs_from_coordinates(
        [d.lon for d in depots],
        [d.lat for d in depots],
        [p[0] for p in points],
        [p[1] for p in points],
    )
    distance = arcs.cost.reshape(len(depots), len(grids))
    stock_lots = [
        StockLot(
            depot=depot_index[lot.depot_id],
            item=str(lot.item_id),
            quantity=int(lot.free.to_integral_value(rounding=ROUND_FLOOR)),
            expires_on=lot.expiry,
        )
        for lot in lots
    ]
    solver_needs = [
        Need(sink=grid_index[n.grid_id], item=str(n.item_id), quantity=n.quantity)
        for n in needs
        if n.quantity > 0
    ]
    solved = time.perf_counter()
    plan = allocate_items(
        stock_lots,
        solver_needs,
        arcs,
        n_depots=len(depots),
        n_sinks=len(grids),
        needed_by=needed_by,
    )
    solve_ms = (time.perf_counter() - solved) * 1000
    lines: list[LineSpec] = []
    shortage: dict[tuple[int, int], int] = {}
    for item_key, item_plan in plan.items.items():
        item_id = int(item_key)
        for draw in item_plan.draws:
            lot = lots[draw.lot]
            j = draw.sink
            lines.append(
                LineSpec(
                    depot_id=lot.depot_id,
                    batch_id=lot.batch_id,
                    grid_id=grids[j].pk,
                    item_id=item_id,
                    quantity=draw.quantity,
                    distance_m=int(distance[depot_index[lot.depot_id], j]),
                )
            )
        for j in np.flatnonzero(item_plan.allocation.shortage).tolist():
            shortage[(grids[j].pk, item_id)] = int(item_plan.allocation.shortage[j])
    expired = [
        {
            "depot_id": lots[i].depot_id,
            "item_id": lots[i].item_id,
            "batch": lots[i].batch_number,
            "expiry": str(lots[i].expiry or ""),
            "quantity": stock_lots[i].quantity,
        }
        for i in plan.expired_lots
    ]
    figures = {
        "depots": len(depots),
        "grids": len(grids),
        "items": len(item_ids),
        "lots": len(lots),
        "arcs": len(arcs),
        "expired_lots": expired,
        "solve_ms": round(solve_ms, 1),
        "total_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return Proposal(lines=lines, shortage=shortage, cost=plan.cost, figures=figures)
