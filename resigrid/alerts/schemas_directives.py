"""API schemas of directives (a level's report back, the issuer's view of the reports, a case
handed to a receiving area, 上级交办) and of the coverage board with its level rows."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from resigrid.alerts.schemas import BoardOut, BoardRowOut
from resigrid.registers.choices import Priority


class ReportIn(Schema):
    report: str = Field(max_length=20000)


class RelayReportOut(Schema):
    id: int
    area_id: int
    acknowledged_at: dt.datetime | None
    reported_at: dt.datetime | None
    report: str


class LevelReportOut(Schema):
    relay_id: int
    area_id: int
    area_name: str
    level: str
    received_at: dt.datetime
    due_at: dt.datetime
    reported_at: dt.datetime | None
    report: str
    state: str
    updates: int


class ReportsOut(Schema):
    alert_id: int
    reported: int
    late: int
    waiting: int
    levels: list[LevelReportOut]


class CaseIn(Schema):
    category: str = Field(max_length=40)
    title: str = Field("", max_length=120)
    description: str = Field("", max_length=4000)
    lon: float | None = None
    lat: float | None = None
    address: str = Field("", max_length=200)
    priority: str = Priority.NORMAL


class CaseOut(Schema):
    id: int
    tracking_code: str
    source: str
    external_id: str
    grid_id: int
    title: str


class BoardLevelsOut(BoardOut):
    """The board: `grids` and `total` count the people of each grid; `levels` the staff of each
    level above the grids; `everyone` both."""

    levels: list[BoardRowOut]
    everyone: BoardRowOut
