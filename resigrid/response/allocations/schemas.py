"""Schemas of the allocations API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = Field(None, description="The plan's or line's current state")


class PlanIn(Schema):
    title: str = Field(..., max_length=160)
    area_id: int | None = None
    incident_id: int | None = None
    needed_by: dt.date | None = None
    from_plan: bool = False


class NeedIn(Schema):
    grid_id: int
    item_id: int
    quantity: int = Field(..., ge=0, le=10_000_000)


class NeedsIn(Schema):
    needs: list[NeedIn] = Field(..., max_length=20_000)


class CancelIn(Schema):
    reason: str = Field("", max_length=500)


class ConfirmIn(Schema):
    received_quantity: int = Field(..., ge=0, le=10_000_000)
    note: str = Field("", max_length=500)


class PlanOut(Schema):
    id: int
    title: str
    state: str
    area_id: int
    area_name: str
    incident_id: int | None
    needed_by: dt.date
    total_distance_m: int
    total_shortage: int
    computed_at: dt.datetime | None
    figures: dict[str, Any]


class NeedOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    item_id: int
    item_name: str
    uom: str
    quantity: int
    source: str
    per_thousand: str | None
    population: int | None
    shortage: int


class LineOut(Schema):
    id: int
    plan_id: int
    depot_id: int
    depot_name: str
    depot_lon: float
    depot_lat: float
    batch_number: str
    expiry: dt.date | None
    grid_id: int
    grid_name: str
    item_id: int
    item_name: str
    uom: str
    quantity: int
    distance_m: int
    state: str
    received_quantity: int | None
    received_note: str


class PlanDetailOut(PlanOut):
    needs: list[NeedOut]
    lines: list[LineOut]
