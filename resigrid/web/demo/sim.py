"""Demo simulation scenarios on the first community (not run at seed time, to keep seeding
fast; small replicate counts, so a run from the page finishes in seconds)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from shapely.geometry import MultiPoint, mapping

from resigrid.areas.models import Area, Building
from resigrid.resources.choices import FacilityKind
from resigrid.resources.models import Facility
from resigrid.sim import defaults, schemas
from resigrid.sim.models import Kind, Scenario

NAMES = {
    Kind.EPIDEMIC: "呼吸道传染病:四种应对策略比较",
    Kind.EVACUATION: "暴雨内涝:低洼片区转移安置",
    Kind.SUPPLIES: "封控14天:生活物资保障",
}
STRATEGIES: list[dict[str, Any]] = [
    {"name": "不干预"},
    {
        "name": "隔离+检测",
        "testing": {"daily_probability": 0.2},
        "isolation": {"household_factor": 0.3},
    },
    {
        "name": "网格封控(7天内3例)",
        "grid_lockdown": {"threshold": 3, "window_days": 7, "duration_days": 14},
    },
    {"name": "重点人群优先接种", "vaccination": {"daily_doses": 50, "vulnerable_first": True}},
]
SUPPLY_ITEMS: list[dict[str, Any]] = [
    {"item": "W001", "per_household": 0.3},  # a case of 24 bottles every three days
    {"item": "F001", "per_household": 0.15},
    {"item": "M001", "per_medicine": 1 / 14},  # a two-week pack per chronic patient
]


def flood_polygon(community: Area) -> dict[str, Any] | None:
    """A low-lying patch: the buildings around the one farthest from every shelter, as many as
    60 % of the shelters' places can take, wrapped in a polygon that leaves every shelter dry."""
    prefix = community.scope_prefix
    shelters = list(
        Facility.objects.filter(
            area__code__startswith=prefix, kind=FacilityKind.SHELTER, capacity__gt=0
        ).values_list("lon", "lat", "capacity")
    )
    rows = list(
        Building.objects.filter(grid__code__startswith=prefix)
        .annotate(n=Count("person_set"))
        .filter(n__gt=0)
        .values_list("lon", "lat", "n")
    )
    if not shelters or not rows:
        return None

    def dryness(r: tuple[float, float, Any]) -> float:
        return min((r[0] - lon) ** 2 + (r[1] - lat) ** 2 for lon, lat, _c in shelters)

    seed = max(rows, key=dryness)  # the building farthest from every shelter
    rows.sort(key=lambda r: (r[0] - seed[0]) ** 2 + (r[1] - seed[1]) ** 2)
    room = 0.6 * sum(c or 0 for _lon, _lat, c in shelters)
    dry = MultiPoint([(lon, lat) for lon, lat, _c in shelters]).buffer(0.0003)
    taken: list[tuple[float, float]] = []
    people = 0
    for lon, lat, n in rows:
        if people + n > room:
            break
        candidate = MultiPoint([*taken, (lon, lat)]).convex_hull.buffer(0.0002)
        if candidate.intersects(dry):
            break
        taken.append((lon, lat))
        people += n
    if not taken:
        return None
    return dict(mapping(MultiPoint(taken).convex_hull.buffer(0.0002)))


def seed_sim(*, community_id: int) -> dict[str, int]:
    community = Area.objects.get(pk=community_id)
    epidemic_params = dict(defaults.EPIDEMIC_PARAMS, days=120, replicates=3)
    evacuation_params = dict(defaults.EVACUATION_PARAMS, hazard=flood_polygon(community))
    rows = [
        (Kind.EPIDEMIC, epidemic_params, STRATEGIES),
        (Kind.EVACUATION, evacuation_params, []),
        (Kind.SUPPLIES, {"days": 14, "items": SUPPLY_ITEMS}, []),
    ]
    for kind, params, strategies in rows:
        clean_params, clean_strategies = schemas.clean(kind, params, strategies)
        Scenario.objects.create(
            kind=kind,
            name=NAMES[kind],
            area=community,
            params=clean_params,
            strategies=clean_strategies,
        )
    return {"sim_scenarios": len(rows)}
