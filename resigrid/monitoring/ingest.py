"""Readings in: one batch from the HTTP endpoint or the MQTT subscriber.

Each item is checked on its own (unknown or inactive sensor, a sensor the caller may not send
for, a value that is not a finite number or lies outside the sensor's valid range, a time that
cannot be read, lies too far in the future or too far back); the good items are stored and the
bad ones reported by index. A reading already stored (same sensor and time) is counted as a
duplicate and stored once, so a resent batch changes nothing. Then the rules of the sensors that
got new readings are evaluated in the same transaction (evaluation.py).

`at` may be an ISO 8601 time (a naive one is read in the site's time zone), a Unix time in
seconds or milliseconds, or absent (the time of arrival).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed
from resigrid.monitoring import conf
from resigrid.monitoring.bulk import ValueIn, insert_readings, update_rows
from resigrid.monitoring.evaluation import Fired, evaluate_readings
from resigrid.monitoring.models import Reading, Sensor
from resigrid.monitoring.permissions import SendAccess
from resigrid.monitoring.rows import SENSOR_FIELDS, SensorRow

MS_THRESHOLD = 1e11  # a Unix time above this is in milliseconds (1e11 s is the year 5138)


@dataclass
class ReadingIn:
    sensor: Any  # the sensor code
    value: Any
    at: Any = None


@dataclass
class ItemError:
    index: int
    field: str
    code: str  # unknown_sensor, inactive, not_numeric, out_of_range, bad_time, future, too_old
    message: str


@dataclass
class BatchResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[ItemError] = field(default_factory=list)
    events: list[Fired] = field(default_factory=list)


def number(value: Any) -> float | None:
    """A finite float from a JSON number or a numeric string; None otherwise (booleans too)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            x = float(value)
        elif isinstance(value, str):
            x = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def moment(value: Any, now: dt.datetime) -> dt.datetime | None:
    """An aware datetime from ISO 8601 text or Unix seconds/milliseconds; None when unreadable."""
    if value is None:
        return now
    if isinstance(value, dt.datetime):
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(
            dt.UTC
        )
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):
            return None
        if abs(seconds) >= MS_THRESHOLD:
            seconds /= 1000.0
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            return None
        if parsed is None:
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.astimezone(dt.UTC)
    return None


def _limits(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    ahead = dt.timedelta(minutes=int(conf.get("MONITORING_MAX_FUTURE_MINUTES")))
    back = dt.timedelta(days=int(conf.get("MONITORING_MAX_AGE_DAYS")))
    return now - back, now + ahead


def _range_text(sensor: SensorRow) -> str:
    low = "−∞" if sensor.min_valid is None else f"{sensor.min_valid:g}"
    high = "+∞" if sensor.max_valid is None else f"{sensor.max_valid:g}"
    return f"[{low}, {high}] {sensor.unit}".strip()


@dataclass
class _Good:
    sensor: SensorRow
    at: dt.datetime
    value: float


def check(
    items: Sequence[ReadingIn],
    sensors: dict[str, SensorRow],
    access: SendAccess | None,
    now: dt.datetime,
    result: BatchResult,
) -> list[_Good]:
    """The good items, first of each (sensor, time); errors and in-batch repeats go to `result`."""
    earliest, latest = _limits(now)
    good: list[_Good] = []
    seen: set[tuple[int, dt.datetime]] = set()
    allowed: dict[int, bool] = {}

    def fail(index: int, name: str, code: str, message: str) -> None:
        result.errors.append(ItemError(index, name, code, message))

    for index, item in enumerate(items):
        code = item.sensor if isinstance(item.sensor, str) else None
        sensor = sensors.get(code) if code else None
        if sensor is not None and access is not None:
            if sensor.pk not in allowed:
                allowed[sensor.pk] = access.allows(sensor.grid_code, sensor.owner_unit_id)
            if not allowed[sensor.pk]:
                sensor = None
        if sensor is None:
            fail(
                index,
                "sensor",
                "unknown_sensor",
                _("Unknown sensor %(code)s.") % {"code": repr(item.sensor)},
            )
            continue
        if not sensor.active:
            fail(
                index,
                "sensor",
                "inactive",
                _("The sensor %(code)s is switched off.") % {"code": sensor.code},
            )
            continue
        value = number(item.value)
        if value is None:
            fail(
                index,
                "value",
                "not_numeric",
                _("The value must be a number; got %(value)s.") % {"value": repr(item.value)[:40]},
            )
            continue
        if (sensor.min_valid is not None and value < sensor.min_valid) or (
            sensor.max_valid is not None and value > sensor.max_valid
        ):
            fail(
                index,
                "value",
                "out_of_range",
                _("%(value)g lies outside the valid range %(range)s of the sensor.")
                % {"value": value, "range": _range_text(sensor)},
            )
            continue
        at = moment(item.at, now)
        if at is None:
            fail(
                index,
                "at",
                "bad_time",
                _("Give the time as ISO 8601 or Unix seconds; got %(at)s.")
                % {"at": repr(item.at)[:40]},
            )
            continue
        if at > latest:
            fail(
                index,
                "at",
                "future",
                _("The time %(at)s lies in the future.") % {"at": at.isoformat()},
            )
            continue
        if at < earliest:
            fail(
                index,
                "at",
                "too_old",
                _("The time %(at)s is too far back.") % {"at": at.isoformat()},
            )
            continue
        key = (sensor.pk, at)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        good.append(_Good(sensor, at, value))
    return good


def _stored_already(
    good: list[_Good], last_at: dict[int, dt.datetime | None]
) -> set[tuple[int, dt.datetime]]:
    """Which of the good items are stored already. Every stored reading lies at or before its
    sensor's `last_at` (kept in the same transaction), so only those items can be repeats."""
    older: dict[int, list[dt.datetime]] = defaultdict(list)
    for g in good:
        last = last_at.get(g.sensor.pk)
        if last is not None and g.at <= last:
            older[g.sensor.pk].append(g.at)
    if not older:
        return set()
    q = Q(pk__in=[])
    for sid, times in older.items():
        q |= Q(sensor_id=sid, at__in=times)
    return set(Reading.objects.filter(q).values_list("sensor_id", "at"))


def ingest(
    *,
    actor: Any,
    items: Sequence[ReadingIn],
    now: dt.datetime | None = None,
    system: bool = False,
) -> BatchResult:
    """Store a batch of readings and evaluate the rules. `actor` must be allowed to send for each
    sensor (a role with the send right on its grid, or an account of its owner unit);
    `system=True` (the MQTT subscriber, whose broker authenticates devices) skips that check."""
    limit = int(conf.get("MONITORING_MAX_BATCH"))
    if len(items) > limit:
        raise ValidationFailed(
            _("At most %(n)d readings per request.") % {"n": limit}, field="items"
        )
    now = now or timezone.now()
    result = BatchResult(received=len(items))
    codes = {
        i.sensor
        for i in items
        if isinstance(i.sensor, str) and len(i.sensor) <= 64 and "\x00" not in i.sensor
    }
    access = None if system else SendAccess(actor)
    with transaction.atomic():
        # The sensors locked (in id order) for the whole batch: one batch at a time per sensor,
        # so that its newest time, the duplicates and its rule states are exact.
        locked = (
            Sensor.objects.select_for_update(of=("self",))
            .filter(ValueIn("code", codes, "varchar"))
            .order_by("pk")
            .values_list(*SENSOR_FIELDS)
        )
        sensors = {row.code: row for row in (SensorRow(*values) for values in locked)}
        good = check(items, sensors, access, now, result)
        if not good:
            return result
        heard = {row.pk: row.last_at for row in sensors.values()}
        stored = _stored_already(good, heard)
        fresh = [g for g in good if (g.sensor.pk, g.at) not in stored]
        result.duplicates += len(good) - len(fresh)
        insert_readings([(g.sensor.pk, g.at, g.value) for g in fresh])
        result.stored = len(fresh)
        new: dict[int, list[tuple[dt.datetime, float]]] = defaultdict(list)
        for g in fresh:
            new[g.sensor.pk].append((g.at, g.value))
        by_id = {g.sensor.pk: g.sensor for g in fresh}
        changed: list[SensorRow] = []
        for sid, readings in new.items():
            at, value = max(readings)
            sensor = by_id[sid]
            if sensor.last_at is None or at > sensor.last_at:
                sensor.last_at, sensor.last_value = at, value
                changed.append(sensor)
        update_rows(Sensor, ["last_at", "last_value"], changed)
        result.events = evaluate_readings(by_id, dict(new), heard).events
    return result
