"""Helpers for the areas tests: a snapshot of every area and building row."""

from __future__ import annotations

from typing import Any

from resigrid.areas.models import Area, AreaChange, Building


def snapshot() -> tuple[list[tuple[Any, ...]], ...]:
    """Every area and building row and the audit rows, to prove a refused action changed nothing."""
    areas = list(
        Area.objects.order_by("pk").values_list(
            "pk",
            "code",
            "name",
            "level",
            "parent_id",
            "grid_kind",
            "boundary",
            "population",
            "households",
            "centroid_lon",
            "centroid_lat",
            "area_m2",
            "updated_at",
        )
    )
    buildings = list(
        Building.objects.order_by("pk").values_list("pk", "grid_id", "name", "lon", "lat")
    )
    audit = list(AreaChange.objects.order_by("pk").values_list("pk", "area_id", "action"))
    return areas, buildings, audit
