"""Sensors and rules: every change goes through here (readings: ingest.py; the silence sweep:
sweeper.py). Keyword-only, own the transaction, check the permission and the invariants."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resigrid.alerts.choices import CapCategory, Level
from resigrid.areas.codes import Level as AreaLevel
from resigrid.areas.locator import locate_point
from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.monitoring import rules
from resigrid.monitoring.choices import DEFAULT_UNITS, RuleType, SensorKind
from resigrid.monitoring.models import Rule, Sensor
from resigrid.monitoring.permissions import (
    can_draft_alerts_from,
    can_manage_sensors,
    can_open_cases_in,
)
from resigrid.orgs.models import Unit
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)


# Sensors --------------------------------------------------------------------------------------


@dataclass
class SensorData:
    code: str
    kind: str
    name: str
    lon: float
    lat: float
    unit: str = ""
    min_valid: float | None = None
    max_valid: float | None = None
    owner_unit_id: int | None = None
    active: bool = True


def _sensor_errors(d: SensorData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not CODE_PATTERN.match(d.code or ""):
        fail(
            "code",
            _(
                "1 to 64 letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit."
            ),
        )
    if d.kind not in SensorKind.values:
        fail("kind", _("Unknown sensor kind."))
    if not d.name.strip():
        fail("name", _("This field is required."))
    elif len(d.name) > 100:
        fail("name", _("At most %(n)d characters.") % {"n": 100})
    if len(d.unit) > 16:
        fail("unit", _("At most %(n)d characters.") % {"n": 16})
    for name in ("min_valid", "max_valid"):
        value = getattr(d, name)
        if value is not None and not math.isfinite(value):
            fail(name, _("Give a finite number."))
    if (
        d.min_valid is not None
        and d.max_valid is not None
        and math.isfinite(d.min_valid)
        and math.isfinite(d.max_valid)
        and d.min_valid > d.max_valid
    ):
        fail("max_valid", _("The highest valid value must not be below the lowest."))
    if d.owner_unit_id is not None and not Unit.objects.filter(pk=d.owner_unit_id).exists():
        fail("owner_unit_id", _("No such unit."))
    return errors


def _locate(d: SensorData, errors: dict[str, list[str]]) -> Area | None:
    try:
        return locate_point(lon=d.lon, lat=d.lat)  # type: ignore[no-any-return]
    except ValidationFailed as exc:
        for name, messages in (exc.errors or {exc.field or "lon": [str(exc.message)]}).items():
            errors.setdefault("lon" if name == "point" else name, []).extend(messages)
        return None


@transaction.atomic
def create_sensor(*, actor: Any, data: SensorData) -> Sensor:
    """A new sensor, located to the grid containing its point."""
    errors = _sensor_errors(data)
    if "code" not in errors and Sensor.objects.filter(code=data.code).exists():
        errors.setdefault("code", []).append(_("A sensor with this code exists already."))
    grid = _locate(data, errors)
    _raise(errors)
    assert grid is not None  # noqa: S101
    if not can_manage_sensors(actor, grid):
        raise PermissionDeniedError(_("You may not add sensors in %(area)s.") % {"area": grid.name})
    return Sensor.objects.create(
        code=data.code,
        kind=data.kind,
        name=data.name.strip(),
        lon=data.lon,
        lat=data.lat,
        grid=grid,
        owner_unit_id=data.owner_unit_id,
        unit=data.unit.strip() or DEFAULT_UNITS.get(data.kind, ""),
        min_valid=data.min_valid,
        max_valid=data.max_valid,
        active=data.active,
    )


SENSOR_CHANGES = frozenset(f.name for f in fields(SensorData)) - {"code"}


@transaction.atomic
def update_sensor(*, actor: Any, sensor: Sensor, changes: dict[str, Any]) -> Sensor:
    """Change any field but the code (the MQTT topic names the sensor by it); a moved sensor is
    located again and must stay in the actor's scope."""
    unknown = set(changes) - SENSOR_CHANGES
    if unknown:
        name = sorted(unknown)[0]
        _raise({name: [_("This field cannot be changed.")]})
    sensor = Sensor.objects.select_for_update().select_related("grid").get(pk=sensor.pk)
    if not can_manage_sensors(actor, sensor.grid):
        raise PermissionDeniedError(_("You may not change this sensor."))
    current = SensorData(
        code=sensor.code,
        kind=sensor.kind,
        name=sensor.name,
        lon=sensor.lon,
        lat=sensor.lat,
        unit=sensor.unit,
        min_valid=sensor.min_valid,
        max_valid=sensor.max_valid,
        owner_unit_id=sensor.owner_unit_id,
        active=sensor.active,
    )
    data = replace(current, **changes)
    errors = _sensor_errors(data)
    grid: Area | None = sensor.grid
    if (data.lon, data.lat) != (current.lon, current.lat):
        grid = _locate(data, errors)
    _raise(errors)
    assert grid is not None  # noqa: S101
    if not can_manage_sensors(actor, grid):
        raise PermissionDeniedError(
            _("You may not move the sensor to %(area)s.") % {"area": grid.name}
        )
    for name in SENSOR_CHANGES:
        setattr(sensor, name, getattr(data, name))
    sensor.name = data.name.strip()
    sensor.unit = data.unit.strip()
    sensor.grid = grid
    sensor.save()
    return sensor


@transaction.atomic
def delete_sensor(*, actor: Any, sensor: Sensor) -> None:
    """Remove a sensor with its readings, rule states and events (the alerts and cases its
    rules made stay)."""
    if not can_manage_sensors(actor, sensor.grid):
        raise PermissionDeniedError(_("You may not remove this sensor."))
    sensor.delete()


# Rules ----------------------------------------------------------------------------------------


@dataclass
class RuleData:
    name: str
    type: str
    area_id: int | None = None  # None with a sensor: the sensor's grid
    sensor_id: int | None = None
    sensor_kind: str = ""
    direction: str = "above"
    fire_level: float | None = None
    clear_level: float | None = None
    minutes: int = 0
    cooldown_minutes: int = 60
    active: bool = True
    action_alert: bool = False
    alert_level: str = ""
    alert_event: str = ""
    alert_category: str = CapCategory.MET
    alert_headline: str = ""
    alert_description: str = ""
    alert_instruction: str = ""
    alert_target_area_id: int | None = None
    alert_issuer_area_id: int | None = None
    action_case: bool = False
    case_category: str = ""
    case_priority: str = Priority.URGENT


RULE_CHANGES = frozenset(f.name for f in fields(RuleData))


def default_headline() -> str:
    return _("{sensor}: {kind} {value} {unit}")


def default_description() -> str:
    return _(
        "At {at} the sensor {sensor} ({code}) in {grid}, {community} read {value} {unit}; "
        "the rule “{rule}” fires at {level} {unit}."
    )


def community_of(area: Area) -> Area:
    """The community an area lies in (a grid's parent), or the area itself above that."""
    if area.level == AreaLevel.GRID and area.parent is not None:
        return area.parent
    return area


def _area(pk: int | None, name: str, errors: dict[str, list[str]]) -> Area | None:
    if pk is None:
        return None
    area = Area.objects.select_related("parent").filter(pk=pk).first()
    if area is None:
        errors.setdefault(name, []).append(_("Unknown area."))
    return area


@dataclass
class _Resolved:
    area: Area
    sensor: Sensor | None
    target: Area | None
    issuer: Area | None


def _rule_errors(d: RuleData) -> tuple[dict[str, list[str]], _Resolved | None]:
    errors = rules.spec_errors(
        rules.Spec(d.type, d.direction, d.fire_level, d.clear_level, d.minutes, d.cooldown_minutes)
    )

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not d.name.strip():
        fail("name", _("This field is required."))
    elif len(d.name) > 100:
        fail("name", _("At most %(n)d characters.") % {"n": 100})
    sensor = None
    if d.sensor_id is not None:
        sensor = Sensor.objects.select_related("grid__parent").filter(pk=d.sensor_id).first()
        if sensor is None:
            fail("sensor_id", _("No such sensor."))
    elif d.sensor_kind not in SensorKind.values:
        fail("sensor_kind", _("Choose a sensor, or a sensor kind and an area."))
    area = _area(d.area_id, "area_id", errors)
    if area is None and sensor is not None:
        area = sensor.grid
    if area is None and "area_id" not in errors:
        fail("area_id", _("Choose the area the rule covers."))
    if sensor is not None and area is not None and not sensor.grid.is_within(area):
        fail("sensor_id", _("The sensor lies outside the rule's area."))
    target = _area(d.alert_target_area_id, "alert_target_area_id", errors)
    issuer = _area(d.alert_issuer_area_id, "alert_issuer_area_id", errors)
    if d.action_alert:
        if d.alert_level not in Level.values:
            fail("alert_level", _("A warning needs a colour level (blue, yellow, orange or red)."))
        if not d.alert_event.strip():
            fail("alert_event", _("Name the event (e.g. rainstorm, flood)."))
        elif len(d.alert_event) > 100:
            fail("alert_event", _("At most %(n)d characters.") % {"n": 100})
        if d.alert_category not in CapCategory.values:
            fail("alert_category", _("Unknown CAP category."))
        for name in ("alert_headline", "alert_description"):
            message = rules.template_error(getattr(d, name))
            if message:
                fail(name, message)
        if len(d.alert_headline) > 160:
            fail("alert_headline", _("At most %(n)d characters.") % {"n": 160})
        if area is not None and issuer is not None:
            covered = target or community_of(area)
            if not covered.is_within(issuer):
                fail("alert_issuer_area_id", _("The issuing area must contain the covered area."))
    if d.action_case:
        if not Category.objects.leaves().filter(code=d.case_category).exists():
            fail("case_category", _("Unknown case category %(code)s.") % {"code": d.case_category})
        if d.case_priority not in Priority.values:
            fail("case_priority", _("Unknown priority."))
    if d.type == RuleType.SILENCE and d.fire_level is not None:
        fail("fire_level", _("A silence rule has no level."))
    if errors or area is None:
        return errors, None
    return errors, _Resolved(area, sensor, target, issuer)


def _check_rule_rights(actor: Any, d: RuleData, r: _Resolved) -> None:
    if not can_manage_sensors(actor, r.area):
        raise PermissionDeniedError(
            _("You may not manage sensor rules in %(area)s.") % {"area": r.area.name}
        )
    if d.action_alert:
        issuer = r.issuer or r.target or community_of(r.area)
        if not can_draft_alerts_from(actor, issuer):
            raise PermissionDeniedError(
                _("You may not issue alerts for %(area)s.") % {"area": issuer.name}
            )
    if d.action_case and not can_open_cases_in(actor, r.area):
        raise PermissionDeniedError(
            _("You may not open cases in %(area)s.") % {"area": r.area.name}
        )


def _fill(rule: Rule, d: RuleData, r: _Resolved) -> None:
    for name in RULE_CHANGES:
        setattr(rule, name, getattr(d, name))
    rule.name = d.name.strip()
    rule.area = r.area
    rule.sensor = r.sensor
    rule.sensor_kind = "" if r.sensor is not None else d.sensor_kind
    rule.alert_event = d.alert_event.strip()
    if d.action_alert:
        rule.alert_headline = d.alert_headline.strip() or default_headline()
        rule.alert_description = d.alert_description.strip() or default_description()


@transaction.atomic
def create_rule(*, actor: Any, data: RuleData) -> Rule:
    errors, resolved = _rule_errors(data)
    _raise(errors)
    assert resolved is not None  # noqa: S101
    _check_rule_rights(actor, data, resolved)
    rule = Rule()
    _fill(rule, data, resolved)
    rule.save()
    return rule


def rule_data(rule: Rule) -> RuleData:
    return RuleData(**{name: getattr(rule, name) for name in RULE_CHANGES})


@transaction.atomic
def update_rule(*, actor: Any, rule: Rule, changes: dict[str, Any]) -> Rule:
    """Change a rule. A change of type, direction or levels starts its states afresh (the
    sensors are evaluated again from their next reading)."""
    unknown = set(changes) - RULE_CHANGES
    if unknown:
        _raise({sorted(unknown)[0]: [_("This field cannot be changed.")]})
    rule = Rule.objects.select_for_update().select_related("area").get(pk=rule.pk)
    if not can_manage_sensors(actor, rule.area):
        raise PermissionDeniedError(_("You may not change this rule."))
    before = rule_data(rule)
    data = replace(before, **changes)
    errors, resolved = _rule_errors(data)
    _raise(errors)
    assert resolved is not None  # noqa: S101
    _check_rule_rights(actor, data, resolved)
    _fill(rule, data, resolved)
    rule.save()
    meaning = ("type", "direction", "fire_level", "clear_level", "minutes", "sensor_id")
    if any(getattr(before, n) != getattr(data, n) for n in meaning):
        rule.states.all().delete()
    elif before.sensor_kind != data.sensor_kind or before.area_id != data.area_id:
        rule.states.exclude(sensor_id__in=_sensors_of(rule)).delete()
    return rule


def _sensors_of(rule: Rule) -> list[int]:
    if rule.sensor_id is not None:
        return [rule.sensor_id]
    return list(
        Sensor.objects.filter(
            kind=rule.sensor_kind, grid__code__startswith=rule.area.scope_prefix
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def delete_rule(*, actor: Any, rule: Rule) -> None:
    if not can_manage_sensors(actor, rule.area):
        raise PermissionDeniedError(_("You may not remove this rule."))
    rule.delete()
