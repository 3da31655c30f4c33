"""Supply allocation: ship stock from depots to demand points at the least total transport cost.

One item is one transport problem, solved exactly as an integral min-cost flow (OR-Tools
`SimpleMinCostFlow`): sources (depots) with integer supply, sinks (grids, demand points) with
integer demand, and a sparse set of arcs with non-negative integer unit costs (metres, say).

Shortage is explicit, never an infeasible model: a dummy source can serve every sink at a
penalty per unit larger than any saving a rerouting could make (`default_penalty`), and a dummy
sink takes unused stock for free. So the optimum first ships as many units as the arcs and the
stock allow, then, among those plans, the cheapest; what the dummy source serves is the
per-sink shortage. Nothing is shipped beyond a depot's stock or a sink's demand.

Several items share no capacity (no vehicles are modelled), so `allocate_items` solves one flow
per item. It also filters lots by expiry — a lot is usable when it has no expiry date or expires
on or after the date it is needed by (usable through its expiry day) — and splits each depot's
shipments over its lots earliest-expiry-first, which is what the caller reserves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from resigrid.optim.errors import OptimInputError
from resigrid.optim.geo import check_lon_lat, chord_to_metres, unit_vectors

IntArray = npt.NDArray[np.int64]

#: Keep every cost the solver sees (times its node count, for cost scaling) below this.
_COST_LIMIT = 2**62


@dataclass(frozen=True)
class Arcs:
    """Allowed routes: ``source[i] → sink[i]`` at ``cost[i]`` per unit (non-negative integers)."""

    source: IntArray
    sink: IntArray
    cost: IntArray
    checked: bool = field(default=False, compare=False)

    def __len__(self) -> int:
        return int(self.source.size)


@dataclass(frozen=True)
class Allocation:
    """The plan for one item. Shipments are listed with a positive quantity only."""

    source: IntArray  # shipment i goes from source[i] ...
    sink: IntArray  # ... to sink[i] ...
    quantity: IntArray  # ... this many units
    cost: int  # transport cost of the shipments, Σ quantity × unit cost
    received: IntArray  # per sink
    shortage: IntArray  # per sink: demand not met
    shipped: IntArray  # per source: units sent
    leftover: IntArray  # per source: stock left
    penalty: int  # the per-unit penalty of the dummy source that was used

    @property
    def total_shortage(self) -> int:
        return int(self.shortage.sum())

    @property
    def total_shipped(self) -> int:
        return int(self.quantity.sum())


def _int_vector(values: npt.ArrayLike, what: str) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise OptimInputError("transport.shape", f"The {what} must be a flat list.", what=what)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        as_float = arr.astype(np.float64)
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise OptimInputError(
                "transport.not_integer", f"The {what} must be whole numbers.", what=what
            )
        arr = as_float
    out = arr.astype(np.int64)
    if out.size and out.min() < 0:
        first = int(np.flatnonzero(out < 0)[0])
        raise OptimInputError(
            "transport.negative",
            f"The {what} must not be negative (index {first} is {int(out[first])}).",
            what=what,
            index=first,
        )
    return out


def make_arcs(
    source: npt.ArrayLike, sink: npt.ArrayLike, cost: npt.ArrayLike, *, n_sources: int, n_sinks: int
) -> Arcs:
    """Checked arcs: equal lengths, indices in range, costs whole and not negative, no duplicate."""
    src = _int_vector(source, "arc sources")
    dst = _int_vector(sink, "arc sinks")
    cst = _int_vector(cost, "arc costs")
    if not src.size == dst.size == cst.size:
        raise OptimInputError(
            "transport.arc_shape",
            f"Arc sources, sinks and costs differ in length ({src.size}, {dst.size}, {cst.size}).",
        )
    if src.size and (src.max() >= n_sources or dst.max() >= n_sinks):
        raise OptimInputError(
            "transport.arc_index",
            f"An arc names a source ≥ {n_sources} or a sink ≥ {n_sinks}.",
            n_sources=n_sources,
            n_sinks=n_sinks,
        )
    key = src * max(n_sinks, 1) + dst
    uniq = np.unique(key)
    if uniq.size != key.size:
        raise OptimInputError(
            "transport.arc_duplicate", "The same source and sink are joined by two arcs."
        )
    return Arcs(source=src, sink=dst, cost=cst, checked=True)


def arcs_from_coordinates(
    source_lon: npt.ArrayLike,
    source_lat: npt.ArrayLike,
    sink_lon: npt.ArrayLike,
    sink_lat: npt.ArrayLike,
    *,
    max_km: float | None = None,
    chunk: int = 2_000_000,
) -> Arcs:
    """Arcs from every source to every sink within ``max_km`` (all when None), cost in metres.

    Great-circle distances rounded to the metre; built in chunks to bound memory.
    """
    sx, sy = check_lon_lat(source_lon, source_lat, "sources")
    tx, ty = check_lon_lat(sink_lon, sink_lat, "sinks")
    if max_km is not None and not (np.isfinite(max_km) and max_km >= 0):
        raise OptimInputError(
            "transport.max_km", "The maximum distance must be a number ≥ 0.", max_km=max_km
        )
    su, tu = unit_vectors(sx, sy), unit_vectors(tx, ty)
    rows = max(1, chunk // max(tx.size, 1))
    parts: list[tuple[IntArray, IntArray, IntArray]] = []
    for start in range(0, sx.size, rows):
        block = su[start : start + rows]
        chord = np.linalg.norm(block[:, None, :] - tu[None, :, :], axis=2)
        metres = np.rint(chord_to_metres(chord)).astype(np.int64)
        if max_km is None:
            grid = np.indices(metres.shape)
            i, j = grid[0].ravel(), grid[1].ravel()
        else:
            i, j = np.nonzero(metres <= max_km * 1000.0)
        parts.append(((i + start).astype(np.int64), j.astype(np.int64), metres[i, j]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Arcs(source=empty, sink=empty.copy(), cost=empty.copy(), checked=True)
    return Arcs(
        source=np.concatenate([p[0] for p in parts]),
        sink=np.concatenate([p[1] for p in parts]),
        cost=np.concatenate([p[2] for p in parts]),
        checked=True,
    )


def default_penalty(max_cost: int, n_sources: int, n_sinks: int) -> int:
    """A per-unit shortage penalty that makes "ship more" always win over "ship cheaper".

    Serving one more unit moves stock along an alternating path source → sink ← source → … →
    sink with at most min(sources, sinks) forward arcs, each costing at most ``max_cost``;
    backward arcs only save. A penalty above that bound makes every such path pay off.
    """
    return max(int(max_cost), 1) * max(min(n_sources, n_sinks), 1) + 1


def allocate(
    supply: npt.ArrayLike,
    demand: npt.ArrayLike,
    arcs: Arcs,
    *,
    shortage_penalty: int | None = None,
) -> Allocation:
    """Meet as much demand as the stock and arcs allow at the least total cost (exact)."""
    s = _int_vector(supply, "supplies")
    d = _int_vector(demand, "demands")
    n, m = s.size, d.size
    if not arcs.checked:
        arcs = make_arcs(arcs.source, arcs.sink, arcs.cost, n_sources=n, n_sinks=m)
    elif len(arcs) and (int(arcs.source.max()) >= n or int(arcs.sink.max()) >= m):
        raise OptimInputError(
            "transport.arc_index",
            f"An arc names a source ≥ {n} or a sink ≥ {m}.",
            n_sources=n,
            n_sinks=m,
        )
    max_cost = int(arcs.cost.max()) if len(arcs) else 0
    penalty = (
        default_penalty(max_cost, int(np.count_nonzero(s)), int(np.count_nonzero(d)))
        if shortage_penalty is None
        else int(shortage_penalty)
    )
    if penalty <= 0:
        raise OptimInputError("transport.penalty", "The shortage penalty must be positive.")
    total_s, total_d = int(s.sum()), int(d.sum())
    nodes = n + m + 2
    if (
        max(penalty, max_cost) * (nodes + 1) >= _COST_LIMIT
        or penalty * total_d + max_cost * total_s >= _COST_LIMIT
    ):
        raise OptimInputError(
            "transport.too_large", "The costs or quantities are too large to solve exactly."
        )
    dummy_src, dummy_sink = n + m, n + m + 1
    src_nodes = np.arange(n, dtype=np.int64)
    sink_nodes = np.arange(n, n + m, dtype=np.int64)
    tails = np.concatenate(
        [arcs.source, src_nodes, np.full(m, dummy_src, np.int64), [dummy_src]]
    ).astype(np.int32)
    heads = np.concatenate(
        [arcs.sink + n, np.full(n, dummy_sink, np.int64), sink_nodes, [dummy_sink]]
    ).astype(np.int32)
    caps = np.concatenate([np.minimum(s[arcs.source], d[arcs.sink]), s, d, [total_d]]).astype(
        np.int64
    )
    costs = np.concatenate(
        [arcs.cost, np.zeros(n, np.int64), np.full(m, penalty, np.int64), [0]]
    ).astype(np.int64)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate([s, -d, [total_d], [-total_s]]).astype(np.int64)
    smcf.set_nodes_supplies(np.arange(nodes, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # cannot happen for a balanced model with the dummies
        raise OptimInputError(
            "transport.solver", f"The flow solver stopped with status {status}.", status=str(status)
        )
    flows = np.asarray(smcf.flows(np.arange(len(arcs), dtype=np.int32)), dtype=np.int64)
    used = flows > 0
    q = flows[used]
    src, dst = arcs.source[used], arcs.sink[used]
    received = np.bincount(dst, weights=q, minlength=m).astype(np.int64)
    shipped = np.bincount(src, weights=q, minlength=n).astype(np.int64)
    return Allocation(
        source=src,
        sink=dst,
        quantity=q,
        cost=int(np.dot(q, arcs.cost[used])),
        received=received,
        shortage=d - received,
        shipped=shipped,
        leftover=s - shipped,
        penalty=penalty,
    )


# --- several items, lots with expiry -------------------------------------------------------


@dataclass(frozen=True)
class StockLot:
    """``quantity`` units of ``item`` at depot index ``depot``; ``expires_on`` None = no expiry."""

    depot: int
    item: str
    quantity: int
    expires_on: date | None = None


@dataclass(frozen=True)
class Need:
    """Sink index ``sink`` needs ``quantity`` units of ``item``."""

    sink: int
    item: str
    quantity: int


@dataclass(frozen=True)
class LotDraw:
    """Take ``quantity`` from ``lots[lot]`` for ``sink``: one stock movement to reserve."""

    lot: int
    sink: int
    quantity: int


@dataclass(frozen=True)
class ItemPlan:
    item: str
    allocation: Allocation
    draws: tuple[LotDraw, ...]


@dataclass(frozen=True)
class Plan:
    items: dict[str, ItemPlan]
    expired_lots: tuple[int, ...]  # indices of the lots left out because of their expiry

    @property
    def cost(self) -> int:
        return sum(p.allocation.cost for p in self.items.values())


def usable(lot: StockLot, needed_by: date | None) -> bool:
    """Usable through its expiry day: no expiry, or it expires on or after ``needed_by``."""
    return needed_by is None or lot.expires_on is None or lot.expires_on >= needed_by


def allocate_items(
    lots: Sequence[StockLot],
    needs: Sequence[Need],
    arcs: Arcs,
    *,
    n_depots: int,
    n_sinks: int,
    needed_by: date | None = None,
    shortage_penalty: int | None = None,
) -> Plan:
    """One exact flow per item over the same arcs; needs of one sink and item add up."""
    for i, lot in enumerate(lots):
        if not 0 <= lot.depot < n_depots or lot.quantity < 0:
            raise OptimInputError(
                "transport.lot",
                f"Lot {i} names depot {lot.depot} of {n_depots} or has a negative quantity.",
                index=i,
            )
    for i, need in enumerate(needs):
        if not 0 <= need.sink < n_sinks or need.quantity < 0:
            raise OptimInputError(
                "transport.need",
                f"Need {i} names sink {need.sink} of {n_sinks} or has a negative quantity.",
                index=i,
            )
    if not arcs.checked:
        arcs = make_arcs(arcs.source, arcs.sink, arcs.cost, n_sources=n_depots, n_sinks=n_sinks)
    expired = tuple(i for i, lot in enumerate(lots) if not usable(lot, needed_by))
    skip = set(expired)
    items = sorted({n.item for n in needs} | {lot.item for lot in lots})
    plans: dict[str, ItemPlan] = {}
    for item in items:
        supply = np.zeros(n_depots, np.int64)
        item_lots = [i for i, lot in enumerate(lots) if lot.item == item and i not in skip]
        for i in item_lots:
            supply[lots[i].depot] += lots[i].quantity
        demand = np.zeros(n_sinks, np.int64)
        for need in needs:
            if need.item == item:
                demand[need.sink] += need.quantity
        alloc = allocate(supply, demand, arcs, shortage_penalty=shortage_penalty)
        plans[item] = ItemPlan(item, alloc, _draw_lots(lots, item_lots, alloc))
    return Plan(items=plans, expired_lots=expired)


def _draw_lots(
    lots: Sequence[StockLot], item_lots: list[int], alloc: Allocation
) -> tuple[LotDraw, ...]:
    """Split each depot's shipments over its lots, earliest expiry first (no expiry last)."""
    queues: dict[int, list[list[int]]] = defaultdict(list)  # depot → [[lot, left], ...]
    for i in sorted(item_lots, key=lambda i: (lots[i].expires_on or date.max, i)):
        if lots[i].quantity:
            queues[lots[i].depot].append([i, lots[i].quantity])
    draws: list[LotDraw] = []
    for src, dst, qty in zip(
        alloc.source.tolist(), alloc.sink.tolist(), alloc.quantity.tolist(), strict=True
    ):
        queue = queues[src]
        while qty:
            lot, left = queue[0]
            take = min(left, qty)
            draws.append(LotDraw(lot=lot, sink=dst, quantity=take))
            qty -= take
            if take == left:
                queue.pop(0)
            else:
                queue[0][1] = left - take
    return tuple(draws)
