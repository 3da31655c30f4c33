"""Demo monitoring points: per community a river water-level gauge, a rain gauge, a smoke and a
combustible-gas detector in residential buildings and a crowd-density counter at the square,
with a week of readings every 10 minutes and the rules that watch them.

`seed_monitoring(seed=…, community_ids=[…])` writes the sensors and rules, bulk-inserts the
readings, then runs the real rule evaluation over them (monitoring.evaluation), so the states,
events, alert drafts and cases are exactly what live ingestion would have made. The story: a
rainstorm in the last hours raises the first community's river past its orange level (3.0 m,
held 10 minutes): the rule is firing now, with its orange 暴雨内涝 warning drafted and an urgent
积水内涝 case opened; the other rivers stay below. A gas leak three days ago in the second
community (or the first, alone) fired its rule and cleared. Cases need the demo categories
(web/demo/registers.py: 04.01 积水内涝, 04.02 燃气泄漏, 04.03 火情); without them the rules
only draft or record.

Cost: 5 sensors and 1,008 readings each per community (7 days × 144), about 0.1 s per
community on SQLite.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from resigrid.areas.models import Area, Building
from resigrid.monitoring.choices import DEFAULT_UNITS, SensorKind
from resigrid.monitoring.evaluation import evaluate_readings
from resigrid.monitoring.models import Reading, Rule, RuleEvent, Sensor
from resigrid.registers.models import Category

DAYS = 7
STEP_MINUTES = 10
ORANGE_M, RED_M = 3.0, 3.5
CODES = {
    SensorKind.WATER_LEVEL: "WL",
    SensorKind.RAINFALL: "RF",
    SensorKind.CROWD: "CD",
    SensorKind.SMOKE: "SM",
    SensorKind.GAS: "GS",
}
VALID = {
    SensorKind.WATER_LEVEL: (-1.0, 10.0),
    SensorKind.RAINFALL: (0.0, 100.0),
    SensorKind.SMOKE: (0.0, 30.0),
    SensorKind.GAS: (0.0, 100.0),
    SensorKind.CROWD: (0.0, 10.0),
}


FLOOD_DESCRIPTION = (
    "{at}，{grid}{sensor}水位{value:.2f}米，已持续{minutes}分钟超过{level}米，"
    "河道沿线低洼地带有内涝风险。"
)
FLOOD_INSTRUCTION = (
    "低洼地带、地下车库和地下空间人员立即转移；社区防汛队伍到岗巡查，网格员上门通知独居老人。"
)


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in ("monitoring", *parts)))  # noqa: S311


def _point_in(grid: Area, rng: random.Random) -> tuple[float, float]:
    geom = shape(grid.boundary or {})
    x0, y0, x1, y1 = geom.bounds
    for _try in range(50):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if geom.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
    p = geom.representative_point()
    return round(p.x, 6), round(p.y, 6)


def _rain(t: float, storm: float, peak: float) -> float:
    """mm per 10 minutes at step t: a storm centred on step `storm` (σ = 6 steps) and a light
    shower three days before the end."""
    shower = 1.2 * math.exp(-(((t - (storm - 432)) / 4) ** 2) / 2)
    return max(0.0, peak * math.exp(-(((t - storm) / 6) ** 2) / 2) + shower)


def _series(
    kind: str, n: int, rng: random.Random, heavy: bool, leak: bool, start: dt.datetime
) -> list[float]:
    storm = n - 12  # two hours before the end
    peak = 6.0 if heavy else 3.4
    if kind == SensorKind.RAINFALL:
        return [round(max(0.0, _rain(i, storm, peak) + rng.gauss(0, 0.05)), 2) for i in range(n)]
    if kind == SensorKind.WATER_LEVEL:
        out, store = [], 0.0
        decay = math.exp(-STEP_MINUTES / 180)
        for i in range(n):
            store = store * decay + _rain(i, storm, peak)
            daily = 0.06 * math.sin(2 * math.pi * i / 144)
            out.append(round(1.8 + daily + 0.0265 * store + rng.gauss(0, 0.008), 3))
        return out
    if kind == SensorKind.SMOKE:
        return [round(abs(rng.gauss(0.3, 0.1)), 2) for _ in range(n)]
    if kind == SensorKind.GAS:
        spike = n - 3 * 144 + 40  # three days ago, in the afternoon
        leaking = range(spike, spike + 3) if leak else range(0)
        return [
            round(26.0 + rng.gauss(0, 1.5) if i in leaking else abs(rng.gauss(1.0, 0.6)), 2)
            for i in range(n)
        ]
    # Crowd density at the square: evenings (square dancing) and weekend days busier.
    out = []
    for i in range(n):
        local = timezone.localtime(start + dt.timedelta(minutes=STEP_MINUTES * i))
        hour = local.hour + local.minute / 60
        base = 0.2 + 1.4 * math.exp(-(((hour - 20) / 1.2) ** 2) / 2)
        if local.weekday() >= 5:
            base += 0.6 * math.exp(-(((hour - 15) / 3) ** 2) / 2)
        out.append(round(max(0.0, base + rng.gauss(0, 0.08)), 2))
    return out


def _rule(name: str, area: Area, **fields: Any) -> Rule:
    return Rule(name=name, area=area, **fields)


def seed_monitoring(
    *,
    seed: int,
    community_ids: Sequence[int],
    now: dt.datetime | None = None,
    days: int = DAYS,
) -> dict[str, int]:
    """Write the demo sensors, rules and readings and evaluate the rules; returns counts."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    now -= dt.timedelta(minutes=now.minute % STEP_MINUTES)
    n = days * 24 * 60 // STEP_MINUTES
    start = now - dt.timedelta(minutes=STEP_MINUTES * (n - 1))
    times = [start + dt.timedelta(minutes=STEP_MINUTES * i) for i in range(n)]
    leaves = Category.objects.leaves().filter(code__in=["04.01", "04.02", "04.03"])
    categories = set(leaves.values_list("code", flat=True))
    communities = list(
        Area.objects.filter(pk__in=community_ids).select_related("parent").order_by("code")
    )
    counts = {"sensors": 0, "sensor_rules": 0, "readings": 0, "rule_events": 0}
    with transaction.atomic():
        sensors: list[Sensor] = []
        rules: list[Rule] = []
        plan: dict[str, tuple[bool, bool]] = {}
        for ci, community in enumerate(communities):
            rng = _rng(seed, community.code)
            grids = list(community.children.order_by("code"))
            if not grids:
                continue
            short = community.code[6:12]
            buildings = list(
                Building.objects.filter(grid__in=grids).select_related("grid").order_by("pk")
            )
            heavy, leak = ci == 0, ci == min(1, len(communities) - 1)
            place = {
                SensorKind.WATER_LEVEL: ("河道水位计", grids[0], None),
                SensorKind.RAINFALL: ("雨量站", grids[-1], None),
                SensorKind.CROWD: ("文化广场人流监测", grids[len(grids) // 2], None),
                SensorKind.SMOKE: ("烟感", None, buildings[0] if buildings else None),
                SensorKind.GAS: ("燃气报警器", None, buildings[-1] if buildings else None),
            }
            for kind, (label, grid, building) in place.items():
                code = f"{short}-{CODES[kind]}"
                if building is not None:
                    lon, lat, grid = building.lon, building.lat, building.grid
                    label = f"{building.name}{label}"
                elif grid is not None:
                    lon, lat = _point_in(grid, rng)
                else:
                    continue
                lo, hi = VALID[kind]
                sensors.append(
                    Sensor(
                        code=code,
                        kind=kind,
                        name=f"{community.name}{label}",
                        lon=lon,
                        lat=lat,
                        grid=grid,
                        unit=DEFAULT_UNITS[kind],
                        min_valid=lo,
                        max_valid=hi,
                    )
                )
                plan[code] = (heavy, leak)
            flood = {
                "type": "threshold",
                "direction": "above",
                "minutes": 10,
                "cooldown_minutes": 360,
                "sensor_kind": SensorKind.WATER_LEVEL,
                "action_alert": True,
                "alert_event": "暴雨内涝",
                "alert_category": "Met",
                "alert_headline": "{sensor}水位{value:.2f}米，超过{level}米",
                "alert_description": FLOOD_DESCRIPTION,
                "alert_instruction": FLOOD_INSTRUCTION,
                "action_case": "04.01" in categories,
                "case_category": "04.01",
            }
            rules += [
                _rule(
                    f"{community.name}河道水位橙色预警",
                    community,
                    fire_level=ORANGE_M,
                    clear_level=2.8,
                    alert_level="orange",
                    case_priority="high",
                    **flood,
                ),
                _rule(
                    f"{community.name}河道水位红色预警",
                    community,
                    fire_level=RED_M,
                    clear_level=3.2,
                    alert_level="red",
                    case_priority="urgent",
                    **flood,
                ),
                _rule(
                    f"{community.name}燃气泄漏",
                    community,
                    type="threshold",
                    sensor_kind=SensorKind.GAS,
                    fire_level=20.0,
                    clear_level=10.0,
                    minutes=0,
                    action_case="04.02" in categories,
                    case_category="04.02",
                    case_priority="urgent",
                ),
                _rule(
                    f"{community.name}烟感报警",
                    community,
                    type="threshold",
                    sensor_kind=SensorKind.SMOKE,
                    fire_level=10.0,
                    clear_level=5.0,
                    minutes=0,
                    action_case="04.03" in categories,
                    case_category="04.03",
                    case_priority="urgent",
                ),
            ]
        streets = {c.parent_id: c.parent for c in communities if c.parent is not None}
        for street in streets.values():
            rules += [
                _rule(
                    f"{street.name}水位计离线",
                    street,
                    type="silence",
                    sensor_kind=SensorKind.WATER_LEVEL,
                    minutes=60,
                ),
                _rule(
                    f"{street.name}短时强降雨",
                    street,
                    type="threshold",
                    sensor_kind=SensorKind.RAINFALL,
                    fire_level=5.0,
                    clear_level=2.0,
                    minutes=0,
                ),
                _rule(
                    f"{street.name}广场人群聚集",
                    street,
                    type="threshold",
                    sensor_kind=SensorKind.CROWD,
                    fire_level=4.0,
                    clear_level=3.0,
                    minutes=10,
                ),
            ]
        Sensor.objects.bulk_create(sensors)
        Rule.objects.bulk_create(rules)
        new: dict[int, list[tuple[dt.datetime, float]]] = {}
        stamps = [connection.ops.adapt_datetimefield_value(t) for t in times]
        table = connection.ops.quote_name(Reading._meta.db_table)
        sql = f"INSERT INTO {table} (sensor_id, at, value) VALUES (%s, %s, %s)"  # noqa: S608
        with connection.cursor() as cursor:
            for sensor in sensors:
                heavy, leak = plan[sensor.code]
                values = _series(sensor.kind, n, _rng(seed, sensor.code), heavy, leak, start)
                new[sensor.pk] = list(zip(times, values, strict=True))
                cursor.executemany(
                    sql, [(sensor.pk, t, v) for t, v in zip(stamps, values, strict=True)]
                )
                sensor.last_at, sensor.last_value = times[-1], values[-1]
        Sensor.objects.bulk_update(sensors, ["last_at", "last_value"])
        loaded = Sensor.objects.select_related("grid__parent").in_bulk([s.pk for s in sensors])
        evaluate_readings(loaded, new)
        counts.update(
            sensors=len(sensors),
            sensor_rules=len(rules),
            readings=len(sensors) * n,
            rule_events=RuleEvent.objects.filter(sensor__in=loaded).count(),
        )
    return counts
