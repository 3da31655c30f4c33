"""GCJ-02 ⇄ WGS84: the published forward transform and the iterated inverse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.core.geo import gcj02_to_wgs84, haversine_m, in_china, wgs84_to_gcj02

# China's box, where the offset applies.
china_lon = st.floats(min_value=73.5, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=53.5, allow_nan=False)


def test_forward_matches_published_pairs() -> None:
    # Pairs as given by the widely used coordtransform library for the same algorithm.
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9
    )
    lon, lat = wgs84_to_gcj02(116.397, 39.908)
    assert (round(lon, 5), round(lat, 5)) == (116.40324, 39.9094)


def test_offset_is_hundreds_of_metres_in_beijing() -> None:
    lon, lat = wgs84_to_gcj02(116.397, 39.908)
    assert 400 < haversine_m(116.397, 39.908, lon, lat) < 700


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_inverse_undoes_forward_within_half_a_metre(lon: float, lat: float) -> None:
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, back_lon, back_lat) < 0.5


@settings(max_examples=100, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_forward_undoes_inverse_within_half_a_metre(lon: float, lat: float) -> None:
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    again_lon, again_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert haversine_m(lon, lat, again_lon, again_lat) < 0.5


def test_outside_china_nothing_moves() -> None:
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert gcj02_to_wgs84(-74.006, 40.7128) == (-74.006, 40.7128)


def test_arrays_agree_with_scalars() -> None:
    lons = np.array([116.397, 121.4737, 2.3522])
    lats = np.array([39.908, 31.2304, 48.8566])
    g_lon, g_lat = wgs84_to_gcj02(lons, lats)
    for i in range(3):
        assert (g_lon[i], g_lat[i]) == wgs84_to_gcj02(float(lons[i]), float(lats[i]))
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert np.allclose(w_lon, lons, atol=1e-8)
    assert np.allclose(w_lat, lats, atol=1e-8)
    assert in_china(lons, lats).tolist() == [True, True, False]


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_m(120.0, 30.0, 120.0, 31.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(120.0, 30.0, 120.0, 30.0) == 0.0
