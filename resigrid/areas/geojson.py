"""GeoJSON reads: an area subtree for export, and the grid layer for the map. No writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from resigrid.areas.codes import LEVEL_ORDER, Level
from resigrid.areas.geometry import GeometryError, area_m2, parse_boundary
from resigrid.areas.models import Area, AreaQuerySet

FeatureCollection = dict[str, Any]


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
