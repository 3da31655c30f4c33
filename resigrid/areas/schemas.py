"""Typed request and response bodies of the areas API."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from resigrid.areas.locator import MAX_BULK_POINTS

Crs = Literal["wgs84", "gcj02"]
LevelName = Literal["district", "street", "community", "grid"]


class AreaBrief(Schema):
    code: str
    name: str
    level: str


class AreaNode(Schema):
    """One node of the visible tree, with its visible children."""

    code: str
    name: str
    level: str
    grid_kind: str
    population: int
    households: int
    centroid_lon: float | None
    centroid_lat: float | None
    children: list[AreaNode]


class AreaDetail(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    grid_kind: str
    population: int
    households: int
    centroid_lon: float | None
    centroid_lat: float | None
    area_m2: float | None
    boundary: dict[str, Any] | None
    buildings: int
    children: list[AreaBrief]
    can_edit: bool
    can_import: bool


class AreaCreateIn(Schema):
    code: str = Field(..., description="15 digits, e.g. 330106001001003 for a grid")
    name: str
    level: LevelName
    parent_code: str | None = Field(None, description="Required except for a district")
    boundary: dict[str, Any] | None = Field(None, description="GeoJSON Polygon/MultiPolygon")
    population: int = Field(0, ge=0)
    households: int = Field(0, ge=0)
    grid_kind: Literal["", "comprehensive", "special"] = ""


class AreaPatchIn(Schema):
    """Only the fields given change; code, level and parent are fixed."""

    name: str | None = None
    boundary: dict[str, Any] | None = None
    population: int | None = Field(None, ge=0)
    households: int | None = Field(None, ge=0)
    grid_kind: Literal["comprehensive", "special"] | None = None


class LocateOut(Schema):
    code: str
    name: str
    level: str
    community_code: str | None
    community_name: str | None
    lon: float = Field(..., description="The point in WGS84")
    lat: float


class BulkLocateIn(Schema):
    points: list[tuple[float, float]] = Field(
        ..., max_length=MAX_BULK_POINTS, description="[[lon, lat], ...]"
    )
    crs: Crs = "wgs84"


class BulkLocateOut(Schema):
    codes: list[str | None]
    located: int
    outside: int


class FeatureErrorOut(Schema):
    index: int = Field(..., description="0-based position of the feature in the file")
    code: str
    field: str
    message: str


class ImportReportOut(Schema):
    dry_run: bool
    ok: bool
    features: int
    created: int
    updated: int
    unchanged: int
    errors: list[FeatureErrorOut]


class ImportFailedOut(Schema):
    """422 for an import: the pydantic-style list plus the full report."""

    detail: list[dict[str, Any]]
    report: ImportReportOut


class ErrorOut(Schema):
    detail: Any
