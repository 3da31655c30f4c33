"""From a snapshot and a scenario's parameters to the stored results (plain JSON), per kind.

No database access: `runner` reads and writes the rows. Every sentence shown to people is
translated here (risk-point reasons from their engine codes, the best-strategy sentence).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from shapely.geometry import shape

from resigrid.sim.engine import roads
from resigrid.sim.engine.compare import Band, Objective, RiskPoint, compare
from resigrid.sim.engine.ensemble import run_ensemble
from resigrid.sim.engine.evacuation import Building, EvacuationSettings, Shelter, plan_evacuation
from resigrid.sim.engine.population import NEED_MEDICINE, NEED_MOBILITY, NEED_OXYGEN
from resigrid.sim.engine.supplies import GridDemand, Item, Stock, assess_supplies
from resigrid.sim.schemas import EpidemicIn, EvacuationIn, StrategyIn, SuppliesIn
from resigrid.sim.snapshot import Snapshot

Progress = Callable[[int, str], None]  # percent, message
SERIES = ("I", "H", "D")
OUTCOMES = ("infections", "deaths", "peak_hospital", "person_days_locked", "hospital_overflow_days")
MAX_GRID_RISKS = 10


def _r(value: float, digits: int = 1) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def _band(band: Band) -> dict[str, float | None]:
    return {
        k: _r(getattr(band, k), 2) for k in ("mean", "ci_low", "ci_high", "median", "q05", "q95")
    }


def _grid_rows(snap: Snapshot) -> dict[int, dict[str, Any]]:
    return {
        int(g): {"id": int(g), "name": str(n), "lon": _r(lo, 6), "lat": _r(la, 6)}
        for g, n, lo, la in zip(
            snap.grid_id, snap.grid_name, snap.grid_lon, snap.grid_lat, strict=True
        )
    }


def epidemic(
    snap: Snapshot,
    params: Mapping[str, Any],
    strategies: list[dict[str, Any]],
    *,
    replicates: int,
    seed: int,
    progress: Progress,
) -> dict[str, Any]:
    chosen = EpidemicIn.model_validate(params)
    plans = [StrategyIn.model_validate(s).to_engine() for s in strategies]
    population = snap.population()
    progress(5, _("Population of %(n)s residents built.") % {"n": population.size})

    def step(done: int, total: int) -> None:
        progress(
            5 + int(85 * done / total),
            _("Run %(done)s of %(total)s") % {"done": done, "total": total},
        )

    ensemble = run_ensemble(
        population,
        plans,
        params=chosen.to_engine(),
        replicates=replicates,
        seed=seed,
        processes=1,
        progress=step,
    )
    weight = chosen.death_weight
    objective = Objective("weighted", weights={"deaths": weight, "person_days_locked": 1.0})
    series = {
        name: {k: v for k, v in rows.items() if k in SERIES}
        for name, rows in ensemble.series().items()
    }
    result = compare(
        ensemble.outcomes(),
        objective,
        series=series,
        pareto_objectives=("deaths", "person_days_locked"),
    )
    progress(95, _("Comparing the strategies."))
    rows: list[dict[str, Any]] = []
    for name in (p.name for p in plans):
        summary = result.summaries[name]
        rows.append(
            {
                "name": name,
                "rank": result.ranking.index(name) + 1,
                "score": _r(result.scores[name], 1),
                "on_front": name in result.pareto_front,
                "win_share": _r((result.win_share or {}).get(name, 0.0), 3),
                "outcomes": {k: _band(summary.outcomes[k]) for k in OUTCOMES},
                "series": {
                    k: {
                        b: [round(float(x), 1) for x in getattr(band, b)]
                        for b in ("median", "q05", "q95")
                    }
                    for k, band in summary.series.items()
                },
            }
        )
    best = result.best
    best_out = result.summaries[best].outcomes
    grid_info = _grid_rows(snap)
    keys = [int(k) for k in ensemble.grid_keys]
    pop = [int(p) for p in ensemble.grid_population]
    per_grid: dict[str, dict[str, list[float | None]]] = {}
    for name in (p.name for p in plans):
        means = ensemble.grid_means(name)
        per_grid[name] = {
            "attack_rate": [
                _r(100 * i / max(n, 1), 1) for i, n in zip(means["infected"], pop, strict=True)
            ],
            "infected": [_r(v) for v in means["infected"]],
            "deaths": [_r(v, 2) for v in means["deaths"]],
            "locked_days": [_r(v) for v in means["locked_days"]],
        }
    grids = [
        {**grid_info.get(k, {"id": k, "name": str(k), "lon": None, "lat": None}), "population": n}
        for k, n in zip(keys, pop, strict=True)
    ]
    overall = 100 * best_out["infections"].mean / max(population.size, 1)
    risks = []
    rates = per_grid[best]["attack_rate"]
    order = sorted(range(len(keys)), key=lambda i: (-(rates[i] or 0), keys[i]))
    for i in order[:MAX_GRID_RISKS]:
        rate = rates[i] or 0.0
        if rate <= 0 or (len(keys) > 1 and rate < overall):
            continue
        g = grids[i]
        risks.append(
            {
                "kind": "grid",
                "id": str(g["id"]),
                "name": g["name"],
                "lon": g["lon"],
                "lat": g["lat"],
                "grid_id": g["id"],
                "score": round(rate / 100, 4),
                "code": "epidemic.grid",
                "reason": _(
                    "Under %(strategy)s about %(rate)s%% of the %(n)s residents of %(grid)s are "
                    "infected (the area's average is %(avg)s%%), with %(deaths)s deaths expected."
                )
                % {
                    "strategy": best,
                    "rate": f"{rate:.1f}",
                    "n": g["population"],
                    "grid": g["name"],
                    "avg": f"{overall:.1f}",
                    "deaths": per_grid[best]["deaths"][i],
                },
            }
        )
    best_text = _(
        "Best strategy: %(name)s. About %(deaths)s deaths (90%% range %(q05)s–%(q95)s) and "
        "%(locked)s person-days under lockdown; it has the smallest deaths × %(weight)s + "
        "person-days locked down, and scores lowest in %(wins)s of the paired replicates."
    ) % {
        "name": best,
        "deaths": f"{best_out['deaths'].mean:.1f}",
        "q05": f"{best_out['deaths'].q05:.0f}",
        "q95": f"{best_out['deaths'].q95:.0f}",
        "locked": f"{best_out['person_days_locked'].mean:,.0f}",
        "weight": f"{weight:g}",
        "wins": f"{(result.win_share or {}).get(best, 0.0):.0%}",
    }
    return {
        "kind": "epidemic",
        "days": ensemble.days,
        "population": ensemble.population,
        "hospital_capacity": ensemble.hospital_capacity,
        "replicates": ensemble.replicates,
        "seed": ensemble.seed,
        "strategies": rows,
        "pareto": {
            "x": "deaths",
            "y": "person_days_locked",
            "front": list(result.pareto_front),
            "points": [
                {
                    "name": r["name"],
                    "x": r["outcomes"]["deaths"]["mean"],
                    "y": r["outcomes"]["person_days_locked"]["mean"],
                }
                for r in rows
            ],
        },
        "best": best,
        "best_text": best_text,
        "explanation": result.explanation,
        "grids": grids,
        "per_grid": per_grid,
        "risk_points": risks,
    }


def _reason(
    point: RiskPoint, names: Mapping[str, str], item_names: Mapping[str, str] | None = None
) -> str:
    label = names.get(point.id, point.id)
    p = dict(point.params)
    if point.code == "evacuation.far":
        return _("Residents of %(b)s walk %(d)s m to a shelter, beyond the %(limit)s m limit.") % {
            "b": label,
            "d": p.get("distance_m"),
            "limit": f"{float(p.get('limit_m', 0)):.0f}",
        }
    if point.code == "evacuation.off_road":
        return _("%(b)s is %(d)s m from the nearest road.") % {"b": label, "d": p.get("distance_m")}
    if point.code == "evacuation.disconnected":
        return _("No road leads from %(b)s to any shelter.") % {"b": label}
    if point.code == "evacuation.shelter_in_hazard":
        return _("Shelter %(s)s lies inside the hazard area and is not used.") % {"s": label}
    if point.code == "evacuation.shelter_full":
        return _("Shelter %(s)s is full to %(load)s of %(cap)s places.") % {
            "s": label,
            "load": p.get("load"),
            "cap": p.get("capacity"),
        }
    if point.code == "supplies.runs_out":
        grid, _sep, item = point.id.partition(":")
        return _("%(grid)s runs out of %(item)s on day %(day)s of %(days)s (%(short)s short).") % {
            "grid": names.get(grid, grid),
            "item": (item_names or {}).get(item, item),
            "day": p.get("day"),
            "days": p.get("days"),
            "short": p.get("short"),
        }
    return point.reason


def _point(
    point: RiskPoint,
    names: Mapping[str, str],
    where: Mapping[str, tuple[Any, Any, Any]],
    *,
    item_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    key = point.id.partition(":")[0] if point.kind == "item" else point.id
    lon, lat, grid = where.get(key, (None, None, None))
    return {
        "kind": point.kind,
        "id": point.id,
        "name": names.get(key, key),
        "score": _r(point.score, 4),
        "code": point.code,
        "reason": _reason(point, names, item_names),
        "lon": lon,
        "lat": lat,
        "grid_id": grid,
    }


def _roads(data: bytes | None) -> roads.RoadGraph | None:
    if not data:
        return None
    return roads.parse_osm_xml(data) if data.lstrip()[:1] == b"<" else roads.parse_geojson(data)


def evacuation(
    snap: Snapshot, params: Mapping[str, Any], *, road_data: bytes | None, progress: Progress
) -> dict[str, Any]:
    chosen = EvacuationIn.model_validate(params)
    residents = {int(b): 0 for b in snap.bld_id}
    assisted: dict[int, dict[str, int]] = {int(b): {} for b in snap.bld_id}
    for b, need in zip(snap.building.tolist(), snap.need.tolist(), strict=True):
        residents[b] += 1
        kind = {NEED_MOBILITY: "mobility", NEED_OXYGEN: "oxygen"}.get(need)
        if kind:
            assisted[b][kind] = assisted[b].get(kind, 0) + 1
    buildings = [
        Building(str(b), float(lo), float(la), residents[int(b)], str(int(g)), assisted[int(b)])
        for b, lo, la, g in zip(snap.bld_id, snap.bld_lon, snap.bld_lat, snap.bld_grid, strict=True)
        if math.isfinite(lo) and math.isfinite(la)
    ]
    shelters = [
        Shelter(f"s{int(s)}", float(lo), float(la), int(c))
        for s, lo, la, c in zip(
            snap.shelter_id, snap.shelter_lon, snap.shelter_lat, snap.shelter_capacity, strict=True
        )
    ]
    graph = _roads(road_data)
    progress(20, _("Planning the routes."))
    settings = EvacuationSettings(
        walking_speed_mps=chosen.walking_speed_mps,
        max_distance_m=chosen.max_distance_m,
        load_warning=chosen.load_warning,
        default_helpers=chosen.helpers_per_assisted,
        suggest=chosen.suggest,
    )
    hazard = shape(chosen.hazard) if chosen.hazard else None
    plan = plan_evacuation(buildings, shelters, hazard=hazard, roads=graph, settings=settings)
    progress(90, _("Writing the results."))
    names = {str(int(b)): str(n) for b, n in zip(snap.bld_id, snap.bld_name, strict=True)}
    names |= {f"s{int(s)}": str(n) for s, n in zip(snap.shelter_id, snap.shelter_name, strict=True)}
    names |= {str(k): v for k, v in snap.grid_names().items()}
    where: dict[str, tuple[float, float, int | None]] = {
        b.id: (b.lon, b.lat, int(b.grid)) for b in buildings
    }
    where |= {s.id: (s.lon, s.lat, None) for s in shelters}
    suggestion = None
    if plan.suggestion is not None:
        s = plan.suggestion
        suggestion = {
            "site": s.site,
            "name": names.get(s.site, s.site),
            "lon": s.lon,
            "lat": s.lat,
            "capacity": s.capacity,
            "saving_m": _r(s.saving_m or s.saving_bound_m, 0),
            "text": _(
                "An added shelter of %(cap)s places at %(site)s would save about %(km)s "
                "person-kilometres of walking."
            )
            % {
                "cap": s.capacity,
                "site": names.get(s.site, s.site),
                "km": f"{(s.saving_m or s.saving_bound_m) / 1000:,.1f}",
            },
        }
    return {
        "kind": "evacuation",
        "summary": {
            "evacuees": plan.evacuees,
            "assisted": plan.assisted,
            "helpers_required": _r(plan.helpers_required),
            "total_person_km": _r(plan.total_person_m / 1000),
            "clear_time_min": _r(plan.clear_time_s / 60),
            "synthetic_roads": plan.synthetic_roads,
            "disconnected": len(plan.disconnected),
        },
        "shelters": [
            {
                "id": s.id,
                "name": names.get(s.id, s.id),
                "capacity": s.capacity,
                "load": s.load,
                "utilisation": _r(100 * s.utilisation),
                "in_hazard": s.in_hazard,
                "lon": where[s.id][0],
                "lat": where[s.id][1],
            }
            for s in plan.shelters
        ],
        "buildings": [
            {
                "id": b.id,
                "name": names.get(b.id, b.id),
                "grid_id": int(b.grid),
                "evacuees": b.evacuees,
                "assisted": b.assisted,
                "mean_distance_m": _r(b.mean_distance_m, 0),
                "max_distance_m": _r(b.max_distance_m, 0),
                "clear_time_min": _r(b.clear_time_s / 60),
                "lon": where[b.id][0],
                "lat": where[b.id][1],
            }
            for b in plan.buildings
        ],
        "suggestion": suggestion,
        "risk_points": [_point(p, names, where) for p in plan.risk_points],
    }


def supplies(snap: Snapshot, params: Mapping[str, Any], *, progress: Progress) -> dict[str, Any]:
    chosen = SuppliesIn.model_validate(params)
    names = {str(k): v for k, v in snap.grid_names().items()}
    grid_keys = sorted({int(g) for g in snap.grid.tolist()})
    demands = []
    for g in grid_keys:
        mask = snap.grid == g
        demands.append(
            GridDemand(
                grid=str(g),
                households=int(np.unique(snap.household[mask]).size),
                residents=int(mask.sum()),
                needs={
                    "medicines": int((snap.need[mask] == NEED_MEDICINE).sum()),
                    "oxygen": int((snap.need[mask] == NEED_OXYGEN).sum()),
                },
            )
        )
    items, stock, units = [], [], {}
    item_names: dict[str, str] = {}
    known = set(grid_keys)
    for it in chosen.items:
        match = (snap.stock_code == it.item) | (snap.stock_name == it.item)
        unit = it.unit or (str(snap.stock_unit[match][0]) if match.any() else "")
        units[it.item] = unit
        # Readers know the item by its name (方便面), not its code (F001).
        item_names[it.item] = str(snap.stock_name[match][0]) if match.any() else it.item
        items.append(
            Item(
                it.item,
                unit,
                it.per_household,
                it.per_resident,
                {"medicines": it.per_medicine, "oxygen": it.per_oxygen},
            )
        )
        for qty, g in zip(snap.stock_qty[match], snap.stock_grid[match], strict=True):
            stock.append(Stock(it.item, float(qty), str(int(g)) if int(g) in known else None))
    progress(30, _("Assessing the stock."))
    report = assess_supplies(
        demands,
        items,
        stock,
        days=chosen.days,
        replenishment={i.item: i.replenishment for i in chosen.items},
    )
    grids = _grid_rows(snap)
    where = {str(k): (v["lon"], v["lat"], k) for k, v in grids.items()}

    def plan_rows(plans: Any) -> list[dict[str, Any]]:
        return [
            {
                "item": p.item,
                "item_name": item_names.get(p.item, p.item),
                "unit": p.unit,
                "central_stock": _r(p.central_stock),
                "reserve": _r(p.reserve),
                "min_cover_days": _r(p.min_cover_days),
                "covers": [
                    {
                        "grid_id": int(c.grid),
                        "grid": names.get(c.grid, c.grid),
                        "daily_demand": _r(c.daily_demand, 2),
                        "on_hand": _r(c.on_hand),
                        "allocated": _r(c.allocated),
                        "days_of_cover": _r(c.days_of_cover),
                        "runs_out_day": c.runs_out_day,
                    }
                    for c in p.covers
                ],
            }
            for p in plans
        ]

    worst = min((p.min_cover_days for p in report.prepositioned), default=chosen.days)
    return {
        "kind": "supplies",
        "days": report.days,
        "grids": [grids[g] for g in grid_keys if g in grids],
        "proportional": plan_rows(report.proportional),
        "prepositioned": plan_rows(report.prepositioned),
        "best_text": _(
            "With the best pre-positioning every grid is covered for at least "
            "%(days)s of the %(total)s days."
        )
        % {"days": f"{worst:.1f}", "total": chosen.days},
        "explanation": report.explanation,
        "risk_points": [_point(p, names, where, item_names=item_names) for p in report.risk_points],
    }
