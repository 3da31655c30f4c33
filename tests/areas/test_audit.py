"""Every write to the area tree leaves an audit row naming the actor and the changed fields."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import box, mapping

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.geojson import export_geojson
from resigrid.areas.importing import import_geojson
from resigrid.areas.models import AreaChange
from resigrid.areas.services import create_area, create_building, update_area
from resigrid.core.errors import ValidationFailed
from tests.factories import Tree, square


def rows() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (c.area.code, c.action, c.actor.username if c.actor else "", c.changes)
        for c in AreaChange.objects.select_related("area", "actor").order_by("id")
    ]


def test_create_update_and_building_are_audited(tree: Tree, community_staff: User) -> None:
    grid = create_area(
        actor=community_staff,
        code="330106001001003",
        name="东湖三网格",
        level=Level.GRID,
        parent=tree.community1,
        boundary=square(120.0, 30.1, 0.1),
        population=800,
        households=300,
    )
    update_area(actor=community_staff, area=grid, name="东湖第三网格", population=820)
    create_building(actor=community_staff, grid=grid, name="3号楼", lon=120.05, lat=30.15)
    created, updated, building = rows()
    assert created[:3] == ("330106001001003", "created", "staff1")
    assert created[3]["name"] == [None, "东湖三网格"]
    assert created[3]["population"] == [None, 800]
    assert created[3]["grid_kind"] == [None, "comprehensive"]
    assert updated == (
        "330106001001003",
        "updated",
        "staff1",
        {"name": ["东湖三网格", "东湖第三网格"], "population": [800, 820]},
    )
    assert building == (
        "330106001001003",
        "building_added",
        "staff1",
        {"building": [None, "3号楼"]},
    )


def test_a_refused_write_leaves_no_audit_row(tree: Tree, community_staff: User) -> None:
    with pytest.raises(ValidationFailed):
        update_area(actor=community_staff, area=tree.grid11, name="")
    assert rows() == []


def test_import_audits_each_changed_area(tree: Tree, street_admin: User) -> None:
    data = export_geojson(tree.community1)
    for feature in data["features"]:
        if feature["properties"]["code"] == "330106001001002":
            feature["properties"]["population"] = 950
    data["features"].append(
        {
            "type": "Feature",
            "geometry": dict(mapping(box(120.0, 30.1, 120.1, 30.2))),
            "properties": {"code": "330106001001003", "name": "东湖三网格", "level": "grid"},
        }
    )
    report = import_geojson(
        actor=street_admin, root=tree.community1, feature_collection=data, dry_run=False
    )
    assert (report.created, report.updated) == (1, 1)
    assert [(code, action, who) for code, action, who, _ in rows()] == [
        ("330106001001002", "imported", "street"),
        ("330106001001003", "imported", "street"),
    ]
    changes = rows()[0][3]
    # The fixture's areas were written without a computed area; the import computes it.
    assert sorted(changes) == ["area_m2", "population"]
    assert changes["population"] == [900, 950]
    assert changes["area_m2"][0] is None
