"""Evacuation of a hazard area to shelters over a road network.

1. Evacuees: residents of the buildings inside the hazard polygon (every building when none is
   given). Shelters inside the hazard area are not used.
2. Roads: the given `RoadGraph`, or a synthetic street graph (Delaunay) over all buildings and
   shelters. Buildings and shelters are snapped to their nearest road node; the straight
   access distance is added to the road distance.
3. Distances: one Dijkstra per shelter (`scipy.sparse.csgraph.dijkstra`).
4. Feasibility: a building that reaches no shelter, or a connected part of the network whose
   shelters hold fewer people than its buildings, is an error naming them (or, with
   ``on_disconnected="report"``, unreachable buildings become risk points and are left out).
5. Assignment: a min-cost integral flow (`transport.solve`), people per building → shelters,
   splitting a building when a shelter fills, minimising total person-metres.
6. Per building: distance, helpers, and the time to clear it: people needing assistance travel
   first to the nearest of the building's shelters at the assisted speed; the others walk.
7. Risk points, and where one more shelter would help most (`siting.suggest_shelter`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csgraph  # type: ignore[import-untyped]  # no scipy-stubs in the lock
from shapely.geometry.base import BaseGeometry

from resigrid.sim.engine import transport
from resigrid.sim.engine.compare import RiskPoint, sort_risk_points
from resigrid.sim.engine.errors import EngineInputError, name_list
from resigrid.sim.engine.roads import RoadGraph, synthetic

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Ring = Sequence[tuple[float, float]]
MM = 1000.0  # the flow solver works in integer millimetres
# risk score of a building that reaches no shelter (worse than any distance ratio)
DISCONNECTED_SCORE = 1000.0
#: building × shelter distances and Dijkstra rows held at once (8 bytes each): about 800 MB
MAX_CELLS = 100_000_000


class EvacuationInfeasible(EngineInputError):
    """No plan can take everyone: names the buildings and shelters concerned."""


@dataclass(frozen=True)
class Building:
    id: str
    lon: float
    lat: float
    residents: int
    grid: str = ""
    assisted: Mapping[str, int] = field(default_factory=dict)  # kind → residents needing help


@dataclass(frozen=True)
class Shelter:
    id: str
    lon: float
    lat: float
    capacity: int


@dataclass(frozen=True)
class EvacuationSettings:
    walking_speed_mps: float = 1.2
    assisted_speed_mps: float = 0.6
    helpers_per_assisted: Mapping[str, float] = field(default_factory=dict)  # by kind
    default_helpers: float = 1.0  # for a kind not in helpers_per_assisted
    preparation_s: float = 0.0  # added to every building's clearing time
    max_distance_m: float = 2000.0  # farther is a risk point
    max_access_m: float = 300.0  # a building farther than this from any road is a risk point
    load_warning: float = 0.9  # a shelter at or above this share of its capacity is a risk point
    on_disconnected: Literal["raise", "report"] = "raise"
    suggest: bool = True
    candidate_sites: int = 12
    candidate_capacity: int | None = None  # default: the median capacity of the shelters

    def validate(self) -> None:
        checks = {
            "walking_speed_mps": self.walking_speed_mps > 0,
            "assisted_speed_mps": self.assisted_speed_mps > 0,
            "default_helpers": self.default_helpers >= 0,
            "preparation_s": self.preparation_s >= 0,
            "max_distance_m": self.max_distance_m > 0,
            "max_access_m": self.max_access_m > 0,
            "load_warning": 0 < self.load_warning <= 1,
            "candidate_sites": self.candidate_sites >= 0,
        }
        checks["helpers_per_assisted"] = all(
            math.isfinite(v) and v >= 0 for v in self.helpers_per_assisted.values()
        )
        if self.candidate_capacity is not None:
            checks["candidate_capacity"] = self.candidate_capacity > 0
        for name, ok in checks.items():
            if not ok:
                raise EngineInputError(
                    "evacuation.setting",
                    f"The evacuation setting {name} is out of range.",
                    setting=name,
                )


@dataclass(frozen=True)
class Flow:
    building: str
    shelter: str
    people: int
    distance_m: float


@dataclass(frozen=True)
class BuildingOutcome:
    id: str
    grid: str
    evacuees: int
    assisted: int
    helpers: float
    mean_distance_m: float  # per person
    max_distance_m: float
    clear_time_s: float


@dataclass(frozen=True)
class ShelterLoad:
    id: str
    capacity: int
    load: int
    utilisation: float  # load / capacity (0 for a shelter of capacity 0)
    in_hazard: bool


@dataclass(frozen=True)
class ShelterSuggestion:
    site: str  # the building whose location is suggested
    grid: str
    lon: float
    lat: float
    capacity: int
    saving_bound_m: float  # person-metres saved by moving people greedily (a lower bound)
    saving_m: float | None  # person-metres saved after re-planning with the shelter added
    served_grid: str  # the worst-served grid the candidates were chosen for
    explanation: str


@dataclass(frozen=True)
class EvacuationPlan:
    flows: tuple[Flow, ...]
    buildings: tuple[BuildingOutcome, ...]
    shelters: tuple[ShelterLoad, ...]
    evacuees: int
    assisted: int
    helpers_required: float
    total_person_m: float
    clear_time_s: float  # the slowest building
    disconnected: tuple[str, ...]
    risk_points: tuple[RiskPoint, ...]
    suggestion: ShelterSuggestion | None
    synthetic_roads: bool


@dataclass(frozen=True)
class Network:
    """What siting needs to re-plan: the graph, its matrix and where everyone is snapped."""

    graph: RoadGraph
    matrix: object
    building_node: IntArray  # per evacuating building
    building_access_m: FloatArray


def hazard_geometry(hazard: Sequence[Ring] | BaseGeometry) -> BaseGeometry:
    """A polygon from rings (the first is the outline, the others holes), or a geometry as is."""
    geom: BaseGeometry
    if isinstance(hazard, BaseGeometry):
        geom = hazard
    else:
        rings = cast("Sequence[Ring]", hazard)
        if not rings or any(len(ring) < 3 for ring in rings):
            raise EngineInputError(
                "evacuation.hazard", "The hazard area needs a ring of at least three points."
            )
        geom = shapely.Polygon(rings[0], holes=list(rings[1:]))
    if geom.is_empty or geom.area <= 0:
        raise EngineInputError("evacuation.hazard", "The hazard area is empty.")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    return geom


def _check_inputs(buildings: Sequence[Building], shelters: Sequence[Shelter]) -> None:
    if not buildings:
        raise EngineInputError("evacuation.no_buildings", "There are no buildings to evacuate.")
    if not shelters:
        raise EngineInputError("evacuation.no_shelters", "There are no shelters.")
    for label, ids in (
        ("building", [b.id for b in buildings]),
        ("shelter", [s.id for s in shelters]),
    ):
        counts = Counter(ids)
        dup = sorted(i for i, c in counts.items() if c > 1)
        if dup:
            raise EngineInputError(
                "evacuation.duplicate",
                f"Duplicate {label} ids: {name_list(dup)}.",
                kind=label,
                ids=name_list(dup),
            )
    places: list[Building | Shelter] = [*buildings, *shelters]
    for place in places:
        lon, lat = place.lon, place.lat
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            raise EngineInputError(
                "evacuation.coordinates",
                f"{place.id} has no valid WGS84 longitude/latitude.",
                id=place.id,
            )
    bad = [
        b.id
        for b in buildings
        if b.residents < 0
        or any(v < 0 for v in b.assisted.values())
        or sum(b.assisted.values()) > b.residents
    ]
    if bad:
        raise EngineInputError(
            "evacuation.residents",
            f"Residents must not be negative, and those needing assistance are among them: "
            f"{name_list(bad)}.",
            ids=name_list(bad),
        )
    neg = [s.id for s in shelters if s.capacity < 0]
    if neg:
        raise EngineInputError(
            "evacuation.capacity",
            f"Shelter capacity must not be negative: {name_list(neg)}.",
            ids=name_list(neg),
        )


def shelter_distances(network: Network, lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Road distance (metres) from each evacuating building to each place (n places)."""
    nodes, access = network.graph.snap(lon, lat)
    uniq, inverse = np.unique(nodes, return_inverse=True)
    d = csgraph.dijkstra(network.matrix, directed=True, indices=uniq)[:, network.building_node]
    d = d[inverse.ravel()].T  # buildings × places
    return np.asarray(d + network.building_access_m[:, None] + access[None, :], dtype=np.float64)


def _to_mm(dist: FloatArray) -> IntArray:
    finite = np.isfinite(dist)
    out = np.full(dist.shape, transport.UNREACHABLE, dtype=np.int64)
    out[finite] = np.rint(dist[finite] * MM).astype(np.int64)
    return out


def _infeasible_components(
    network: Network,
    shelter_node: IntArray,
    supply: IntArray,
    capacity: IntArray,
    bids: list[str],
    sids: list[str],
) -> None:
    """Raise naming the buildings and shelters of each network part too small for its people."""
    _, label = csgraph.connected_components(network.matrix, directed=False)
    b_comp = label[network.building_node]
    s_comp = label[shelter_node]
    need = np.bincount(b_comp, weights=supply, minlength=label.max() + 1)
    room = np.bincount(s_comp, weights=capacity, minlength=label.max() + 1)
    short = np.flatnonzero(need > room)
    if short.size:
        in_short = np.isin(b_comp, short)
        b_names = [bids[i] for i in np.flatnonzero(in_short & (supply > 0))]
        s_names = [sids[j] for j in np.flatnonzero(np.isin(s_comp, short))]
        held, needed = int(room[short].sum()), int(need[short].sum())
        missing = needed - held
        raise EvacuationInfeasible(
            "evacuation.capacity_short",
            f"The shelters {name_list(s_names) or '(none)'} can hold {held} people, but the "
            f"buildings {name_list(b_names)} that can only reach them have {needed}: "
            f"{missing} places are missing.",
            buildings=name_list(b_names),
            shelters=name_list(s_names),
            missing=missing,
        )


def plan_evacuation(
    buildings: Sequence[Building],
    shelters: Sequence[Shelter],
    *,
    hazard: Sequence[Ring] | BaseGeometry | None = None,
    roads: RoadGraph | None = None,
    settings: EvacuationSettings | None = None,
) -> EvacuationPlan:
    settings = settings or EvacuationSettings()
    settings.validate()
    _check_inputs(buildings, shelters)
    b_lon = np.array([b.lon for b in buildings], dtype=np.float64)
    b_lat = np.array([b.lat for b in buildings], dtype=np.float64)
    s_lon = np.array([s.lon for s in shelters], dtype=np.float64)
    s_lat = np.array([s.lat for s in shelters], dtype=np.float64)
    residents = np.array([b.residents for b in buildings], dtype=np.int64)

    inside = np.ones(len(buildings), dtype=np.bool_)
    shelter_in_hazard = np.zeros(len(shelters), dtype=np.bool_)
    if hazard is not None:
        geom = hazard_geometry(hazard)
        inside = shapely.intersects_xy(geom, b_lon, b_lat)
        shelter_in_hazard = shapely.intersects_xy(geom, s_lon, s_lat)
    evac = np.flatnonzero(inside & (residents > 0))
    evac_list: list[int] = evac.tolist()
    if evac.size == 0:
        raise EngineInputError("evacuation.nobody", "Nobody lives in the hazard area.")
    usable = np.flatnonzero(~shelter_in_hazard)
    usable_list: list[int] = usable.tolist()
    if usable.size == 0:
        raise EvacuationInfeasible(
            "evacuation.no_safe_shelter",
            "Every shelter lies inside the hazard area.",
            buildings="",
            shelters="",
        )

    synthetic_roads = roads is None
    nodes = roads.n_nodes if roads is not None else len(buildings) + len(shelters)
    cells = max(evac.size, nodes) * (usable.size + settings.candidate_sites)
    if cells > MAX_CELLS:
        raise EngineInputError(
            "evacuation.too_large",
            f"{evac.size} buildings, {usable.size} shelters and {nodes} road nodes are more "
            "than one plan can hold in memory; split the area.",
            buildings=int(evac.size),
            shelters=int(usable.size),
            nodes=nodes,
        )
    graph = (
        roads
        if roads is not None
        else synthetic(np.concatenate((b_lon, s_lon)), np.concatenate((b_lat, s_lat)))
    )
    b_node, b_access = graph.snap(b_lon[evac], b_lat[evac])
    network = Network(
        graph=graph, matrix=graph.matrix(), building_node=b_node, building_access_m=b_access
    )
    s_node, _ = graph.snap(s_lon[usable], s_lat[usable])
    dist = shelter_distances(
        network, s_lon[usable], s_lat[usable]
    )  # evacuating buildings × usable shelters

    bids = [buildings[i].id for i in evac_list]
    sids = [shelters[j].id for j in usable_list]
    supply = residents[evac]
    capacity = np.array([shelters[j].capacity for j in usable_list], dtype=np.int64)
    reach = np.isfinite(dist).any(axis=1)
    disconnected = tuple(bids[i] for i in np.flatnonzero(~reach))
    if disconnected and settings.on_disconnected == "raise":
        raise EvacuationInfeasible(
            "evacuation.disconnected",
            f"No road leads from the buildings {name_list(list(disconnected))} to any shelter.",
            buildings=name_list(list(disconnected)),
            shelters="",
        )
    plan_supply = np.where(reach, supply, 0)
    _infeasible_components(network, s_node, plan_supply, capacity, bids, sids)
    cost = _to_mm(dist)
    try:
        solution = transport.solve(cost, plan_supply, capacity)
    except transport.TransportInfeasible:  # pragma: no cover - the component check comes first
        _infeasible_components(network, s_node, plan_supply, capacity, bids, sids)
        raise
    # siting builds on this module's types, so it is imported here, not at the top
    from resigrid.sim.engine.siting import outcomes, suggest_shelter

    result = outcomes(
        buildings=[buildings[i] for i in evac_list],
        shelters=[shelters[j] for j in usable_list],
        all_shelters=shelters,
        shelter_in_hazard=shelter_in_hazard,
        usable=usable,
        dist=dist,
        solution=solution,
        disconnected=disconnected,
        access_m=b_access,
        settings=settings,
    )
    suggestion = None
    if settings.suggest and solution.amount.size:
        suggestion = suggest_shelter(
            buildings=buildings,
            evac=evac,
            inside=inside,
            shelters=[shelters[j] for j in usable_list],
            network=network,
            dist=dist,
            solution=solution,
            supply=plan_supply,
            result=result,
            settings=settings,
        )
    return EvacuationPlan(
        flows=result.flows,
        buildings=result.buildings,
        shelters=result.shelters,
        evacuees=int(plan_supply.sum()),
        assisted=sum(b.assisted for b in result.buildings),
        helpers_required=float(sum(b.helpers for b in result.buildings)),
        total_person_m=result.total_person_m,
        clear_time_s=max((b.clear_time_s for b in result.buildings), default=0.0),
        disconnected=disconnected,
        risk_points=tuple(sort_risk_points(result.risk_points)),
        suggestion=suggestion,
        synthetic_roads=synthetic_roads,
    )
