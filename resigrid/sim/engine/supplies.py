"""Supplies through a lockdown of D days: days of cover per grid and item, and pre-positioning.

Per item and grid, with every quantity in the item's own unit:

- daily demand d = households × per_household + residents × per_resident
  + Σ over needs (people with that need × per_need), e.g. medicines for chronic patients, oxygen;
- on hand L = stock already at the grid + one-off commitments of units to the grid;
- daily inflow = daily commitments to the grid + a share of the central daily inflow
  (replenishment and daily commitments to the depot), shared in proportion to demand;
- net daily draw e = d − inflow. Days of cover = (L + allocation) / e, infinite when e ≤ 0; the
  item runs out on day ⌊cover⌋ + 1 when that is within the lockdown.

The central depot's stock (and one-off commitments to it) is allocated two ways:
``proportional`` to demand (the usual rule, the baseline), and ``prepositioned``: the allocation
that maximises the smallest days of cover over the grids (a linear program: maximise t subject
to L_g + x_g ≥ t·e_g, Σ x_g ≤ stock, x ≥ 0, t ≤ D), each grid then given just what it needs to
reach that cover; what nobody needs within the lockdown stays at the depot as a reserve.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog  # type: ignore[import-untyped]  # no scipy-stubs in the lock

from resigrid.sim.engine.compare import RiskPoint, sort_risk_points
from resigrid.sim.engine.errors import EngineInputError, name_list

FloatArray = npt.NDArray[np.float64]
MAX_DAYS = 3650


@dataclass(frozen=True)
class GridDemand:
    grid: str
    households: int
    residents: int = 0
    needs: Mapping[str, int] = field(default_factory=dict)  # need kind → people with it


@dataclass(frozen=True)
class Item:
    name: str
    unit: str = ""
    per_household: float = 0.0  # per day
    per_resident: float = 0.0
    per_need: Mapping[str, float] = field(default_factory=dict)  # need kind → per person per day


@dataclass(frozen=True)
class Stock:
    item: str
    quantity: float
    grid: str | None = None  # None: at the central depot, to be allocated


@dataclass(frozen=True)
class Commitment:
    """What a unit (a supermarket, a pharmacy, a company) has pledged."""

    unit: str
    item: str
    quantity: float
    daily: bool = False  # a delivery every day rather than once
    grid: str | None = None  # None: to the central depot


@dataclass(frozen=True)
class Cover:
    grid: str
    item: str
    daily_demand: float
    daily_inflow: float
    on_hand: float  # at the grid before allocation (stock and one-off commitments)
    allocated: float  # from the central depot
    days_of_cover: float  # math.inf when the inflow meets the demand
    runs_out_day: int | None  # 1-based day of the lockdown; None when it lasts


@dataclass(frozen=True)
class ItemPlan:
    item: str
    unit: str
    central_stock: float
    reserve: float  # left at the depot
    min_cover_days: float  # the smallest cover over the grids, capped at the lockdown length
    covers: tuple[Cover, ...]


@dataclass(frozen=True)
class SupplyReport:
    days: int
    proportional: tuple[ItemPlan, ...]
    prepositioned: tuple[ItemPlan, ...]
    risk_points: tuple[RiskPoint, ...]
    explanation: str


def _number(value: float, what: str) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise EngineInputError(
            "supplies.negative", f"{what} must be a finite number, not negative.", what=what
        )
    return float(value)


def _validate(
    grids: Sequence[GridDemand],
    items: Sequence[Item],
    stock: Sequence[Stock],
    commitments: Sequence[Commitment],
    replenishment: Mapping[str, float],
    days: int,
) -> None:
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise EngineInputError(
            "supplies.days", f"The lockdown must last 1 to {MAX_DAYS} days.", days=str(days)
        )
    if not grids:
        raise EngineInputError("supplies.no_grids", "There are no grids to supply.")
    if not items:
        raise EngineInputError("supplies.no_items", "There are no items to supply.")
    for label, names in (("grid", [g.grid for g in grids]), ("item", [i.name for i in items])):
        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        if dup:
            raise EngineInputError(
                "supplies.duplicate",
                f"Duplicate {label}: {name_list(dup)}.",
                kind=label,
                ids=name_list(dup),
            )
    for g in grids:
        _number(g.households, f"Households of grid {g.grid}")
        _number(g.residents, f"Residents of grid {g.grid}")
        for kind, n in g.needs.items():
            _number(n, f"People needing {kind} in grid {g.grid}")
    for it in items:
        _number(it.per_household, f"Daily need per household of {it.name}")
        _number(it.per_resident, f"Daily need per resident of {it.name}")
        for kind, rate in it.per_need.items():
            _number(rate, f"Daily {it.name} per person needing {kind}")
    known_items = {i.name for i in items}
    known_grids = {g.grid for g in grids}
    rows: list[tuple[str, str | None, float, str]] = [
        (s.item, s.grid, s.quantity, f"Stock of {s.item}") for s in stock
    ]
    rows += [
        (c.item, c.grid, c.quantity, f"Commitment of {c.unit} for {c.item}") for c in commitments
    ]
    rows += [(item, None, q, f"Replenishment of {item}") for item, q in replenishment.items()]
    for item, grid, quantity, what in rows:
        if item not in known_items:
            raise EngineInputError(
                "supplies.unknown_item", f"{what}: unknown item {item}.", item=item
            )
        if grid is not None and grid not in known_grids:
            raise EngineInputError(
                "supplies.unknown_grid", f"{what}: unknown grid {grid}.", grid=grid
            )
        _number(quantity, what)


def _max_min(on_hand: FloatArray, draw: FloatArray, central: float, days: int) -> FloatArray:
    """The allocation of ``central`` that maximises min over grids of (on_hand + x) / draw."""
    short = np.flatnonzero(draw > 0)
    x = np.zeros(draw.size)
    if short.size == 0:
        return x
    k = short.size
    # variables: x for the grids that draw down, then t; maximise t
    c = np.zeros(k + 1)
    c[-1] = -1.0
    a_ub = np.zeros((k + 1, k + 1))
    a_ub[np.arange(k), np.arange(k)] = -1.0  # t·e − x ≤ L
    a_ub[np.arange(k), -1] = draw[short]
    a_ub[k, :k] = 1.0  # Σ x ≤ central
    b_ub = np.concatenate((on_hand[short], [central]))
    bounds = [(0.0, None)] * k + [(0.0, float(days))]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:  # pragma: no cover - always feasible (x = 0, t = 0)
        raise RuntimeError(f"HiGHS stopped: {res.message}")
    t = float(res.x[-1])
    # just what each grid needs to reach t; any rounding excess is taken back pro rata
    need = np.maximum(t * draw[short] - on_hand[short], 0.0)
    total = float(need.sum())
    if total > central:
        need *= central / total
    x[short] = need
    return x


def _plan(
    item: Item,
    grids: Sequence[GridDemand],
    demand: FloatArray,
    inflow: FloatArray,
    on_hand: FloatArray,
    central: float,
    alloc: FloatArray,
    days: int,
) -> ItemPlan:
    covers = []
    draw = demand - inflow
    for g, grid in enumerate(grids):
        if draw[g] <= 0:
            cover, day = math.inf, None
        else:
            cover = float((on_hand[g] + alloc[g]) / draw[g])
            day = math.floor(cover + 1e-9) + 1 if cover < days else None
            day = None if day is not None and day > days else day
        covers.append(
            Cover(
                grid=grid.grid,
                item=item.name,
                daily_demand=float(demand[g]),
                daily_inflow=float(inflow[g]),
                on_hand=float(on_hand[g]),
                allocated=float(alloc[g]),
                days_of_cover=cover,
                runs_out_day=day,
            )
        )
    return ItemPlan(
        item=item.name,
        unit=item.unit,
        central_stock=central,
        reserve=max(central - float(alloc.sum()), 0.0),
        min_cover_days=min(min(c.days_of_cover for c in covers), float(days)),
        covers=tuple(covers),
    )


def assess_supplies(
    grids: Sequence[GridDemand],
    items: Sequence[Item],
    stock: Sequence[Stock],
    *,
    days: int,
    commitments: Sequence[Commitment] = (),
    replenishment: Mapping[str, float] | None = None,
) -> SupplyReport:
    replenishment = replenishment or {}
    _validate(grids, items, stock, commitments, replenishment, days)
    index = {g.grid: n for n, g in enumerate(grids)}
    households = np.array([g.households for g in grids], dtype=np.float64)
    residents = np.array([g.residents for g in grids], dtype=np.float64)
    proportional: list[ItemPlan] = []
    best: list[ItemPlan] = []
    risks: list[RiskPoint] = []
    for item in items:
        demand = households * item.per_household + residents * item.per_resident
        for kind, rate in item.per_need.items():
            demand += rate * np.array([g.needs.get(kind, 0) for g in grids], dtype=np.float64)
        on_hand = np.zeros(len(grids))
        inflow = np.zeros(len(grids))
        central = 0.0
        central_daily = float(replenishment.get(item.name, 0.0))
        for s in (s for s in stock if s.item == item.name):
            if s.grid is None:
                central += s.quantity
            else:
                on_hand[index[s.grid]] += s.quantity
        for c in (c for c in commitments if c.item == item.name):
            if c.grid is None:
                if c.daily:
                    central_daily += c.quantity
                else:
                    central += c.quantity
            elif c.daily:
                inflow[index[c.grid]] += c.quantity
            else:
                on_hand[index[c.grid]] += c.quantity
        total = float(demand.sum())
        share = demand / total if total > 0 else np.zeros(len(grids))
        inflow = inflow + central_daily * share
        proportional.append(
            _plan(item, grids, demand, inflow, on_hand, central, central * share, days)
        )
        alloc = _max_min(on_hand, demand - inflow, central, days)
        plan = _plan(item, grids, demand, inflow, on_hand, central, alloc, days)
        best.append(plan)
        for cov in plan.covers:
            if cov.runs_out_day is None:
                continue
            missing = (days - cov.days_of_cover) * (cov.daily_demand - cov.daily_inflow)
            risks.append(
                RiskPoint(
                    "item",
                    f"{cov.grid}:{item.name}",
                    (days - cov.days_of_cover) / days,
                    f"Grid {cov.grid} runs out of {item.name} on day {cov.runs_out_day} of {days} "
                    f"({cov.days_of_cover:.1f} days of cover even with the best pre-positioning; "
                    f"{missing:.0f} {item.unit or 'units'} short).",
                    code="supplies.runs_out",
                    params={"day": cov.runs_out_day, "days": days, "short": round(missing, 3)},
                )
            )
    per_item = "; ".join(
        f"{b.item} {b.min_cover_days:.1f} days (proportional {p.min_cover_days:.1f})"
        for b, p in zip(best, proportional, strict=True)
    )
    explanation = (
        f"Over a {days}-day lockdown, pre-positioning the depot's stock to maximise the smallest "
        f"cover gives every grid at least: {per_item}. Cover is capped at the lockdown length."
    )
    return SupplyReport(
        days=days,
        proportional=tuple(proportional),
        prepositioned=tuple(best),
        risk_points=tuple(sort_risk_points(risks)),
        explanation=explanation,
    )
