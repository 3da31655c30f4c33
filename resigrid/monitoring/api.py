"""Monitoring API: readings in bulk, sensors, their readings over time, rules and their states.

Thin: parse → `visible_to` → service → schema. `POST /readings` takes a JSON array of up to
10,000 readings (session or `Authorization: Bearer <personal access token>` of a gateway account
with the send right on the sensors' grids, or of an account of the sensors' owner unit) and
answers 200 with per-item errors while keeping the good items; a body that is not such an array
answers 422. Sensors and rules outside the caller's scope answer 404, changes without the right
403, bad input 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from resigrid.areas.models import Area
from resigrid.core.errors import ValidationFailed
from resigrid.monitoring import reads, services
from resigrid.monitoring.choices import SensorKind
from resigrid.monitoring.ingest import ReadingIn, ingest
from resigrid.monitoring.models import Rule, RuleState, Sensor
from resigrid.monitoring.permissions import can_view_monitoring
from resigrid.monitoring.schemas import (
    ErrorOut,
    ReadingItemIn,
    ReadingsOut,
    RuleIn,
    RuleOut,
    RulePatchIn,
    SensorIn,
    SensorOut,
    SensorPatchIn,
    SeriesOut,
)

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_POINTS = 5000
MAX_RANGE_DAYS = 366


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


# Readings ---------------------------------------------------------------------------------------


@router.post(
    "/readings",
    response={200: ReadingsOut, 422: ErrorOut},
    summary="Send readings (a JSON array of up to 10,000; per-item errors, good items kept)",
)
def post_readings(request: HttpRequest, items: list[ReadingItemIn]) -> dict[str, Any]:
    result = ingest(
        actor=_user(request),
        items=[ReadingIn(sensor=i.sensor, value=i.value, at=i.at) for i in items],
    )
    return {
        "received": result.received,
        "stored": result.stored,
        "duplicates": result.duplicates,
        "rejected": len(result.errors),
        "errors": [vars(e) for e in result.errors],
        "events": [vars(e) for e in result.events],
    }


# Sensors ----------------------------------------------------------------------------------------


def sensor_out(s: Sensor) -> dict[str, Any]:
    community = services.community_of(s.grid)
    return {
        "id": s.pk,
        "code": s.code,
        "kind": s.kind,
        "kind_label": str(SensorKind(s.kind).label),
        "name": s.name,
        "lon": s.lon,
        "lat": s.lat,
        "grid_code": s.grid.code,
        "grid_name": s.grid.name,
        "community_name": community.name,
        "owner_unit_id": s.owner_unit_id,
        "owner_unit_name": s.owner_unit.name if s.owner_unit else None,
        "unit": s.unit,
        "min_valid": s.min_valid,
        "max_valid": s.max_valid,
        "active": s.active,
        "last_value": s.last_value,
        "last_at": s.last_at,
    }


@router.get("/sensors", response=list[SensorOut], summary="Visible sensors with their last value")
def list_sensors(request: HttpRequest, kind: str = "", area_code: str = "") -> list[dict[str, Any]]:
    return [
        sensor_out(s) for s in reads.sensors_for(_user(request), kind=kind, area_code=area_code)
    ]


@router.post("/sensors", response={201: SensorOut, **_ERRORS}, summary="Add a sensor")
def create_sensor(request: HttpRequest, payload: SensorIn) -> Status[dict[str, Any]]:
    sensor = services.create_sensor(
        actor=_user(request), data=services.SensorData(**payload.model_dump())
    )
    return Status(201, sensor_out(reads.sensor_or_404(_user(request), sensor.pk)))


@router.get("/sensors/{sensor_id}", response={200: SensorOut, 404: ErrorOut})
def get_sensor(request: HttpRequest, sensor_id: int) -> dict[str, Any]:
    return sensor_out(reads.sensor_or_404(_user(request), sensor_id))


@router.patch("/sensors/{sensor_id}", response={200: SensorOut, **_ERRORS})
def patch_sensor(request: HttpRequest, sensor_id: int, payload: SensorPatchIn) -> dict[str, Any]:
    user = _user(request)
    sensor = reads.sensor_or_404(user, sensor_id)
    services.update_sensor(
        actor=user, sensor=sensor, changes=payload.model_dump(exclude_unset=True)
    )
    return sensor_out(reads.sensor_or_404(user, sensor_id))


@router.delete("/sensors/{sensor_id}", response={204: None, **_ERRORS})
def delete_sensor(request: HttpRequest, sensor_id: int) -> Status[None]:
    user = _user(request)
    services.delete_sensor(actor=user, sensor=reads.sensor_or_404(user, sensor_id))
    return Status(204, None)


class RangeIn(Schema):
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    points: int = 500


@router.get(
    "/sensors/{sensor_id}/readings",
    response={200: SeriesOut, 404: ErrorOut, 422: ErrorOut},
    summary="Readings over a time range (default the last 24 hours), downsampled to `points`",
)
def sensor_readings(request: HttpRequest, sensor_id: int, q: Query[RangeIn]) -> dict[str, Any]:
    sensor = reads.sensor_or_404(_user(request), sensor_id)
    end = q.end or timezone.now()
    start = q.start or end - dt.timedelta(hours=24)
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if timezone.is_naive(end):
        end = timezone.make_aware(end)
    if start >= end:
        raise _fail("start", _("The start must come before the end."))
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        raise _fail("start", _("At most %(n)d days at once.") % {"n": MAX_RANGE_DAYS})
    if not 2 <= q.points <= MAX_POINTS:
        raise _fail("points", _("Between 2 and %(n)d points.") % {"n": MAX_POINTS})
    s = reads.series(sensor, start, end, q.points)
    return {
        "sensor_id": sensor.pk,
        "start": s.start,
        "end": s.end,
        "bucket_seconds": s.bucket_seconds,
        "points": [vars(p) for p in s.points],
    }


# Rules ------------------------------------------------------------------------------------------


def _state_out(st: RuleState) -> dict[str, Any]:
    return {
        "sensor_id": st.sensor_id,
        "sensor_code": st.sensor.code,
        "state": st.state,
        "since": st.since,
        "pending_since": st.pending_since,
        "last_value": st.last_value,
        "last_fired_at": st.last_fired_at,
        "fire_count": st.fire_count,
        "last_alert_id": st.last_alert_id,
        "last_case_id": st.last_case_id,
        "last_error": st.last_error,
    }


def rule_out(rule: Rule, states: list[RuleState]) -> dict[str, Any]:
    out = {name: getattr(rule, name) for name in services.RULE_CHANGES}
    out.update(
        id=rule.pk,
        area_code=rule.area.code,
        area_name=rule.area.name,
        states=[_state_out(st) for st in states],
    )
    return out


def _rule_out(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _user(request)
    rule = reads.rule_or_404(user, pk)
    return rule_out(rule, reads.states_of([rule], user)[rule.pk])


def _area_id(code: str | None, field: str) -> int | None:
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise _fail(field, _("Unknown area %(code)s.") % {"code": code})
    return area.pk


def _rule_changes(data: dict[str, Any]) -> dict[str, Any]:
    for name in ("area", "alert_target_area", "alert_issuer_area"):
        if f"{name}_code" in data:
            data[f"{name}_id"] = _area_id(data.pop(f"{name}_code"), f"{name}_code")
    return data


@router.get("/rules", response=list[RuleOut], summary="Visible rules with their states")
def list_rules(
    request: HttpRequest, sensor_id: int | None = None, state: str = ""
) -> list[dict[str, Any]]:
    user = _user(request)
    if not can_view_monitoring(user):
        return []
    sensor = reads.sensor_or_404(user, sensor_id) if sensor_id is not None else None
    rules = list(reads.rules_for(user, sensor=sensor, state=state))
    states = reads.states_of(rules, user)
    return [rule_out(r, states[r.pk]) for r in rules]


@router.post("/rules", response={201: RuleOut, **_ERRORS}, summary="Add a rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    data = _rule_changes(payload.model_dump())
    rule = services.create_rule(actor=_user(request), data=services.RuleData(**data))
    return Status(201, _rule_out(request, rule.pk))


@router.get("/rules/{rule_id}", response={200: RuleOut, 404: ErrorOut})
def get_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return _rule_out(request, rule_id)


@router.patch("/rules/{rule_id}", response={200: RuleOut, **_ERRORS})
def patch_rule(request: HttpRequest, rule_id: int, payload: RulePatchIn) -> dict[str, Any]:
    user = _user(request)
    rule = reads.rule_or_404(user, rule_id)
    changes = _rule_changes(payload.model_dump(exclude_unset=True))
    services.update_rule(actor=user, rule=rule, changes=changes)
    return _rule_out(request, rule_id)


@router.delete("/rules/{rule_id}", response={204: None, **_ERRORS})
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    user = _user(request)
    services.delete_rule(actor=user, rule=reads.rule_or_404(user, rule_id))
    return Status(204, None)
