"""Import a GeoJSON subtree into the area tree (all or nothing, with a dry run).

Split from services.py by sub-domain; it shares that module's validation helpers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from resigrid.areas import geometry as geo
from resigrid.areas.codes import LEVEL_ORDER, Level, parent_code
from resigrid.areas.geojson import (
    FeatureProblem,
    FeatureRow,
    ImportReport,
    parse_feature_collection,
    row_changes_area,
)
from resigrid.areas.models import Area, AreaChange
from resigrid.areas.permissions import can_import_into
from resigrid.areas.services import (
    _geometries,
    _geometry_errors,
    _label,
    _on_gridsrow_changes_area,
    _set_boundary,
    _stored_geometry,
    audit_snapshot,
    record_area_change,
)
from resigrid.core.errors import PermissionDeniedError, ValidationFailed


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
        _apply_import(root, rows, existing, actor)
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


def _apply_import(
    root: Area, rows: list[FeatureRow], existing: dict[str, Area], actor: Any
) -> None:
    """Write the checked rows, parents first (rows are sorted by level), each with its audit row."""
    by_code = dict(existing)
    grids_changed = False
    for row in rows:
        area = by_code.get(row.code)
        if area is not None and not row_changes_area(area, row):
            continue
        before = audit_snapshot(area) if area is not None else None
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
        record_area_change(area=area, actor=actor, action=AreaChange.Action.IMPORTED, before=before)
        by_code[row.code] = area
        grids_changed = grids_changed or row.level == Level.GRID
    if grids_changed:
        _on_gridsrow_changes_area()
