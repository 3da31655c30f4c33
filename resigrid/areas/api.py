"""Areas API: the tree, details, GeoJSON layers, the locator, writes and GeoJSON import/export.

Thin: parse → `visible_to` → service or read → schema. Areas the caller cannot see answer 404
(their existence is not disclosed); writes on visible areas outside the caller's rights answer 403.
The locator answers against the grids the caller may see: a point in any other grid is
"outside every grid" for them.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Status

from resigrid.accounts.roles import Perm
from resigrid.areas import importing, services
from resigrid.areas.codes import Level
from resigrid.areas.geojson import export_geojson, grids_feature_collection
from resigrid.areas.locator import locate_point, locate_points
from resigrid.areas.models import Area
from resigrid.areas.permissions import can_edit_area, can_import_into, covers
from resigrid.areas.schemas import (
    AreaCreateIn,
    AreaDetail,
    AreaNode,
    AreaPatchIn,
    BulkLocateIn,
    BulkLocateOut,
    Crs,
    ErrorOut,
    ImportFailedOut,
    ImportReportOut,
    LevelName,
    LocateOut,
)
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed

router = Router()

FeatureCollection = dict[str, Any]
_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    """The authenticated account, from the session or a Bearer token."""
    return getattr(request, "auth", None) or request.user


def _visible(request: HttpRequest, code: str) -> Area:
    area = (
        Area.objects.visible_to(_user(request)).select_related("parent").filter(code=code).first()
    )
    if area is None:
        raise NotFoundError(_("No such area."))
    return area


def _detail(request: HttpRequest, area: Area) -> dict[str, Any]:
    user = _user(request)
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "parent_code": area.parent.code if area.parent else None,
        "grid_kind": area.grid_kind,
        "population": area.population,
        "households": area.households,
        "centroid_lon": area.centroid_lon,
        "centroid_lat": area.centroid_lat,
        "area_m2": area.area_m2,
        "boundary": area.boundary,
        "buildings": area.buildings.count(),
        "children": list(area.children.order_by("code").values("code", "name", "level")),
        "can_edit": can_edit_area(user, area),
        "can_import": can_import_into(user, area),
    }


# Fixed paths come before "/{code}" so that "tree", "grids" and "locate" are not taken as codes.


@router.get("/tree", response=list[AreaNode], summary="The tree of areas visible to the caller")
def tree(request: HttpRequest) -> list[dict[str, Any]]:
    areas = Area.objects.visible_to(_user(request)).order_by("code")
    nodes: dict[int, dict[str, Any]] = {}
    parent_of: dict[int, int | None] = {}
    for a in areas.values(
        "id",
        "parent_id",
        "code",
        "name",
        "level",
        "grid_kind",
        "population",
        "households",
        "centroid_lon",
        "centroid_lat",
    ):
        row: dict[str, Any] = dict(a)
        pk = row.pop("id")
        parent_of[pk] = row.pop("parent_id")
        nodes[pk] = {**row, "children": []}
    roots = []
    for pk, node in nodes.items():
        parent = parent_of[pk]
        if parent is not None and parent in nodes:
            nodes[parent]["children"].append(node)
        else:
            roots.append(node)
    return roots


@router.get(
    "/grids/geojson",
    response=FeatureCollection,
    summary="All visible grids as a GeoJSON FeatureCollection (the map layer)",
    description=(
        "Properties: code, name, level, grid_kind, community_code, community_name, population, "
        "households, buildings, area_km2, density_per_km2 (people per km²)."
    ),
)
def grids_geojson(request: HttpRequest) -> FeatureCollection:
    return grids_feature_collection(Area.objects.visible_to(_user(request)))


@router.get(
    "/locate",
    response={200: LocateOut, 422: ErrorOut},
    summary="The visible grid containing a point",
)
def locate(request: HttpRequest, lon: float, lat: float, crs: Crs = "wgs84") -> dict[str, Any]:
    grid = locate_point(lon=lon, lat=lat, crs=crs, user=_user(request))
    from resigrid.core.geo import gcj02_to_wgs84

    w_lon, w_lat = gcj02_to_wgs84(lon, lat) if crs == "gcj02" else (lon, lat)
    return {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "community_code": grid.parent.code if grid.parent else None,
        "community_name": grid.parent.name if grid.parent else None,
        "lon": w_lon,
        "lat": w_lat,
    }


@router.post(
    "/locate",
    response={200: BulkLocateOut, 422: ErrorOut},
    summary="The visible grid of each point (up to 100,000); null outside every visible grid",
)
def locate_bulk(request: HttpRequest, payload: BulkLocateIn) -> dict[str, Any]:
    codes = locate_points(points=payload.points, crs=payload.crs, user=_user(request))
    located = sum(c is not None for c in codes)
    return {"codes": codes, "located": located, "outside": len(codes) - located}


@router.post("", response={201: AreaDetail, **_ERRORS}, summary="Create an area")
def create(request: HttpRequest, payload: AreaCreateIn) -> Status[dict[str, Any]]:
    user = _user(request)
    parent = None
    if payload.parent_code:
        # Outside the caller's view the parent's existence is not disclosed: refuse as a write.
        if not covers(user, payload.parent_code, Perm.VIEW_AREA):
            raise PermissionDeniedError(_("You may not add areas here."))
        parent = Area.objects.filter(code=payload.parent_code).first()
        if parent is None:
            raise ValidationFailed(
                _("No area has the code %(code)s.") % {"code": payload.parent_code},
                field="parent_code",
            )
    area = services.create_area(
        actor=user,
        code=payload.code,
        name=payload.name,
        level=payload.level,
        parent=parent,
        boundary=payload.boundary,
        population=payload.population,
        households=payload.households,
        grid_kind=payload.grid_kind,
    )
    return Status(201, _detail(request, _visible(request, area.code)))


@router.get("/{code}", response={200: AreaDetail, 404: ErrorOut}, summary="One area")
def detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(request, _visible(request, code))


@router.patch("/{code}", response={200: AreaDetail, **_ERRORS}, summary="Change an area")
def patch(request: HttpRequest, code: str, payload: AreaPatchIn) -> dict[str, Any]:
    area = _visible(request, code)
    given = payload.model_dump(exclude_unset=True)
    services.update_area(
        actor=_user(request),
        area=area,
        name=given.get("name"),
        boundary=given.get("boundary"),
        population=given.get("population"),
        households=given.get("households"),
        grid_kind=given.get("grid_kind"),
    )
    return _detail(request, _visible(request, code))


@router.get(
    "/{code}/geojson",
    response={200: FeatureCollection, 404: ErrorOut},
    summary="The area and everything below it as a FeatureCollection",
)
def area_geojson(
    request: HttpRequest, code: str, level: LevelName | None = None
) -> FeatureCollection:
    area = _visible(request, code)
    return export_geojson(area, level=Level(level) if level else None)


@router.get(
    "/{code}/export.geojson",
    response={200: FeatureCollection, **_ERRORS},
    summary="Download the subtree as a GeoJSON file (the import format)",
)
def export(request: HttpRequest, code: str) -> HttpResponse:
    area = _visible(request, code)
    user = _user(request)
    if not can_import_into(user, area):
        raise PermissionDeniedError(_("You may not export areas here."))
    from resigrid.accounts.services import record_security_event

    data = export_geojson(area)
    record_security_event(
        kind="export",
        request=request,
        user=user,
        detail={"what": "areas.geojson", "code": area.code, "features": len(data["features"])},
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json"
    )
    response["Content-Disposition"] = f'attachment; filename="{area.code}.geojson"'
    return response


@router.post(
    "/{code}/import",
    response={200: ImportReportOut, 403: ErrorOut, 404: ErrorOut, 422: ImportFailedOut | ErrorOut},
    summary="Create or update the subtree from a GeoJSON FeatureCollection (all or nothing)",
    description=(
        "Features carry properties code, name, level and optionally population, households, "
        "grid_kind. `dry_run=true` (the default) checks everything and writes nothing. "
        "A file with any bad feature writes nothing and answers 422 with every problem."
    ),
)
def import_(
    request: HttpRequest,
    code: str,
    feature_collection: Body[dict[str, Any]],
    dry_run: Query[bool] = True,
) -> Status[dict[str, Any]]:
    area = _visible(request, code)
    report = importing.import_geojson(
        actor=_user(request), root=area, feature_collection=feature_collection, dry_run=dry_run
    )
    body = {
        "dry_run": report.dry_run,
        "ok": report.ok,
        "features": report.features,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": [
            {"index": e.index, "code": e.code, "field": e.field, "message": e.message}
            for e in report.errors
        ],
    }
    if report.ok:
        return Status(200, body)
    detail = [
        {
            "loc": ["body", "features", e.index, *e.field.split(".")],
            "msg": e.message,
            "type": "value_error",
            "ctx": {"index": e.index, "code": e.code},
        }
        for e in report.errors
    ]
    return Status(422, {"detail": detail, "report": body})
