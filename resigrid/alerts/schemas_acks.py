"""Schemas of the batched acknowledgement endpoint (`POST /api/alerts/acks`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema


class AckBatchIn(Schema):
    tokens: list[str] = Field(
        ..., description="Signed link tokens, 1 to 1,000 (the service says which bound failed)"
    )
    channel: Literal["sms", "app"] = Field(
        ..., description="sms: replies forwarded by a gateway; app: an offline queue synced"
    )


class AckResultOut(Schema):
    token_index: int = Field(..., description="Position of the token in the request")
    outcome: Literal["acknowledged", "already", "invalid", "expired", "closed"]
    acknowledged_at: dt.datetime | None = Field(
        None, description="When the recipient acknowledged (now, or the first time if already)"
    )


class AckBatchOut(Schema):
    acknowledged: int
    already: int
    invalid: int
    expired: int
    closed: int = Field(..., description="The alert can no longer be acknowledged (cancelled…)")
    results: list[AckResultOut]
