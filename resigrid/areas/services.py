"""Writes to the area tree: create and update areas and buildings, import a GeoJSON subtree.

Every function checks the actor's rights first (PermissionDeniedError), then validates all input
(ValidationFailed with per-field errors), then writes inside one transaction. Nothing is half
written. The locator's cache is keyed on the grid rows, so other processes notice changes too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from resigrid.areas import geometry as geo
from resigrid.areas.codes import LEVEL_ORDER, PARENT_LEVEL, Level, code_errors, parent_code
from resigrid.areas.geojson import (
    NAME_MAX_LENGTH,
    FeatureProblem,
    FeatureRow,
    ImportReport,
    grid_kind_error,
    parse_feature_collection,
    row_changes_area,
)
from resigrid.areas.models import Area, Building
from resigrid.areas.permissions import (
    can_create_root,
    can_edit_area,
    can_import_into,
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
        return Building.objects.create(
            grid=grid,
            name=name.strip(),
            address=address.strip(),
            lon=lon,
            lat=lat,
            floors=floors,
            households=households,
        )


# --- GeoJSON import ---


def import_geojson(
    *, actor: Any, root: Area, feature_collection: Any, dry_run: bool
) -> ImportReport:
    """Create or update the areas of a FeatureCollection inside the subtree of `root`.

    All or nothing: every feature is checked against the final state (database overlaid with the
    file, so a file may move a boundary shared by two grids); if any feature fails, nothing is
    written and the report lists each failure with its index and code. A dry run writes nothing.
    """
    if not can_import_into(actor, root):
        raise PermissionDeniedError(_("You may not import areas here."))
    try:
        rows, problems = parse_feature_collection(feature_collection)
    except geo.GeometryError as exc:
        raise ValidationFailed(exc.message, field="features") from exc
    report = ImportReport(dry_run=dry_run, features=len(feature_collection["features"]))
    rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    rows.sort(key=lambda r: (rank[r.level], r.code))

    with transaction.atomic():
        root = Area.objects.select_for_update(of=("self",)).select_related("parent").get(pk=root.pk)
        existing = {a.code: a for a in Area.objects.subtree(root).select_for_update()}
        in_file = {r.code: r for r in rows}
        for row in rows:
            if not row.code.startswith(root.scope_prefix):
                problems.append(
                    FeatureProblem(
                        row.index,
                        row.code,
                        "properties.code",
                        _("The area lies outside %(root)s, where the file is imported.")
                        % {"root": _label(root, root.code)},
                    )
                )
        outside = {p.index for p in problems}
        rows = [r for r in rows if r.index not in outside]
        problems.extend(_import_geometry_problems(root, rows, existing, in_file))
        report.errors = sorted(problems, key=lambda p: (p.index, p.field))
        for row in rows:
            area = existing.get(row.code)
            if area is None:
                report.created += 1
            elif row_changes_area(area, row):
                report.updated += 1
            else:
                report.unchanged += 1
        if report.errors:
            report.created = report.updated = report.unchanged = 0
            return report
        if dry_run:
            return report
        _apply_import(root, rows, existing)
    return report


def _import_geometry_problems(
    root: Area,
    rows: list[FeatureRow],
    existing: dict[str, Area],
    in_file: dict[str, FeatureRow],
) -> list[FeatureProblem]:
    """Parents present, children inside parents, siblings apart — on the final state."""
    final: dict[str, BaseGeometry | None] = {
        code: _stored_geometry(a) for code, a in existing.items() if code not in in_file
    }
    names = {code: a.name for code, a in existing.items()}
    for row in rows:
        final[row.code] = (
            row.geometry
            if row.geometry is not None
            else (_stored_geometry(existing[row.code]) if row.code in existing else None)
        )
        names[row.code] = row.name
    children_of: dict[str, list[str]] = defaultdict(list)
    for code in final:
        if code == root.code:
            continue
        a = existing.get(code)
        level = Level(a.level) if a is not None else in_file[code].level
        pc = parent_code(code, level)
        if pc is not None:
            children_of[pc].append(code)
    order = {row.code: i for i, row in enumerate(rows)}
    problems: list[FeatureProblem] = []
    for row in rows:

        def fail(message: str, row: FeatureRow = row) -> None:
            problems.append(FeatureProblem(row.index, row.code, "geometry", message))

        if row.code == root.code:
            parent = root.parent
            parent_entry = (_label(parent, ""), _stored_geometry(parent)) if parent else None
            outside_siblings = (
                parent.children.exclude(pk=root.pk).exclude(boundary=None)
                if parent is not None
                else Area.objects.filter(level=Level.DISTRICT).exclude(pk=root.pk)
            )
            siblings = _geometries(outside_siblings)
        else:
            pc = parent_code(row.code, row.level) or ""
            if pc not in final:
                problems.append(
                    FeatureProblem(
                        row.index,
                        row.code,
                        "properties.code",
                        _("Its parent %(code)s is neither in the file nor in the database.")
                        % {"code": pc},
                    )
                )
                continue
            parent_entry = (f"{names[pc]} ({pc})", final[pc])
            # A pair of siblings both in the file is reported once, on the later feature.
            siblings = {
                f"{names[c]} ({c})": g
                for c in children_of[pc]
                if c != row.code
                and (g := final[c]) is not None
                and (c not in order or order[c] < order[row.code])
            }
        if row.geometry is None:
            continue
        # Children in the file are checked against this boundary when their turn comes.
        children = {
            f"{names[c]} ({c})": g
            for c in children_of[row.code]
            if c not in in_file and (g := final[c]) is not None
        }
        for msg in _geometry_errors(
            row.geometry, parent=parent_entry, siblings=siblings, children=children
        ):
            fail(msg)
    return problems


def _apply_import(root: Area, rows: list[FeatureRow], existing: dict[str, Area]) -> None:
    """Write the checked rows, parents first (rows are sorted by level)."""
    by_code = dict(existing)
    grids_changed = False
    for row in rows:
        area = by_code.get(row.code)
        if area is not None and not row_changes_area(area, row):
            continue
        if area is None:
            pc = parent_code(row.code, row.level)
            parent = by_code.get(pc) if pc else None
            if parent is None and pc:
                parent = Area.objects.get(code=pc)
            area = Area(code=row.code, level=row.level, parent=parent)
            if row.level == Level.GRID and not row.grid_kind:
                area.grid_kind = Area.GridKind.COMPREHENSIVE
        area.name = row.name
        area.population = row.population
        area.households = row.households
        if row.level == Level.GRID and row.grid_kind:
            area.grid_kind = row.grid_kind
        if row.geometry is not None:
            _set_boundary(area, row.geometry)
        area.save()
        by_code[row.code] = area
        grids_changed = grids_changed or row.level == Level.GRID
    if grids_changed:
        _on_gridsrow_changes_area()
