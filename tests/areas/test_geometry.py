"""Boundary validation and measures (pure: no database)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from shapely.geometry import box

from resigrid.areas.geometry import (
    GeometryError,
    area_m2,
    centroid,
    child_outside_error,
    outside_m2,
    overlap_m2,
    parse_boundary,
    sibling_overlap_errors,
    to_geojson,
)
from tests.factories import square


def message(data: Any) -> str:
    with pytest.raises(GeometryError) as info:
        parse_boundary(data)
    return info.value.message


def polygon(*ring: tuple[Any, Any]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def test_a_square_parses() -> None:
    geom = parse_boundary(square(120.0, 30.0, 0.01))
    assert geom.geom_type == "Polygon"
    assert geom.bounds == (120.0, 30.0, 120.01, 30.01)


def test_multipolygon_parses() -> None:
    data = {
        "type": "MultiPolygon",
        "coordinates": [
            square(120.0, 30.0, 0.01)["coordinates"],
            square(120.02, 30.0, 0.01)["coordinates"],
        ],
    }
    assert parse_boundary(data).geom_type == "MultiPolygon"


def test_bow_tie_is_a_self_intersection() -> None:
    bow_tie = polygon((120.0, 30.0), (120.1, 30.1), (120.1, 30.0), (120.0, 30.1), (120.0, 30.0))
    assert message(bow_tie) == "The boundary intersects itself near (120.050000, 30.050000)."


def test_open_ring() -> None:
    open_ring = polygon((120.0, 30.0), (120.1, 30.0), (120.1, 30.1), (120.0, 30.1))
    assert (
        message(open_ring) == "The outer ring is not closed: its first and last positions differ."
    )


def test_too_few_positions() -> None:
    assert message(polygon((120.0, 30.0), (120.1, 30.0), (120.0, 30.0))) == (
        "The outer ring has 3 positions; a closed ring needs at least 4."
    )


def test_out_of_range_coordinates() -> None:
    bad = polygon((120.0, 30.0), (190.0, 30.0), (120.0, 30.1), (120.0, 30.0))
    assert message(bad) == (
        "The outer ring, position 2: the point (190.0, 30.0) is outside the WGS84 range "
        "(longitude −180…180, latitude −90…90)."
    )


def test_swapped_coordinates_get_a_hint() -> None:
    swapped = polygon((30.0, 120.0), (30.0, 120.1), (30.1, 120.1), (30.0, 120.0))
    assert message(swapped).endswith(
        "Longitude and latitude may be swapped: GeoJSON puts longitude first."
    )


def test_non_numeric_coordinates() -> None:
    assert message(polygon((120.0, 30.0), ("a", 30.0), (120.0, 30.1), (120.0, 30.0))) == (
        "The outer ring, position 2: coordinates must be finite numbers."
    )
    assert message(polygon((120.0, 30.0), (True, 30.0), (120.0, 30.1), (120.0, 30.0))) == (
        "The outer ring, position 2: coordinates must be finite numbers."
    )


def test_wrong_type_and_shape() -> None:
    assert message({"type": "Point", "coordinates": [120.0, 30.0]}) == (
        "The boundary must be a GeoJSON Polygon or MultiPolygon; got 'Point'."
    )
    assert message({"coordinates": []}) == (
        "The boundary must be a GeoJSON Polygon or MultiPolygon; got no type."
    )
    assert message("POLYGON((0 0, 1 0, 1 1, 0 0))") == (
        "The boundary must be a GeoJSON geometry object."
    )


def test_empty() -> None:
    assert message({"type": "Polygon", "coordinates": []}) == "The boundary is empty."
    assert message({"type": "MultiPolygon", "coordinates": []}) == "The boundary is empty."


def test_hole_outside_shell() -> None:
    data = {
        "type": "Polygon",
        "coordinates": [
            square(120.0, 30.0, 0.1)["coordinates"][0],
            square(121.0, 30.0, 0.01)["coordinates"][0],
        ],
    }
    assert message(data).startswith("A hole lies outside its outer ring")


def test_zero_area_is_refused() -> None:
    flat = polygon((120.0, 30.0), (120.1, 30.0), (120.2, 30.0), (120.0, 30.0))
    # GEOS sees the ring fold back on itself.
    assert message(flat) == "The boundary intersects itself near (120.100000, 30.000000)."


def test_area_of_a_lon_lat_cell_matches_the_ellipsoid() -> None:
    # Exact area of a 0.1° cell at 30°N on WGS84, from the authalic-latitude formula.
    a, e2 = 6378137.0, 0.00669437999014
    e = math.sqrt(e2)

    def q(phi: float) -> float:
        s = math.sin(phi)
        return (1 - e2) * (s / (1 - e2 * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e))

    exact = a * a / 2 * math.radians(0.1) * (q(math.radians(30.1)) - q(math.radians(30.0)))
    assert area_m2(box(120.0, 30.0, 120.1, 30.1)) == pytest.approx(exact, rel=1e-4)


def test_area_of_a_community_sized_square() -> None:
    # 0.01° × 0.01° at the equator ≈ 1113 m × 1106 m.
    assert area_m2(box(0.0, 0.0, 0.01, 0.01)) == pytest.approx(1_230_922, rel=1e-3)


def test_centroid() -> None:
    assert centroid(box(120.0, 30.0, 120.2, 30.1)) == pytest.approx((120.1, 30.05))


def test_to_geojson_gives_lists() -> None:
    data = to_geojson(box(0.0, 0.0, 1.0, 1.0))
    assert data["type"] == "Polygon"
    assert isinstance(data["coordinates"][0][0], list)


def test_child_outside_parent() -> None:
    parent = box(120.0, 30.0, 120.1, 30.1)
    inside = box(120.0, 30.0, 120.05, 30.05)
    sticking_out = box(120.05, 30.0, 120.15, 30.05)
    assert outside_m2(inside, parent) == 0.0
    assert child_outside_error(inside, parent, parent_label="P", tolerance_m2=50) is None
    msg = child_outside_error(sticking_out, parent, parent_label="东湖社区", tolerance_m2=50)
    assert msg is not None
    assert msg.startswith("The boundary extends ")
    assert msg.endswith(" m² outside its parent 东湖社区 (at most 50 m² allowed).")


def test_child_outside_within_tolerance_passes() -> None:
    parent = box(120.0, 30.0, 120.1, 30.1)
    # A sliver 5e-8° (≈ 5 mm) wide and 0.05° (≈ 5.5 km) long: about 27 m² outside.
    sliver = box(120.0, 30.0, 120.1 + 5e-8, 30.05)
    assert 0 < outside_m2(sliver, parent) < 50
    assert child_outside_error(sliver, parent, parent_label="P", tolerance_m2=50) is None


def test_siblings_overlapping() -> None:
    geom = box(120.0, 30.0, 120.1, 30.1)
    siblings = {
        "A (1)": box(120.05, 30.0, 120.15, 30.1),  # half overlaps
        "B (2)": box(120.1, 30.0, 120.2, 30.1),  # shares an edge only
        "C (3)": box(121.0, 30.0, 121.1, 30.1),  # far away
    }
    errors = sibling_overlap_errors(geom, siblings, tolerance_m2=50)
    assert len(errors) == 1
    assert errors[0].startswith("The boundary overlaps A (1) by ")
    assert overlap_m2(geom, siblings["B (2)"]) == 0.0
    assert overlap_m2(geom, siblings["A (1)"]) == pytest.approx(area_m2(geom) / 2, rel=1e-3)
    assert sibling_overlap_errors(geom, {}, tolerance_m2=50) == []
