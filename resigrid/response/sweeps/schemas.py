"""Schemas of the sweeps API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    state: str | None = None


class StartIn(Schema):
    incident_id: int
    area_id: int
    deadline: dt.datetime


class SweepOut(Schema):
    id: int
    incident_id: int
    area_id: int
    area_code: str
    area_name: str
    deadline: dt.datetime
    state: str
    started_at: dt.datetime
    closed_at: dt.datetime | None


class GridOut(Schema):
    grid_id: int
    grid_code: str
    grid_name: str
    persons: int
    contacted: int
    safe: int
    needs_help: int
    unreachable: int
    pending: int


class ProgressOut(Schema):
    sweep: SweepOut
    persons: int
    contacted: int
    safe: int
    needs_help: int
    unreachable: int
    overdue: bool
    grids: list[GridOut]


class ContactOut(Schema):
    id: int
    sweep_id: int
    person_id: int
    name: str
    age: int
    grid_id: int
    grid_name: str
    address: str
    phone: str | None
    can_call: bool
    tags: list[str]
    needs: list[str]
    assigned_to: str
    outcome: str
    method: str
    note: str
    at: dt.datetime | None
    attempts: int


class ContactPageOut(Schema):
    items: list[ContactOut]
    total: int
    page: int
    page_size: int


class OutcomeIn(Schema):
    outcome: str = Field(max_length=20)
    method: str = Field(max_length=10)
    note: str = Field("", max_length=2000)
