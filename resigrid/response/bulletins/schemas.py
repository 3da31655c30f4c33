"""Schemas of the bulletins API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    state: str | None = None


class DraftIn(Schema):
    area_id: int
    kind: str = Field(max_length=10)
    title: str = Field(max_length=200)
    body: str = Field(max_length=10000)
    rumour: str = Field("", max_length=2000)
    incident_id: int | None = None


class EditIn(Schema):
    title: str = Field(max_length=200)
    body: str = Field(max_length=10000)
    rumour: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    reason: str = Field(max_length=2000)


class BulletinOut(Schema):
    id: int
    incident_id: int | None
    area_id: int
    area_code: str
    area_name: str
    kind: str
    title: str
    body: str
    rumour: str
    state: str
    drafted_by: str
    drafted_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdraw_reason: str


class PublicOut(Schema):
    """What anyone may read: no names of staff."""

    id: int
    area_code: str
    area_name: str
    kind: str
    title: str
    body: str
    rumour: str
    published_at: dt.datetime
