"""Area and building services: rights, code rules, geometry rules; refusals write nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import box, mapping

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.areas.services import create_area, create_building, update_area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from tests.areas.helpers import snapshot
from tests.factories import Tree, square

# The free 0.1° square north of grid 11 inside community 1.
FREE = square(120.0, 30.1, 0.1)


def new_grid(actor: Any, tree: Tree, **overrides: Any) -> Area:
    args: dict[str, Any] = {
        "actor": actor,
        "code": "330106001001003",
        "name": "东湖三网格",
        "level": Level.GRID,
        "parent": tree.community1,
        "boundary": FREE,
        "population": 800,
        "households": 300,
    }
    args.update(overrides)
    return create_area(**args)


def refused(exc: type[Exception], actor: Any, tree: Tree, **overrides: Any) -> Any:
    before = snapshot()
    with pytest.raises(exc) as info:
        new_grid(actor, tree, **overrides)
    assert snapshot() == before
    return info.value


def test_community_staff_adds_a_grid(tree: Tree, community_staff: User) -> None:
    grid = new_grid(community_staff, tree)
    grid.refresh_from_db()
    assert (grid.code, grid.level, grid.parent_id) == (
        "330106001001003",
        "grid",
        tree.community1.pk,
    )
    assert grid.grid_kind == "comprehensive"
    assert grid.centroid_lon == pytest.approx(120.05)
    assert grid.centroid_lat == pytest.approx(30.15)
    assert grid.area_m2 == pytest.approx(106_798_578, rel=1e-6)
    assert grid.boundary == json.loads(json.dumps(FREE))  # stored as plain lists


@pytest.mark.parametrize("persona", ["grid_worker", "resident", "department", "outsider"])
def test_roles_without_edit_rights_are_refused(
    tree: Tree, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    err = refused(PermissionDeniedError, user, tree)
    assert err.message == "You may not add areas here."


def test_staff_of_one_community_cannot_add_to_another(tree: Tree, community_staff: User) -> None:
    refused(
        PermissionDeniedError,
        community_staff,
        tree,
        code="330106001002002",
        parent=tree.community2,
        boundary=square(120.3, 30.0, 0.1),
    )


def test_only_a_global_editor_adds_a_district(tree: Tree, street_admin: User) -> None:
    district = {
        "code": "330107000000000",
        "name": "新区",
        "level": Level.DISTRICT,
        "parent": None,
        "boundary": square(121.0, 30.0, 0.5),
    }
    refused(PermissionDeniedError, street_admin, tree, **district)
    admin = User.objects.create(username="root", is_superuser=True)
    area = new_grid(admin, tree, **district)
    assert area.parent is None


def test_wrong_code_length(tree: Tree, community_staff: User) -> None:
    err = refused(ValidationFailed, community_staff, tree, code="33010600100100")
    assert err.errors == {"code": ["The code must have 15 digits; 14 given."]}
    assert err.field == "code"


def test_code_must_carry_the_parent_prefix(tree: Tree, street_admin: User) -> None:
    err = refused(ValidationFailed, street_admin, tree, code="330106001002003")
    assert err.errors == {
        "code": [
            "The code must start with 330106001001, the prefix of its parent "
            "东湖社区 (330106001001000)."
        ]
    }


def test_grid_must_sit_under_a_community(tree: Tree, street_admin: User) -> None:
    err = refused(ValidationFailed, street_admin, tree, parent=tree.street)
    assert err.errors == {"parent": ["A Grid belongs under a Community, not a Street."]}


def test_grid_needs_a_parent_and_a_boundary(tree: Tree, street_admin: User) -> None:
    err = refused(ValidationFailed, street_admin, tree, boundary=None)
    assert err.errors == {"boundary": ["A grid needs a boundary polygon."]}


def test_duplicate_code(tree: Tree, community_staff: User) -> None:
    err = refused(
        ValidationFailed,
        community_staff,
        tree,
        code="330106001001001",
    )
    assert err.errors["code"] == ["An area with code 330106001001001 already exists."]


def test_self_intersecting_boundary(tree: Tree, community_staff: User) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 30.1], [120.1, 30.2], [120.1, 30.1], [120.0, 30.2], [120.0, 30.1]]
        ],
    }
    err = refused(ValidationFailed, community_staff, tree, boundary=bow_tie)
    assert err.errors == {
        "boundary": ["The boundary intersects itself near (120.050000, 30.150000)."]
    }


def test_overlapping_a_sibling(tree: Tree, community_staff: User) -> None:
    err = refused(ValidationFailed, community_staff, tree, boundary=square(120.05, 30.05, 0.1))
    assert len(err.errors["boundary"]) == 2
    assert err.errors["boundary"][0].startswith(
        "The boundary overlaps 东湖一网格 (330106001001001) by "
    )
    assert err.errors["boundary"][1].startswith(
        "The boundary overlaps 东湖二网格 (330106001001002) by "
    )


def test_sticking_out_of_the_parent(tree: Tree, community_staff: User) -> None:
    err = refused(ValidationFailed, community_staff, tree, boundary=square(120.15, 30.3, 0.1))
    (msg,) = err.errors["boundary"]
    assert msg.startswith("The boundary extends ")
    assert msg.endswith(
        " m² outside its parent 东湖社区 (330106001001000) (at most 50 m² allowed)."
    )


def test_several_field_errors_at_once(tree: Tree, community_staff: User) -> None:
    err = refused(
        ValidationFailed,
        community_staff,
        tree,
        name=" ",
        population=-1,
        grid_kind="huge",
    )
    assert err.errors == {
        "name": ["The name is required."],
        "population": ["The value must not be negative."],
        "grid_kind": ["Unknown grid kind 'huge'; use one of: comprehensive, special."],
    }


def test_unknown_level(tree: Tree, community_staff: User) -> None:
    err = refused(ValidationFailed, community_staff, tree, level="village")
    assert err.errors == {"level": ["Unknown level 'village'."]}


# --- update ---


def test_update_figures_and_boundary(tree: Tree, community_staff: User) -> None:
    area = update_area(
        actor=community_staff,
        area=tree.grid11,
        name="东湖一网格（新）",
        population=1300,
        boundary=dict(mapping(box(120.0, 30.0, 120.1, 30.15))),
    )
    area.refresh_from_db()
    assert (area.name, area.population, area.households) == ("东湖一网格（新）", 1300, 400)
    assert area.centroid_lat == pytest.approx(30.075)
    assert area.area_m2 == pytest.approx(160_317_013, rel=1e-6)


def test_update_refused_outside_scope(tree: Tree, community_staff: User) -> None:
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        update_area(actor=community_staff, area=tree.grid21, name="x")
    assert snapshot() == before


def test_update_overlapping_a_sibling_changes_nothing(tree: Tree, community_staff: User) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as info:
        update_area(
            actor=community_staff,
            area=tree.grid11,
            name="changed",
            boundary=square(120.0, 30.0, 0.15),
        )
    assert list(info.value.errors) == ["boundary"]
    assert info.value.errors["boundary"][0].startswith(
        "The boundary overlaps 东湖二网格 (330106001001002) by "
    )
    assert snapshot() == before


def test_shrinking_a_parent_may_not_strand_children(tree: Tree, street_admin: User) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as info:
        update_area(actor=street_admin, area=tree.community1, boundary=square(120.0, 30.0, 0.1))
    (msg,) = info.value.errors["boundary"]
    assert msg.startswith("The boundary would leave ")
    assert msg.endswith(" m² of 东湖二网格 (330106001001002) outside it (at most 50 m² allowed).")
    assert snapshot() == before


# --- buildings ---


def test_add_a_building(tree: Tree, community_staff: User) -> None:
    b = create_building(
        actor=community_staff, grid=tree.grid11, name=" 2号楼 ", lon=120.06, lat=30.06, floors=5
    )
    assert (b.name, b.grid_id, b.floors) == ("2号楼", tree.grid11.pk, 5)


def test_building_outside_its_grid(tree: Tree, community_staff: User) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as info:
        create_building(
            actor=community_staff, grid=tree.grid11, name="2号楼", lon=120.15, lat=30.05
        )
    assert info.value.errors == {
        "lon": ["The point lies outside the grid 东湖一网格 (330106001001001)."]
    }
    assert snapshot() == before


def test_building_name_unique_in_grid(tree: Tree, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_building(
            actor=community_staff, grid=tree.grid11, name="1号楼", lon=120.06, lat=30.06
        )
    assert info.value.errors == {"name": ["This grid already has a building with this name."]}
    assert Building.objects.count() == 1


def test_building_refused_to_a_grid_worker(tree: Tree, grid_worker: User) -> None:
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        create_building(actor=grid_worker, grid=tree.grid11, name="2号楼", lon=120.06, lat=30.06)
    assert snapshot() == before


def test_building_belongs_to_a_grid(tree: Tree, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_building(
            actor=community_staff, grid=tree.community1, name="楼", lon=120.06, lat=30.06
        )
    assert info.value.errors == {"grid": ["Buildings belong to grids, not to a Community."]}
