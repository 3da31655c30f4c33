"""Reads for the API and the pages: scoped sensor and rule lists, readings over a time range
downsampled in the database, sparklines."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, FloatField, Func, Max, Min, Q, Value
from django.db.models.functions import Floor
from django.utils.translation import gettext as _

from resigrid.areas.codes import ancestor_codes
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError
from resigrid.monitoring.choices import StateValue
from resigrid.monitoring.models import Reading, Rule, RuleState, Sensor


class Epoch(Func):
    """Seconds since 1970 of a timestamp, on PostgreSQL and on SQLite (which stores UTC text)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


def sensors_for(user: Any, *, kind: str = "", area_code: str = "") -> Any:
    qs = Sensor.objects.visible_to(user).select_related("grid__parent", "owner_unit")
    if kind:
        qs = qs.filter(kind=kind)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        qs = qs.filter(grid__code__startswith=area.scope_prefix) if area else qs.none()
    return qs.order_by("grid__code", "kind", "code")


def sensor_or_404(user: Any, pk: int) -> Sensor:
    sensor = Sensor.objects.visible_to(user).select_related("grid__parent", "owner_unit")
    found = sensor.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("No such sensor."))
    return found


def rules_for(user: Any, *, sensor: Sensor | None = None, state: str = "") -> Any:
    qs = Rule.objects.visible_to(user).select_related("area", "sensor")
    if sensor is not None:
        qs = qs.filter(
            Q(sensor=sensor)
            | Q(
                sensor__isnull=True,
                sensor_kind=sensor.kind,
                area__code__in=[*ancestor_codes(sensor.grid.code), sensor.grid.code],
            )
        )
    if state:
        qs = qs.filter(states__state=state).distinct()
    return qs.order_by("area__code", "name", "pk")


def rule_or_404(user: Any, pk: int) -> Rule:
    rule = Rule.objects.visible_to(user).select_related("area", "sensor").filter(pk=pk).first()
    if rule is None:
        raise NotFoundError(_("No such rule."))
    return rule


def states_of(rules: Sequence[Rule], user: Any) -> dict[int, list[RuleState]]:
    """The states of the rules over the sensors the user sees, firing first."""
    visible = Sensor.objects.visible_to(user).values("pk")
    out: dict[int, list[RuleState]] = {r.pk: [] for r in rules}
    qs = (
        RuleState.objects.filter(rule__in=[r.pk for r in rules], sensor__in=visible)
        .select_related("sensor")
        .order_by("rule_id", "state", "sensor__code")  # firing < ok
    )
    for st in qs:
        out[st.rule_id].append(st)
    return out


def state_board(user: Any, limit: int = 200) -> list[RuleState]:
    """Rule states over visible sensors and rules: firing ones first, the latest change first."""
    visible = Sensor.objects.visible_to(user).values("pk")
    rules = Rule.objects.visible_to(user).values("pk")
    qs = RuleState.objects.filter(sensor__in=visible, rule__in=rules).select_related(
        "rule", "sensor", "last_alert", "last_case"
    )
    firing = list(qs.filter(state=StateValue.FIRING).order_by("-since", "pk")[:limit])
    rest = list(qs.exclude(state=StateValue.FIRING).order_by("-since", "pk")[: limit - len(firing)])
    return firing + rest


# Readings ---------------------------------------------------------------------------------------


@dataclass
class Point:
    at: dt.datetime
    value: float  # the mean of the bucket
    min: float
    max: float
    count: int


@dataclass
class Series:
    start: dt.datetime
    end: dt.datetime
    bucket_seconds: int  # 0: raw readings
    points: list[Point] = field(default_factory=list)


def series(sensor: Sensor, start: dt.datetime, end: dt.datetime, points: int) -> Series:
    """The readings in [start, end]: raw when there are at most `points` of them, otherwise the
    mean, minimum and maximum of `points` equal time buckets (computed by the database)."""
    qs = Reading.objects.filter(sensor=sensor, at__gte=start, at__lte=end)
    if qs.count() <= points:
        rows = qs.order_by("at").values_list("at", "value")
        return Series(start, end, 0, [Point(t, v, v, v, 1) for t, v in rows])
    width = max(1, math.ceil((end - start).total_seconds() / points))
    buckets = _bucketed(qs, start, width).values("bucket")
    agg = buckets.annotate(avg=Avg("value"), lo=Min("value"), hi=Max("value"), n=Count("id"))
    out = Series(start, end, width)
    for row in agg.order_by("bucket"):
        at = start + dt.timedelta(seconds=int(row["bucket"]) * width)
        out.points.append(Point(at, row["avg"], row["lo"], row["hi"], row["n"]))
    return out


def _bucketed(qs: Any, start: dt.datetime, width: int) -> Any:
    origin = Value(start.timestamp(), output_field=FloatField())
    size = Value(float(width), output_field=FloatField())
    return qs.annotate(bucket=Floor((Epoch("at") - origin) / size))


def sparklines(
    sensor_ids: Sequence[int], start: dt.datetime, end: dt.datetime, buckets: int = 48
) -> dict[int, list[float | None]]:
    """Per sensor, the mean of each of `buckets` equal slices of [start, end) (None: no data)."""
    width = max(1, math.ceil((end - start).total_seconds() / buckets))
    out: dict[int, list[float | None]] = {sid: [None] * buckets for sid in sensor_ids}
    if not sensor_ids:
        return out
    qs = Reading.objects.filter(sensor_id__in=list(sensor_ids), at__gte=start, at__lt=end)
    rows = _bucketed(qs, start, width).values("sensor_id", "bucket").annotate(avg=Avg("value"))
    for row in rows:
        i = int(row["bucket"])
        if 0 <= i < buckets:
            out[row["sensor_id"]][i] = row["avg"]
    return out


def sparkline_points(values: Sequence[float | None], width: int = 120, height: int = 28) -> str:
    """An SVG polyline `points` attribute for the values (gaps skipped), 2 px of margin."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 4) / max(1, len(values) - 1)
    coords = []
    for i, v in enumerate(values):
        if v is None:
            continue
        x = 2 + i * step
        y = 2 + (height - 4) * (1 - (v - low) / span)
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)
