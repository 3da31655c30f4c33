"""Areas API: the tree, details, GeoJSON layers, the locator, writes and GeoJSON import/export.

Thin: parse → `visible_to` → service or read → schema. Areas the caller cannot see answer 404
(their existence is not disclosed); writes on visible areas outside the caller's rights answer 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from resigrid.areas.geojson import grids_feature_collection
from resigrid.areas.models import Area

router = Router()


def _user(request: HttpRequest) -> Any:
    """The authenticated account, from the session or a Bearer token."""
    return getattr(request, "auth", None) or request.user


@router.get(
    "/grids/geojson",
    response=dict[str, Any],
    summary="All visible grids as a GeoJSON FeatureCollection (the map layer)",
)
def grids_geojson(request: HttpRequest) -> dict[str, Any]:
    return grids_feature_collection(Area.objects.visible_to(_user(request)))
