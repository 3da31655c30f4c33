"""GeoJSON import and export of an area subtree: dry run, all or nothing, round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import box, mapping

from resigrid.accounts.models import User
from resigrid.areas.geojson import export_geojson
from resigrid.areas.geometry import area_m2
from resigrid.areas.importing import import_geojson
from resigrid.areas.models import Area, Building
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from tests.areas.helpers import snapshot
from tests.factories import Tree, square


def feature(code: str, name: str, level: str, geometry: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, **props},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(mapping(box(x0, y0, x1, y1))))
    return data


def new_community_file() -> dict[str, Any]:
    """A new street in the district's free southern strip [120.0, 120.4] × [29.9, 30.0], with
    one community (west half) and two grids. Children come before parents on purpose: the
    import sorts by level."""
    return collection(
        feature(
            "330106002001001",
            "南湖一网格",
            "grid",
            rect(120.0, 29.9, 120.1, 30.0),
            population=700,
            households=250,
            grid_kind="special",
        ),
        feature("330106002001002", "南湖二网格", "grid", rect(120.1, 29.9, 120.2, 30.0)),
        feature("330106002001000", "南湖社区", "community", rect(120.0, 29.9, 120.2, 30.0)),
        feature("330106002000000", "新华街道", "street", rect(120.0, 29.9, 120.4, 30.0)),
    )


def test_good_file_creates_the_subtree(tree: Tree) -> None:
    admin = User.objects.create(username="districtadmin", is_superuser=True)
    report = import_geojson(
        actor=admin, root=tree.district, feature_collection=new_community_file(), dry_run=False
    )
    assert report.errors == []
    assert (report.features, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    street = Area.objects.get(code="330106002000000")
    community = Area.objects.get(code="330106002001000")
    grid = Area.objects.get(code="330106002001001")
    assert (street.parent, community.parent, grid.parent) == (tree.district, street, community)
    assert (grid.name, grid.population, grid.households, grid.grid_kind) == (
        "南湖一网格",
        700,
        250,
        "special",
    )
    assert Area.objects.get(code="330106002001002").grid_kind == "comprehensive"
    assert grid.area_m2 == pytest.approx(area_m2(box(120.0, 29.9, 120.1, 30.0)))
    assert grid.centroid_lon == pytest.approx(120.05)


def test_dry_run_writes_nothing(tree: Tree) -> None:
    admin = User.objects.create(username="districtadmin", is_superuser=True)
    before = snapshot()
    report = import_geojson(
        actor=admin, root=tree.district, feature_collection=new_community_file(), dry_run=True
    )
    assert (report.dry_run, report.ok, report.created, report.updated) == (True, True, 4, 0)
    assert snapshot() == before


def test_one_bad_feature_writes_nothing_and_is_reported(tree: Tree) -> None:
    admin = User.objects.create(username="districtadmin", is_superuser=True)
    data = new_community_file()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[120.1, 29.9], [120.2, 30.0], [120.2, 29.9], [120.1, 30.0], [120.1, 29.9]]
        ],
    }
    data["features"][1]["geometry"] = bow_tie
    before = snapshot()
    report = import_geojson(actor=admin, root=tree.district, feature_collection=data, dry_run=False)
    assert [(e.index, e.code, e.field, e.message) for e in report.errors] == [
        (
            1,
            "330106002001002",
            "geometry",
            "The boundary intersects itself near (120.150000, 29.950000).",
        )
    ]
    assert (report.ok, report.created, report.updated) == (False, 0, 0)
    assert snapshot() == before


def test_property_errors_name_the_feature(tree: Tree, street_admin: User) -> None:
    data = collection(
        feature("33010600100100", "短", "grid", square(120.0, 30.2, 0.1)),
        feature("330106001001004", "", "grid", square(120.1, 30.2, 0.1), population=-3),
        feature("330106001001005", "Z", "hamlet", square(120.1, 30.3, 0.05)),
        feature("330106001001006", "Y", "grid", None),
        {"type": "Point"},
    )
    before = snapshot()
    report = import_geojson(
        actor=street_admin, root=tree.street, feature_collection=data, dry_run=False
    )
    assert [(e.index, e.code, e.field, e.message) for e in report.errors] == [
        (0, "33010600100100", "properties.code", "The code must have 15 digits; 14 given."),
        (1, "330106001001004", "properties.name", "The name is missing."),
        (1, "330106001001004", "properties.population", "Population must not be negative."),
        (
            2,
            "330106001001005",
            "properties.level",
            "The level must be one of: district, street, community, grid.",
        ),
        (3, "330106001001006", "geometry", "A grid needs a boundary polygon."),
        (4, "", "type", "Each item must be a GeoJSON Feature."),
    ]
    assert snapshot() == before


def test_rules_between_features(tree: Tree, street_admin: User) -> None:
    data = collection(
        # outside the street being imported into
        feature("330106002001001", "外", "grid", square(120.5, 30.0, 0.05)),
        # parent community 003 exists nowhere
        feature("330106001003001", "孤", "grid", square(120.0, 30.3, 0.05)),
        # two new grids in community 1 overlapping each other: reported once, on the later
        feature("330106001001003", "甲", "grid", square(120.0, 30.2, 0.1)),
        feature("330106001001004", "乙", "grid", square(120.05, 30.2, 0.1)),
        feature("330106001001003", "甲", "grid", square(120.0, 30.2, 0.1)),
    )
    report = import_geojson(
        actor=street_admin, root=tree.street, feature_collection=data, dry_run=True
    )
    got = [(e.index, e.code, e.field, e.message[:40]) for e in report.errors]
    assert got == [
        (
            0,
            "330106002001001",
            "properties.code",
            "The area lies outside 和平街道 (330106001000",
        ),
        (1, "330106001003001", "properties.code", "Its parent 330106001003000 is neither in"),
        (3, "330106001001004", "geometry", "The boundary overlaps 甲 (330106001001003"),
        (4, "330106001001003", "properties.code", "The code appears twice in the file."),
    ]


def test_moving_a_shared_edge_in_one_file(tree: Tree, street_admin: User) -> None:
    """Grid 11 grows east and grid 12 shrinks: checked one by one against the database each
    would overlap the other, but the final state is a clean tiling, so the file passes."""
    data = collection(
        feature(
            "330106001001001",
            "东湖一网格",
            "grid",
            rect(120.0, 30.0, 120.15, 30.1),
            population=1200,
            households=400,
        ),
        feature(
            "330106001001002",
            "东湖二网格",
            "grid",
            rect(120.15, 30.0, 120.2, 30.1),
            population=900,
            households=320,
        ),
    )
    report = import_geojson(
        actor=street_admin, root=tree.street, feature_collection=data, dry_run=False
    )
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    tree.grid12.refresh_from_db()
    assert tree.grid12.boundary == rect(120.15, 30.0, 120.2, 30.1)


def test_export_then_import_round_trip(tree: Tree, street_admin: User) -> None:
    Area.objects.filter(level="grid").update(grid_kind="comprehensive")
    original = export_geojson(tree.street)
    assert [f["properties"]["code"] for f in original["features"]] == [
        "330106001000000",
        "330106001001000",
        "330106001002000",
        "330106001001001",
        "330106001001002",
        "330106001002001",
    ]
    # Re-importing the file as it is changes nothing.
    report = import_geojson(
        actor=street_admin, root=tree.street, feature_collection=original, dry_run=False
    )
    assert (report.created, report.updated, report.unchanged) == (0, 0, 6)
    # Empty the street below it, then rebuild it from the file.
    Building.objects.all().delete()
    Area.objects.filter(level="grid").delete()
    Area.objects.filter(level="community").delete()
    report = import_geojson(
        actor=street_admin, root=tree.street, feature_collection=original, dry_run=False
    )
    assert (report.created, report.updated, report.unchanged) == (5, 0, 1)
    assert export_geojson(tree.street) == original


def test_rights_are_checked_first(tree: Tree, community_staff: User, community_admin: User) -> None:
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        import_geojson(
            actor=community_staff,
            root=tree.community1,
            feature_collection=collection(),
            dry_run=False,
        )
    with pytest.raises(PermissionDeniedError):
        import_geojson(
            actor=community_admin,
            root=tree.street,
            feature_collection=new_community_file(),
            dry_run=False,
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "The file must be a GeoJSON FeatureCollection."),
        ({"type": "FeatureCollection"}, "The FeatureCollection has no list of features."),
        ({"type": "FeatureCollection", "features": []}, "The FeatureCollection has no features."),
    ],
)
def test_not_a_feature_collection(
    tree: Tree, community_admin: User, data: Any, message: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        import_geojson(
            actor=community_admin, root=tree.community1, feature_collection=data, dry_run=True
        )
    assert (info.value.field, info.value.message) == ("features", message)
