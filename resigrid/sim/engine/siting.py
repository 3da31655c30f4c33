"""Evacuation outcomes per building and shelter, risk points, and where one more shelter helps.

Siting: the worst-served grid is the one whose evacuees travel farthest on average. Candidate
sites are the buildings outside the hazard area nearest to its evacuees (or, when every building
is inside, that grid's own buildings nearest its centre). For each candidate a lower bound on
the saving is computed without re-planning: moving the people whose current trip is longest
compared with the trip to the candidate, up to its capacity, is a feasible plan (it only frees
places elsewhere), so the saving it gives is guaranteed. The best candidate by that bound is
then re-planned exactly (one more min-cost flow) to report the true saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resigrid.sim.engine import transport
from resigrid.sim.engine.compare import RiskPoint
from resigrid.sim.engine.evacuation import (
    DISCONNECTED_SCORE,
    MM,
    Building,
    BuildingOutcome,
    EvacuationSettings,
    Flow,
    Network,
    Shelter,
    ShelterLoad,
    ShelterSuggestion,
    _to_mm,
    shelter_distances,
)
from resigrid.sim.engine.roads import project

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Outcomes:
    flows: tuple[Flow, ...]
    buildings: tuple[BuildingOutcome, ...]
    shelters: tuple[ShelterLoad, ...]
    risk_points: list[RiskPoint]
    total_person_m: float


def _helpers(building: Building, settings: EvacuationSettings) -> float:
    per = settings.helpers_per_assisted
    return float(
        sum(n * per.get(kind, settings.default_helpers) for kind, n in building.assisted.items())
    )


def outcomes(
    *,
    buildings: Sequence[Building],
    shelters: Sequence[Shelter],
    all_shelters: Sequence[Shelter],
    shelter_in_hazard: BoolArray,
    usable: IntArray,
    dist: FloatArray,
    solution: transport.TransportSolution,
    disconnected: tuple[str, ...],
    access_m: FloatArray,
    settings: EvacuationSettings,
) -> Outcomes:
    src, dst, amt = solution.source, solution.sink, solution.amount
    d_flow = dist[src, dst]
    flows = tuple(
        Flow(buildings[i].id, shelters[j].id, int(x), float(d))
        for i, j, x, d in zip(
            src.tolist(), dst.tolist(), amt.tolist(), d_flow.tolist(), strict=True
        )
    )
    out: list[BuildingOutcome] = []
    risks: list[RiskPoint] = []
    # vectorised per building: flows by building, nearest first; those needing help take the
    # nearest places, so a flow's assisted share is what is left of them after the nearer flows
    order = np.lexsort((d_flow, src))
    s_src, s_d, s_x = src[order], d_flow[order], amt[order]
    n_assisted = np.array([sum(b.assisted.values()) for b in buildings], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, s_src[1:] != s_src[:-1]]) if s_src.size else s_src
    cum = np.cumsum(s_x)
    group_before = np.repeat(cum[starts] - s_x[starts], np.diff(np.r_[starts, s_src.size]))
    before = cum - s_x - group_before
    assisted = np.clip(n_assisted[s_src] - before, 0, s_x)
    walkers = s_x - assisted
    walk_d = np.where(walkers > 0, s_d, 0.0)
    slow_d = np.where(assisted > 0, s_d, 0.0)
    if s_src.size:
        walk_max = np.maximum.reduceat(walk_d, starts)
        slow_max = np.maximum.reduceat(slow_d, starts)
        far = np.maximum.reduceat(s_d, starts)
        people = np.add.reduceat(s_x, starts)
        person_m = np.add.reduceat(s_d * s_x, starts)
    else:
        walk_max = slow_max = far = person_m = np.zeros(0)
        people = np.zeros(0, dtype=np.int64)
    clear = settings.preparation_s + np.maximum(
        walk_max / settings.walking_speed_mps, slow_max / settings.assisted_speed_mps
    )
    for g, i in enumerate(s_src[starts].tolist()):
        building = buildings[i]
        outcome = BuildingOutcome(
            id=building.id,
            grid=building.grid,
            evacuees=int(people[g]),
            assisted=int(n_assisted[i]),
            helpers=_helpers(building, settings),
            mean_distance_m=float(person_m[g] / people[g]),
            max_distance_m=float(far[g]),
            clear_time_s=float(clear[g]),
        )
        out.append(outcome)
        if outcome.max_distance_m > settings.max_distance_m:
            risks.append(
                RiskPoint(
                    "building",
                    building.id,
                    outcome.max_distance_m / settings.max_distance_m,
                    f"Residents of {building.id} travel {outcome.max_distance_m:.0f} m to a "
                    f"shelter, beyond the {settings.max_distance_m:.0f} m limit.",
                    code="evacuation.far",
                    params={
                        "distance_m": round(outcome.max_distance_m),
                        "limit_m": settings.max_distance_m,
                    },
                )
            )
    for i in np.flatnonzero(access_m > settings.max_access_m).tolist():
        bid = buildings[i].id
        risks.append(
            RiskPoint(
                "building",
                bid,
                float(access_m[i] / settings.max_access_m),
                f"{bid} is {access_m[i]:.0f} m from the nearest road of the network.",
                code="evacuation.off_road",
                params={"distance_m": round(float(access_m[i]))},
            )
        )
    for bid in disconnected:
        risks.append(
            RiskPoint(
                "building",
                bid,
                DISCONNECTED_SCORE,
                f"No road leads from {bid} to any shelter; its residents are not in the plan.",
                code="evacuation.disconnected",
            )
        )
    load = np.zeros(len(all_shelters), dtype=np.int64)
    np.add.at(load, usable[dst], amt)
    loads: list[ShelterLoad] = []
    for j, shelter in enumerate(all_shelters):
        use = float(load[j] / shelter.capacity) if shelter.capacity else 0.0
        loads.append(
            ShelterLoad(shelter.id, shelter.capacity, int(load[j]), use, bool(shelter_in_hazard[j]))
        )
        if shelter_in_hazard[j]:
            risks.append(
                RiskPoint(
                    "shelter",
                    shelter.id,
                    1.0,
                    f"Shelter {shelter.id} lies inside the hazard area and is not used.",
                    code="evacuation.shelter_in_hazard",
                )
            )
        elif shelter.capacity and use >= settings.load_warning:
            risks.append(
                RiskPoint(
                    "shelter",
                    shelter.id,
                    use,
                    f"Shelter {shelter.id} is {use:.0%} full ({load[j]} of {shelter.capacity}); "
                    f"the warning level is {settings.load_warning:.0%}.",
                    code="evacuation.shelter_full",
                    params={"load": int(load[j]), "capacity": shelter.capacity},
                )
            )
    return Outcomes(
        flows=flows,
        buildings=tuple(out),
        shelters=tuple(loads),
        risk_points=risks,
        total_person_m=float(np.dot(amt, d_flow)),
    )


def _candidates(
    buildings: Sequence[Building],
    evac: IntArray,
    inside: BoolArray,
    worst: IntArray,
    weights: IntArray,
    limit: int,
) -> IntArray:
    lon = np.array([b.lon for b in buildings])
    lat = np.array([b.lat for b in buildings])
    xy = project(lon, lat, float(lat.mean()))
    centre = np.average(xy[evac[worst]], axis=0, weights=weights)
    pool = np.flatnonzero(~inside)
    if pool.size == 0:
        pool = evac[worst]
    near = np.hypot(*(xy[pool] - centre).T)
    return pool[np.argsort(near, kind="stable")[:limit]]


def suggest_shelter(
    *,
    buildings: Sequence[Building],
    evac: IntArray,
    inside: BoolArray,
    shelters: Sequence[Shelter],
    network: Network,
    dist: FloatArray,
    solution: transport.TransportSolution,
    supply: IntArray,
    result: Outcomes,
    settings: EvacuationSettings,
) -> ShelterSuggestion | None:
    if settings.candidate_sites == 0:
        return None
    grids = np.array([buildings[i].grid for i in evac])
    served = {b.id: b for b in result.buildings}
    people = np.array(
        [served[buildings[i].id].evacuees if buildings[i].id in served else 0 for i in evac]
    )
    pm = np.array(
        [
            served[buildings[i].id].mean_distance_m if buildings[i].id in served else 0.0
            for i in evac
        ]
    )
    names = sorted(set(grids[people > 0].tolist()))
    mean = {
        g: float(np.dot(pm[grids == g], people[grids == g]) / people[grids == g].sum())
        for g in names
    }
    worst_grid = max(names, key=lambda g: (mean[g], g))
    worst = np.flatnonzero((grids == worst_grid) & (people > 0))
    cand = _candidates(buildings, evac, inside, worst, people[worst], settings.candidate_sites)
    capacity = settings.candidate_capacity or max(1, int(np.median([s.capacity for s in shelters])))
    c_lon = np.array([buildings[i].lon for i in cand])
    c_lat = np.array([buildings[i].lat for i in cand])
    new = shelter_distances(network, c_lon, c_lat)  # evacuating buildings × candidates
    src, dst, amt = solution.source, solution.sink, solution.amount
    d_flow = dist[src, dst]
    bounds = np.zeros(cand.size)
    for c in range(cand.size):
        gain = d_flow - new[src, c]
        pos = np.flatnonzero(gain > 0)
        order = pos[np.argsort(-gain[pos], kind="stable")]
        taken = np.minimum(
            amt[order], np.maximum(capacity - (np.cumsum(amt[order]) - amt[order]), 0)
        )
        bounds[c] = float(np.dot(taken, gain[order]))
    best = int(np.argmax(bounds))
    if bounds[best] <= 0:
        return None
    cost = np.hstack((_to_mm(dist), _to_mm(new[:, [best]])))
    caps = np.r_[[s.capacity for s in shelters], capacity].astype(np.int64)
    again = transport.solve(cost, supply, caps)
    saving = (solution.cost - again.cost) / MM
    site = buildings[int(cand[best])]
    share = saving / result.total_person_m if result.total_person_m else 0.0
    explanation = (
        f"Grid {worst_grid} is the worst served: its evacuees travel {mean[worst_grid]:.0f} m "
        f"on average. Of {cand.size} candidate sites near them, a shelter for {capacity} people "
        f"at {site.id} helps most: sending it the people whose trips it shortens most saves at "
        f"least {bounds[best]:.0f} person-metres, and re-planning with it saves {saving:.0f} "
        f"person-metres ({share:.1%} of the total travel)."
    )
    return ShelterSuggestion(
        site=site.id,
        grid=site.grid,
        lon=site.lon,
        lat=site.lat,
        capacity=capacity,
        saving_bound_m=float(bounds[best]),
        saving_m=float(saving),
        served_grid=worst_grid,
        explanation=explanation,
    )
