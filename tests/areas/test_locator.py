"""The point → grid locator: the pure index, then the database-backed services."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.locator import (
    GridIndex,
    grid_index,
    locate_point,
    locate_points,
)
from resigrid.areas.services import create_area
from resigrid.core.errors import ValidationFailed
from resigrid.core.geo import wgs84_to_gcj02
from tests.factories import Tree, square


def two_by_two() -> GridIndex:
    """Four unit squares meeting at (1, 1); codes deliberately given out of order."""
    return GridIndex(
        ["c", "a", "d", "b"],
        [box(0, 1, 1, 2), box(0, 0, 1, 1), box(1, 1, 2, 2), box(1, 0, 2, 1)],
        [30, 10, 40, 20],
    )


def brute_force(index: GridIndex, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Lowest grid number intersecting each point, by testing every polygon."""
    polys = np.array(index.polygons)
    tree = shapely.STRtree(polys)
    pts, hits = tree.query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), len(polys), dtype=np.int64)
    np.minimum.at(out, pts, hits)
    out[out == len(polys)] = -1
    return out


def test_codes_are_sorted_and_ids_follow() -> None:
    index = two_by_two()
    assert index.codes == ["a", "b", "c", "d"]
    assert index.ids == [10, 20, 30, 40]
    assert len(index) == 4


def test_single_points() -> None:
    index = two_by_two()
    assert index.locate(0.5, 0.5) == "a"
    assert index.locate(1.5, 0.5) == "b"
    assert index.locate(0.5, 1.5) == "c"
    assert index.locate(1.5, 1.5) == "d"
    assert index.locate(2.5, 0.5) is None
    assert index.locate(-1e-9, 0.5) is None


def test_shared_edges_and_corners_go_to_the_lowest_code() -> None:
    index = two_by_two()
    assert index.locate(1.0, 0.5) == "a"  # a | b
    assert index.locate(1.0, 1.5) == "c"  # c | d
    assert index.locate(1.5, 1.0) == "b"  # b over d
    assert index.locate(1.0, 1.0) == "a"  # all four
    assert index.locate(2.0, 2.0) == "d"  # the outer corner belongs to d alone


def test_locate_many_marks_outside_with_minus_one() -> None:
    index = two_by_two()
    got = index.locate_many([0.5, 1.5, 3.0, np.nan, 1.0], [0.5, 1.5, 3.0, 0.5, np.inf])
    assert got.tolist() == [0, 3, -1, -1, -1]
    assert index.locate_many([], []).tolist() == []
    with pytest.raises(ValueError, match="same length"):
        index.locate_many([1.0], [1.0, 2.0])


def test_allowed_mask_hides_other_grids() -> None:
    index = two_by_two()
    allowed = index.allowed_mask(["b", "d"])
    assert allowed is not None
    assert allowed.tolist() == [False, True, False, True]
    # The shared edge a | b now belongs to b; a's interior is outside.
    got = index.locate_many([1.0, 0.5, 1.0], [0.5, 0.5, 1.0], allowed)
    assert got.tolist() == [1, -1, 1]
    assert index.allowed_mask(None) is None


def test_holes_and_multipolygons() -> None:
    donut = Polygon([(0, 0), (3, 0), (3, 3), (0, 3)], holes=[[(1, 1), (2, 1), (2, 2), (1, 2)]])
    islands = MultiPolygon([box(5, 0, 6, 1), box(7, 0, 8, 1)])
    index = GridIndex(["donut", "islands"], [donut, islands])
    assert index.locate(0.5, 0.5) == "donut"
    assert index.locate(1.5, 1.5) is None  # in the hole
    assert index.locate(1.0, 1.5) == "donut"  # on the hole's edge
    assert index.locate(7.5, 0.5) == "islands"
    assert index.locate(6.5, 0.5) is None  # between the islands


def test_overlapping_grids_give_the_lowest_code() -> None:
    index = GridIndex(["2", "1"], [box(0, 0, 10, 10), box(4, 4, 6, 6)], cells_per_grid=1024)
    assert index.locate(5.0, 5.0) == "1"
    assert index.locate(1.0, 1.0) == "2"


def test_empty_index() -> None:
    index = GridIndex([], [])
    assert index.locate_many([0.0, 1.0], [0.0, 1.0]).tolist() == [-1, -1]
    assert index.locate(0.0, 0.0) is None


def jittered_lattice(seed: int, nx: int = 12, ny: int = 9) -> GridIndex:
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.linspace(0, 1.2, nx + 1), np.linspace(0, 0.9, ny + 1), indexing="ij")
    gx = gx + rng.uniform(-0.03, 0.03, gx.shape)
    gy = gy + rng.uniform(-0.03, 0.03, gy.shape)
    polys, codes = [], []
    for i in range(nx):
        for j in range(ny):
            polys.append(
                Polygon(
                    [
                        (gx[i, j], gy[i, j]),
                        (gx[i + 1, j], gy[i + 1, j]),
                        (gx[i + 1, j + 1], gy[i + 1, j + 1]),
                        (gx[i, j + 1], gy[i, j + 1]),
                    ]
                )
            )
            codes.append(f"{rng.integers(10**14, 10**15)}")
    return GridIndex(codes, polys, cells_per_grid=64)


def test_matches_brute_force_on_random_points_vertices_and_edges() -> None:
    index = jittered_lattice(7)
    rng = np.random.default_rng(8)
    x = rng.uniform(-0.1, 1.3, 20_000)
    y = rng.uniform(-0.1, 1.0, 20_000)
    coords = shapely.get_coordinates(np.array(index.polygons))
    mids = (coords[:-1] + coords[1:]) / 2  # mostly edge midpoints
    x = np.concatenate([x, coords[:, 0], mids[:, 0]])
    y = np.concatenate([y, coords[:, 1], mids[:, 1]])
    assert index.locate_many(x, y).tolist() == brute_force(index, x, y).tolist()


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    xs=st.lists(st.floats(-0.2, 1.4), min_size=1, max_size=50),
    ys=st.lists(st.floats(-0.2, 1.1), min_size=1, max_size=50),
)
def test_agrees_with_brute_force(seed: int, xs: list[float], ys: list[float]) -> None:
    n = min(len(xs), len(ys))
    index = jittered_lattice(seed, nx=5, ny=4)
    x, y = np.array(xs[:n]), np.array(ys[:n])
    assert index.locate_many(x, y).tolist() == brute_force(index, x, y).tolist()


# --- database-backed ---


def test_locate_point_in_a_grid(tree: Tree) -> None:
    grid = locate_point(lon=120.05, lat=30.05)
    assert grid.code == "330106001001001"
    assert grid.parent.code == "330106001001000"


def test_locate_point_on_a_shared_edge(tree: Tree) -> None:
    assert locate_point(lon=120.1, lat=30.05).code == "330106001001001"


def test_point_outside_every_grid(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as info:
        locate_point(lon=120.3, lat=30.3)  # inside community 2 but in no grid
    assert (info.value.field, info.value.message) == ("point", "The point lies outside every grid.")


def test_point_out_of_range(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as info:
        locate_point(lon=200.0, lat=95.0)
    assert info.value.errors == {
        "lon": ["The longitude must be between −180 and 180."],
        "lat": ["The latitude must be between −90 and 90."],
    }


def test_gcj02_input_is_converted(tree: Tree) -> None:
    # Just west of the grid 11 | grid 12 edge in WGS84; read off a Chinese map it is ~450 m east.
    g_lon, g_lat = wgs84_to_gcj02(120.099, 30.05)
    assert g_lon > 120.1
    assert locate_point(lon=g_lon, lat=g_lat).code == "330106001001002"
    assert locate_point(lon=g_lon, lat=g_lat, crs="gcj02").code == "330106001001001"
    with pytest.raises(ValidationFailed) as info:
        locate_point(lon=g_lon, lat=g_lat, crs="bd09")
    assert (info.value.field, info.value.message) == (
        "crs",
        "Unknown coordinate system 'bd09'; use wgs84 or gcj02.",
    )


def test_only_visible_grids_are_searched(tree: Tree, resident: User, street_admin: User) -> None:
    assert locate_point(lon=120.05, lat=30.05, user=resident).code == "330106001001001"
    with pytest.raises(ValidationFailed):
        locate_point(lon=120.15, lat=30.05, user=resident)
    # On the grid 11 | grid 12 edge the resident's own grid answers.
    assert locate_point(lon=120.1, lat=30.05, user=resident).code == "330106001001001"
    assert locate_point(lon=120.15, lat=30.05, user=street_admin).code == "330106001001002"


def test_bulk(tree: Tree, resident: User) -> None:
    points = [[120.05, 30.05], [120.15, 30.05], [120.25, 30.05], [120.3, 30.3], [500.0, 0.0]]
    assert locate_points(points=points) == [
        "330106001001001",
        "330106001001002",
        "330106001002001",
        None,
        None,
    ]
    assert locate_points(points=points, user=resident) == [
        "330106001001001",
        None,
        None,
        None,
        None,
    ]
    assert locate_points(points=[]) == []


def test_bulk_limits(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as info:
        locate_points(points=np.zeros((100_001, 2)))
    assert (info.value.field, info.value.message) == (
        "points",
        "At most 100000 points per request.",
    )
    with pytest.raises(ValidationFailed) as info:
        locate_points(points=[[1.0, 2.0, 3.0]])
    assert info.value.field == "points"


def test_the_cached_index_sees_new_grids(tree: Tree, community_staff: User) -> None:
    first = grid_index()
    assert grid_index() is first
    with pytest.raises(ValidationFailed):
        locate_point(lon=120.05, lat=30.15)
    create_area(
        actor=community_staff,
        code="330106001001003",
        name="东湖三网格",
        level=Level.GRID,
        parent=tree.community1,
        boundary=square(120.0, 30.1, 0.1),
    )
    assert grid_index() is not first
    assert locate_point(lon=120.05, lat=30.15).code == "330106001001003"
