"""API schemas of alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = Field(None, description="The alert's current state")


class DraftIn(Schema):
    issuer_area_id: int
    target_area_ids: list[int] = Field(..., description="Areas covered, inside the issuer's")
    kind: str = Field("warning", description="warning, notice or directive")
    level: str = Field("", description="blue, yellow, orange or red (a warning needs one)")
    category: str = "Other"
    event: str
    headline: str
    description: str
    instruction: str = ""
    urgency: str = "Expected"
    severity: str = ""
    certainty: str = "Likely"
    area_desc: str = ""
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    ack_minutes: int = 30
    cascade: str = Field("direct", description="direct (everyone at once) or relay")
    polygons: list[Any] = Field(default_factory=list)


class UpdateIn(Schema):
    changes: dict[str, Any] = Field(..., description="Fields of the update (headline, level, …)")


class CancelIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)


class ForwardIn(Schema):
    local_addition: str = Field("", max_length=2000)


class TokenIn(Schema):
    token: str = Field(..., max_length=200)


class ReceiptOut(Schema):
    id: int
    alert_id: int
    role: str
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    ack_channel: str


class AlertOut(Schema):
    id: int
    identifier: str
    sender: str
    sender_name: str
    sent: dt.datetime | None
    status: str
    msg_type: str
    scope: str
    references: str
    supersedes_id: int | None
    kind: str
    level: str
    state: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    effective: dt.datetime | None
    onset: dt.datetime | None
    expires: dt.datetime | None
    area_desc: str
    geocodes: list[Any]
    issuer_area_id: int
    cascade: str
    ack_minutes: int
    content_sha256: str
    note: str


class AlertDetailOut(AlertOut):
    target_area_ids: list[int]
    receipt: ReceiptOut | None = None


class RelayOut(Schema):
    id: int
    area_id: int
    parent_id: int | None
    received_at: dt.datetime
    received_sha256: str
    intact: bool
    acknowledged_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    local_addition: str


class RelayCheckOut(Schema):
    relay_id: int
    area_id: int
    area_name: str
    received_sha256: str
    intact: bool


class VerifyOut(Schema):
    alert_id: int
    expected: str
    actual: str
    intact: bool
    relays: list[RelayCheckOut]


class BoardRowOut(Schema):
    area_id: int
    code: str
    name: str
    recipients: int
    delivered: int
    read: int
    acknowledged: int
    overdue: int
    visits_open: int
    visits_done: int
    delivered_pct: float
    read_pct: float
    acknowledged_pct: float


class BoardOut(Schema):
    area_id: int
    total: BoardRowOut
    grids: list[BoardRowOut]


class RelayDelayOut(Schema):
    relay_id: int
    area_id: int
    area_name: str
    level: str
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    to_acknowledge: float | None
    to_forward: float | None
    intact: bool


class DelaysOut(Schema):
    relays: list[RelayDelayOut]
    medians: dict[str, dict[str, float | None]]
