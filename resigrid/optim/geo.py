"""Vectorised great-circle distances on WGS84 (lon, lat) degrees, spherical Earth.

`resigrid.core` has geo helpers too, but the solvers may not import any app, so this is a tiny
NumPy-only copy of what they need. Distances are exact on the sphere (haversine), within about
0.5 % of the ellipsoid — far below the error of "as the crow flies" as a travel cost.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from resigrid.optim.errors import OptimInputError

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

FloatArray = npt.NDArray[np.float64]


def check_lon_lat(
    lon: npt.ArrayLike, lat: npt.ArrayLike, what: str
) -> tuple[FloatArray, FloatArray]:
    """Coordinates as float arrays of one length, finite and within range, else an error."""
    x = np.asarray(lon, dtype=np.float64).ravel()
    y = np.asarray(lat, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise OptimInputError(
            "geo.shape",
            f"The {what} have {x.size} longitudes but {y.size} latitudes.",
            what=what,
        )
    bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(x) > 180.0) | (np.abs(y) > 90.0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise OptimInputError(
            "geo.coordinates",
            f"The {what} have {int(bad.sum())} missing or out-of-range coordinates "
            f"(first at index {first}).",
            what=what,
            index=first,
        )
    return x, y


def unit_vectors(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Points on the unit sphere (n × 3); the chord between two is monotone in their distance."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_to_metres(chord: npt.ArrayLike) -> FloatArray:
    """Great-circle distance in metres from the chord length on the unit sphere."""
    c = np.clip(np.asarray(chord, dtype=np.float64), 0.0, 2.0)
    return 2.0 * EARTH_RADIUS_M * np.arcsin(c / 2.0)


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in metres, broadcasting like NumPy."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
