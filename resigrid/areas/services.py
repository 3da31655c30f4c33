"""Writes to the area tree: create and update areas and buildings (GeoJSON import: importing.py).

Every function checks the actor's rights first (PermissionDeniedError), then validates all input
(ValidationFailed with per-field errors), then writes inside one transaction. Nothing is half
written. The locator's cache is keyed on the grid rows, so other processes notice changes too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from resigrid.areas import geometry as geo
from resigrid.areas.codes import PARENT_LEVEL, Level, code_errors
from resigrid.areas.geojson import (
    NAME_MAX_LENGTH,
    grid_kind_error,
)
from resigrid.areas.models import Area, AreaChange, Building
from resigrid.areas.permissions import (
    can_create_root,
    can_edit_area,
)
from resigrid.core.errors import PermissionDeniedError, ValidationFailed

Errors = dict[str, list[str]]


def _fail(errors: Errors) -> ValidationFailed:
    first_field = next(iter(errors))
    return ValidationFailed(errors[first_field][0], field=first_field, errors=errors)


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _label(area: Area | None, code: str) -> str:
    return f"{area.name} ({area.code})" if area is not None else code


def _stored_geometry(area: Area) -> BaseGeometry | None:
    """A saved boundary as shapely, or None when absent or (written around us) invalid."""
    if area.boundary is None:
        return None
    try:
        return geo.parse_boundary(area.boundary)
    except geo.GeometryError:
        return None


def _tolerances() -> tuple[float, float]:
    return float(settings.CHILD_OUTSIDE_TOLERANCE_M2), float(settings.GRID_OVERLAP_TOLERANCE_M2)


def _geometry_errors(
    geom: BaseGeometry,
    *,
    parent: tuple[str, BaseGeometry | None] | None,
    siblings: dict[str, BaseGeometry],
    children: dict[str, BaseGeometry],
) -> list[str]:
    outside_tol, overlap_tol = _tolerances()
    return geo.placement_errors(
        geom,
        parent=parent,
        siblings=siblings,
        children=children,
        outside_tolerance_m2=outside_tol,
        overlap_tolerance_m2=overlap_tol,
    )


def _geometries(areas: Iterable[Area]) -> dict[str, BaseGeometry]:
    out = {}
    for a in areas:
        g = _stored_geometry(a)
        if g is not None:
            out[_label(a, a.code)] = g
    return out


def _check_counts(errors: Errors, **values: int | None) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            _add(errors, name, _("The value must not be negative."))


def _check_name(errors: Errors, name: str | None) -> None:
    if name is None:
        return
    if not name.strip():
        _add(errors, "name", _("The name is required."))
    elif len(name.strip()) > NAME_MAX_LENGTH:
        _add(errors, "name", _("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH})


def _parse_boundary_into(errors: Errors, boundary: Any) -> BaseGeometry | None:
    try:
        return geo.parse_boundary(boundary)
    except geo.GeometryError as exc:
        _add(errors, "boundary", exc.message)
        return None


AUDITED_FIELDS = ("name", "population", "households", "grid_kind", "area_m2")


def audit_snapshot(area: Area) -> dict[str, Any]:
    return {f: getattr(area, f) for f in AUDITED_FIELDS}


def record_area_change(
    *, area: Area, actor: Any, action: str, before: dict[str, Any] | None = None
) -> AreaChange:
    """Write the audit row in the caller's transaction: changed fields as [old, new]."""
    after = audit_snapshot(area)
    if before is None:
        changes = {f: [None, v] for f, v in after.items() if v not in (None, "", 0)}
    else:
        changes = {f: [before[f], after[f]] for f in AUDITED_FIELDS if before[f] != after[f]}
    return AreaChange.objects.create(
        area=area,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        changes=changes,
    )


def _on_gridsrow_changes_area() -> None:
    from resigrid.areas.locator import invalidate_grid_index

    transaction.on_commit(invalidate_grid_index)


def create_area(
    *,
    actor: Any,
    code: str,
    name: str,
    level: Level | str,
    parent: Area | None,
    boundary: dict[str, Any] | None,
    population: int = 0,
    households: int = 0,
    grid_kind: str = "",
) -> Area:
    """Add an area below `parent` (a district has none). The actor needs edit rights on the
    parent's subtree (everywhere, for a district)."""
    allowed = can_create_root(actor) if parent is None else can_edit_area(actor, parent)
    if not allowed:
        raise PermissionDeniedError(_("You may not add areas here."))
    errors: Errors = {}
    if level not in Level.values:
        _add(errors, "level", _("Unknown level %(level)s.") % {"level": repr(level)})
        raise _fail(errors)
    level = Level(level)
    for msg in code_errors(code, level):
        _add(errors, "code", msg)
    expected_parent = PARENT_LEVEL[level]
    if expected_parent is None and parent is not None:
        _add(errors, "parent", _("A district has no parent area."))
    elif expected_parent is not None and parent is None:
        _add(errors, "parent", _("A %(level)s needs a parent area.") % {"level": level.label})
    elif parent is not None and parent.level != expected_parent:
        _add(
            errors,
            "parent",
            _("A %(level)s belongs under a %(parent_level)s, not a %(given)s.")
            % {
                "level": level.label,
                "parent_level": expected_parent.label if expected_parent else "",
                "given": Level(parent.level).label,
            },
        )
    elif parent is not None and "code" not in errors and not code.startswith(parent.scope_prefix):
        _add(
            errors,
            "code",
            _("The code must start with %(prefix)s, the prefix of its parent %(parent)s.")
            % {"prefix": parent.scope_prefix, "parent": _label(parent, parent.code)},
        )
    _check_name(errors, name)
    _check_counts(errors, population=population, households=households)
    if grid_kind and (level != Level.GRID or grid_kind not in Area.GridKind.values):
        _add(errors, "grid_kind", grid_kind_error(grid_kind, level))
    geom = None
    if boundary is None:
        if level == Level.GRID:
            _add(errors, "boundary", _("A grid needs a boundary polygon."))
    else:
        geom = _parse_boundary_into(errors, boundary)

    with transaction.atomic():
        if parent is not None:
            # Serialise changes among siblings so two overlapping grids cannot both pass.
            parent = Area.objects.select_for_update().get(pk=parent.pk)
        if "code" not in errors and Area.objects.filter(code=code).exists():
            _add(errors, "code", _("An area with code %(code)s already exists.") % {"code": code})
        if geom is not None and not errors:
            siblings = (
                parent.children.exclude(boundary=None)
                if parent is not None
                else Area.objects.filter(level=Level.DISTRICT).exclude(boundary=None)
            )
            parent_geom = _stored_geometry(parent) if parent is not None else None
            for msg in _geometry_errors(
                geom,
                parent=(_label(parent, ""), parent_geom) if parent is not None else None,
                siblings=_geometries(siblings),
                children={},
            ):
                _add(errors, "boundary", msg)
        if errors:
            raise _fail(errors)
        area = Area(
            code=code,
            name=name.strip(),
            level=level,
            parent=parent,
            grid_kind=grid_kind or (Area.GridKind.COMPREHENSIVE if level == Level.GRID else ""),
            population=population,
            households=households,
        )
        _set_boundary(area, geom)
        area.save()
        record_area_change(area=area, actor=actor, action=AreaChange.Action.CREATED)
        if level == Level.GRID:
            _on_gridsrow_changes_area()
    return area


def _set_boundary(area: Area, geom: BaseGeometry | None) -> None:
    if geom is None:
        area.boundary = None
        area.centroid_lon = area.centroid_lat = area.area_m2 = None
        return
    area.boundary = geo.to_geojson(geom)
    area.centroid_lon, area.centroid_lat = geo.centroid(geom)
    area.area_m2 = geo.area_m2(geom)


def update_area(
    *,
    actor: Any,
    area: Area,
    name: str | None = None,
    boundary: dict[str, Any] | None = None,
    population: int | None = None,
    households: int | None = None,
    grid_kind: str | None = None,
) -> Area:
    """Change the given fields (None leaves a field as it is). The code, level and parent are
    fixed: they are the area's identity and every scope below it."""
    if not can_edit_area(actor, area):
        raise PermissionDeniedError(_("You may not edit this area."))
    errors: Errors = {}
    _check_name(errors, name)
    _check_counts(errors, population=population, households=households)
    level = Level(area.level)
    if grid_kind and (level != Level.GRID or grid_kind not in Area.GridKind.values):
        _add(errors, "grid_kind", grid_kind_error(grid_kind, level))
    geom = _parse_boundary_into(errors, boundary) if boundary is not None else None

    with transaction.atomic():
        area = Area.objects.select_for_update(of=("self",)).select_related("parent").get(pk=area.pk)
        if geom is not None and not errors:
            parent = area.parent
            siblings = (
                parent.children.exclude(pk=area.pk).exclude(boundary=None)
                if parent is not None
                else Area.objects.filter(level=Level.DISTRICT).exclude(pk=area.pk)
            )
            for msg in _geometry_errors(
                geom,
                parent=(_label(parent, ""), _stored_geometry(parent)) if parent else None,
                siblings=_geometries(siblings),
                children=_geometries(area.children.exclude(boundary=None)),
            ):
                _add(errors, "boundary", msg)
        if errors:
            raise _fail(errors)
        before = audit_snapshot(area)
        if name is not None:
            area.name = name.strip()
        if population is not None:
            area.population = population
        if households is not None:
            area.households = households
        if grid_kind is not None and level == Level.GRID:
            area.grid_kind = grid_kind
        if geom is not None:
            _set_boundary(area, geom)
        area.save()
        record_area_change(area=area, actor=actor, action=AreaChange.Action.UPDATED, before=before)
        if level == Level.GRID and geom is not None:
            _on_gridsrow_changes_area()
    return area


def create_building(
    *,
    actor: Any,
    grid: Area,
    name: str,
    lon: float,
    lat: float,
    address: str = "",
    floors: int = 1,
    households: int = 0,
) -> Building:
    """Add a building (WGS84 point) to a grid; the point must lie in the grid's boundary."""
    if not can_edit_area(actor, grid):
        raise PermissionDeniedError(_("You may not edit this grid."))
    errors: Errors = {}
    if grid.level != Level.GRID:
        _add(
            errors,
            "grid",
            _("Buildings belong to grids, not to a %(level)s.")
            % {"level": Level(grid.level).label},
        )
    _check_name(errors, name)
    _check_counts(errors, households=households)
    if floors < 1:
        _add(errors, "floors", _("A building has at least one floor."))
    if not -180.0 <= lon <= 180.0:
        _add(errors, "lon", _("The longitude must be between −180 and 180."))
    if not -90.0 <= lat <= 90.0:
        _add(errors, "lat", _("The latitude must be between −90 and 90."))
    with transaction.atomic():
        grid = Area.objects.select_for_update().get(pk=grid.pk)
        geom = _stored_geometry(grid)
        if not errors and geom is not None and not geom.intersects(Point(lon, lat)):
            _add(
                errors,
                "lon",
                _("The point lies outside the grid %(grid)s.") % {"grid": _label(grid, grid.code)},
            )
        if "name" not in errors and grid.buildings.filter(name=name.strip()).exists():
            _add(errors, "name", _("This grid already has a building with this name."))
        if errors:
            raise _fail(errors)
        building = Building.objects.create(
            grid=grid,
            name=name.strip(),
            address=address.strip(),
            lon=lon,
            lat=lat,
            floors=floors,
            households=households,
        )
        AreaChange.objects.create(
            area=grid,
            actor=actor if getattr(actor, "pk", None) else None,
            action=AreaChange.Action.BUILDING_ADDED,
            changes={"building": [None, building.name]},
        )
        return building
