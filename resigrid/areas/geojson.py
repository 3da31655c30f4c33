"""GeoJSON reads: an area subtree for export, and the grid layer for the map. No writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from resigrid.areas.codes import LEVEL_ORDER, Level, code_errors
from resigrid.areas.geometry import Boundary, GeometryError, area_m2, parse_boundary, to_geojson
from resigrid.areas.models import Area, AreaQuerySet

FeatureCollection = dict[str, Any]
NAME_MAX_LENGTH = 100


def _stored_area_m2(area: Area) -> float | None:
    """The saved area, or (for rows written outside the services) one measured now."""
    if area.area_m2 is not None:
        return area.area_m2
    if area.boundary is None:
        return None
    try:
        return area_m2(parse_boundary(area.boundary))
    except GeometryError:
        return None


def area_feature(area: Area) -> dict[str, Any]:
    """One area as a Feature carrying the properties `import_geojson` reads back."""
    props: dict[str, Any] = {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "population": area.population,
        "households": area.households,
    }
    if area.level == Level.GRID:
        props["grid_kind"] = area.grid_kind
    return {"type": "Feature", "id": area.code, "geometry": area.boundary, "properties": props}


def export_geojson(root: Area, *, level: Level | None = None) -> FeatureCollection:
    """The subtree of `root` (root included), parents before children; `level` restricts it."""
    qs = Area.objects.subtree(root)
    if level is not None:
        qs = qs.filter(level=level)
    rank = {lv.value: i for i, lv in enumerate(LEVEL_ORDER)}
    areas = sorted(qs, key=lambda a: (rank[a.level], a.code))
    return {
        "type": "FeatureCollection",
        "name": root.name,
        "features": [area_feature(a) for a in areas],
    }


def grids_feature_collection(grids: AreaQuerySet) -> FeatureCollection:
    """The grid layer of the map: one Feature per grid with its figures and density.

    `grids` is already filtered (visible_to); grids without a boundary are left out.
    """
    qs = (
        grids.filter(level=Level.GRID, boundary__isnull=False)
        .select_related("parent")
        .annotate(building_count=Count("buildings"))
        .order_by("code")
    )
    features = []
    for grid in qs:
        m2 = _stored_area_m2(grid)
        km2 = round(m2 / 1e6, 6) if m2 else None
        density = round(grid.population / (m2 / 1e6), 1) if m2 else None
        parent = grid.parent
        features.append(
            {
                "type": "Feature",
                "id": grid.code,
                "geometry": grid.boundary,
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "level": grid.level,
                    "grid_kind": grid.grid_kind,
                    "community_code": parent.code if parent else None,
                    "community_name": parent.name if parent else None,
                    "population": grid.population,
                    "households": grid.households,
                    "buildings": grid.building_count,  # type: ignore[attr-defined]
                    "area_km2": km2,
                    "density_per_km2": density,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- Reading an uploaded FeatureCollection (pure parsing; the service validates and writes) ---

MAX_IMPORT_FEATURES = 20_000


@dataclass(frozen=True)
class FeatureProblem:
    """One problem in an uploaded file: the feature's 0-based index, its code, the field."""

    index: int
    code: str
    field: str
    message: str


@dataclass
class FeatureRow:
    """One feature whose properties and geometry parsed cleanly."""

    index: int
    code: str
    name: str
    level: Level
    population: int
    households: int
    grid_kind: str
    geometry: Boundary | None
    boundary: dict[str, Any] | None


def _count(value: Any, field: str) -> tuple[int, str | None]:
    if value is None:
        return 0, None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return 0, _("%(field)s must be a whole number.") % {"field": field}
    if value < 0:
        return 0, _("%(field)s must not be negative.") % {"field": field}
    return int(value), None


def _parse_feature(index: int, feature: Any) -> tuple[FeatureRow | None, list[FeatureProblem]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [FeatureProblem(index, "", "type", _("Each item must be a GeoJSON Feature."))]
    props = feature.get("properties")
    if not isinstance(props, dict):
        props = {}
    raw_code = props.get("code")
    code = raw_code if isinstance(raw_code, str) else ""
    problems: list[FeatureProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(FeatureProblem(index, code, field, message))

    if not isinstance(raw_code, str) or not raw_code:
        problem("properties.code", _("The code is missing; give it as a string of 15 digits."))
    level: Level | None = None
    if props.get("level") not in Level.values:
        problem(
            "properties.level",
            _("The level must be one of: %(levels)s.") % {"levels": ", ".join(Level.values)},
        )
    else:
        level = Level(props["level"])
        if code:
            for msg in code_errors(code, level):
                problem("properties.code", msg)
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        problem("properties.name", _("The name is missing."))
        name = ""
    elif len(name.strip()) > NAME_MAX_LENGTH:
        problem(
            "properties.name",
            _("The name is longer than %(n)d characters.") % {"n": NAME_MAX_LENGTH},
        )
    population, err = _count(props.get("population"), _("Population"))
    if err:
        problem("properties.population", err)
    households, err = _count(props.get("households"), _("Households"))
    if err:
        problem("properties.households", err)
    grid_kind = props.get("grid_kind") or ""
    if grid_kind and (level != Level.GRID or grid_kind not in Area.GridKind.values):
        problem("properties.grid_kind", grid_kind_error(grid_kind, level))
    geometry: Boundary | None = None
    boundary = feature.get("geometry")
    if boundary is None:
        if level == Level.GRID:
            problem("geometry", _("A grid needs a boundary polygon."))
    else:
        try:
            geometry = parse_boundary(boundary)
        except GeometryError as exc:
            problem("geometry", exc.message)
    if problems or level is None:
        return None, problems
    row = FeatureRow(
        index=index,
        code=code,
        name=name.strip(),
        level=level,
        population=population,
        households=households,
        grid_kind=str(grid_kind),
        geometry=geometry,
        boundary=to_geojson(geometry) if geometry is not None else None,
    )
    return row, []


def grid_kind_error(grid_kind: str, level: Level | None) -> str:
    if level != Level.GRID:
        return _("Only a grid has a grid kind.")
    return _("Unknown grid kind %(kind)s; use one of: %(kinds)s.") % {
        "kind": repr(grid_kind),
        "kinds": ", ".join(Area.GridKind.values),
    }


def parse_feature_collection(data: Any) -> tuple[list[FeatureRow], list[FeatureProblem]]:
    """Parse every feature; raise GeometryError only when the file itself is not a collection."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeometryError(_("The file must be a GeoJSON FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list):
        raise GeometryError(_("The FeatureCollection has no list of features."))
    if not features:
        raise GeometryError(_("The FeatureCollection has no features."))
    if len(features) > MAX_IMPORT_FEATURES:
        raise GeometryError(
            _("A file may hold at most %(n)d features.") % {"n": MAX_IMPORT_FEATURES}
        )
    rows: list[FeatureRow] = []
    problems: list[FeatureProblem] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        row, found = _parse_feature(index, feature)
        problems.extend(found)
        if row is None:
            continue
        if row.code in seen:
            problems.append(
                FeatureProblem(
                    index, row.code, "properties.code", _("The code appears twice in the file.")
                )
            )
            continue
        seen.add(row.code)
        rows.append(row)
    return rows, problems


@dataclass
class ImportReport:
    dry_run: bool
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FeatureProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def row_changes_area(area: Area, row: FeatureRow) -> bool:
    """Whether importing `row` would change the stored `area`."""
    return (
        area.name != row.name
        or area.population != row.population
        or area.households != row.households
        or (area.level == Level.GRID and area.grid_kind != (row.grid_kind or area.grid_kind))
        or (row.boundary is not None and area.boundary != row.boundary)
    )
