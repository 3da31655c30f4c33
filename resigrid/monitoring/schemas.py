"""Monitoring API schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel


class ErrorOut(Schema):
    detail: Any


class ReadingItemIn(BaseModel):  # not a ninja Schema: its per-object validator costs ~40 µs
    """One reading. The value and time are checked per item (a bad one is reported by index and
    the rest are kept), so any JSON is accepted here."""

    sensor: Any = Field(..., description="The sensor code", examples=["WL-001"])
    value: Any = Field(..., description="A number (a numeric string is accepted)", examples=[2.85])
    at: Any = Field(
        None,
        description="ISO 8601 time (naive: Asia/Shanghai) or Unix seconds or milliseconds; "
        "absent: the time of arrival",
        examples=["2026-07-01T16:00:00+08:00"],
    )


class ItemErrorOut(Schema):
    index: int
    field: str
    code: str = Field(
        ...,
        description="unknown_sensor, inactive, not_numeric, out_of_range, bad_time, future or "
        "too_old",
    )
    message: str


class EventOut(Schema):
    rule_id: int
    sensor_id: int
    kind: str = Field(..., description="fire, clear or failed")
    at: datetime
    acted: bool
    alert_id: int | None
    case_id: int | None
    error: str


class ReadingsOut(Schema):
    received: int
    stored: int
    duplicates: int
    rejected: int
    errors: list[ItemErrorOut]
    events: list[EventOut]


class SensorOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    name: str
    lon: float
    lat: float
    grid_code: str
    grid_name: str
    community_name: str
    owner_unit_id: int | None
    owner_unit_name: str | None
    unit: str
    min_valid: float | None
    max_valid: float | None
    active: bool
    last_value: float | None
    last_at: datetime | None


class SensorIn(Schema):
    code: str = Field(..., description="Unique; the MQTT topic names the sensor by it")
    kind: str = Field(..., description="water_level, rainfall, smoke, gas, temperature, crowd "
                      "or count")  # fmt: skip
    name: str
    lon: float
    lat: float
    unit: str = Field("", description="Empty: the usual unit of the kind")
    min_valid: float | None = None
    max_valid: float | None = None
    owner_unit_id: int | None = None
    active: bool = True


class SensorPatchIn(Schema):
    kind: str | None = None
    name: str | None = None
    lon: float | None = None
    lat: float | None = None
    unit: str | None = None
    min_valid: float | None = None
    max_valid: float | None = None
    owner_unit_id: int | None = None
    active: bool | None = None


class PointOut(Schema):
    at: datetime
    value: float
    min: float
    max: float
    count: int


class SeriesOut(Schema):
    sensor_id: int
    start: datetime
    end: datetime
    bucket_seconds: int = Field(..., description="0: raw readings; else the bucket width")
    points: list[PointOut]


class StateOut(Schema):
    sensor_id: int
    sensor_code: str
    state: str
    since: datetime | None
    pending_since: datetime | None
    last_value: float | None
    last_fired_at: datetime | None
    fire_count: int
    last_alert_id: int | None
    last_case_id: int | None
    last_error: str


class RuleOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    sensor_id: int | None
    sensor_kind: str
    type: str
    direction: str
    fire_level: float | None
    clear_level: float | None
    minutes: int
    cooldown_minutes: int
    active: bool
    action_alert: bool
    alert_level: str
    alert_event: str
    alert_category: str
    alert_headline: str
    alert_description: str
    alert_instruction: str
    alert_target_area_id: int | None
    alert_issuer_area_id: int | None
    action_case: bool
    case_category: str
    case_priority: str
    states: list[StateOut]


class RuleIn(Schema):
    name: str
    type: str = Field(..., description="threshold, rate or silence")
    area_code: str | None = Field(None, description="Empty with a sensor: the sensor's grid")
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
    alert_category: str = "Met"
    alert_headline: str = ""
    alert_description: str = ""
    alert_instruction: str = ""
    alert_target_area_code: str | None = None
    alert_issuer_area_code: str | None = None
    action_case: bool = False
    case_category: str = ""
    case_priority: str = "urgent"


class RulePatchIn(Schema):
    name: str | None = None
    type: str | None = None
    area_code: str | None = None
    sensor_id: int | None = None
    sensor_kind: str | None = None
    direction: str | None = None
    fire_level: float | None = None
    clear_level: float | None = None
    minutes: int | None = None
    cooldown_minutes: int | None = None
    active: bool | None = None
    action_alert: bool | None = None
    alert_level: str | None = None
    alert_event: str | None = None
    alert_category: str | None = None
    alert_headline: str | None = None
    alert_description: str | None = None
    alert_instruction: str | None = None
    alert_target_area_code: str | None = None
    alert_issuer_area_code: str | None = None
    action_case: bool | None = None
    case_category: str | None = None
    case_priority: str | None = None
