"""Coordinate conversion between WGS84 and GCJ-02 (the offset datum of Chinese web maps).

Pure functions, vectorised with NumPy. The forward transform is the published GCJ-02 algorithm;
the inverse is iterated (fixed point) until the round trip is below a millimetre, because the
one-step inverse errs by metres.
"""

from typing import overload

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # eccentricity squared
_INVERSE_TOLERANCE_DEG = 1e-9  # about 0.1 mm
_INVERSE_MAX_ITERATIONS = 30


def in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """The rough box where GCJ-02 applies; outside it GCJ-02 equals WGS84."""
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02_array(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    d_lon, d_lat = _delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84_array(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Invert by fixed-point iteration: w ← w − (f(w) − g) converges in a few steps."""
    w_lon = lon.copy()
    w_lat = lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        g_lon, g_lat = wgs84_to_gcj02_array(w_lon, w_lat)
        e_lon = g_lon - lon
        e_lat = g_lat - lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if (
            np.max(np.abs(e_lon), initial=0.0) < _INVERSE_TOLERANCE_DEG
            and np.max(np.abs(e_lat), initial=0.0) < _INVERSE_TOLERANCE_DEG
        ):
            break
    return w_lon, w_lat


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    if isinstance(lon, np.ndarray) and isinstance(lat, np.ndarray):
        return wgs84_to_gcj02_array(lon.astype(np.float64), lat.astype(np.float64))
    g_lon, g_lat = wgs84_to_gcj02_array(np.array([lon], dtype=np.float64), np.array([lat]))
    return float(g_lon[0]), float(g_lat[0])


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    if isinstance(lon, np.ndarray) and isinstance(lat, np.ndarray):
        return gcj02_to_wgs84_array(lon.astype(np.float64), lat.astype(np.float64))
    w_lon, w_lat = gcj02_to_wgs84_array(np.array([lon], dtype=np.float64), np.array([lat]))
    return float(w_lon[0]), float(w_lat[0])


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (WGS84 mean radius)."""
    r = 6371008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * r * np.arcsin(np.sqrt(h)))
