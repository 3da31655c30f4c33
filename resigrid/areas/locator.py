"""Which grid contains a point: for one point or a million.

`GridIndex` lays a regular lon/lat cell raster over the grids. At build time each cell is
classified once: no grid boundary crosses it and one grid covers it (the answer is that grid), no
grid touches it (outside), or "mixed" (a boundary passes through it, or grids overlap there) with
the list of candidate grids. A query is then a NumPy gather for most points; only points in mixed
cells are tested exactly with `shapely.intersects_xy` on prepared polygons, in one vectorised call.

A point on an edge shared by several grids belongs to the grid with the lowest code
(grids are numbered in code order, and the smallest number wins).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from resigrid.core.geo import gcj02_to_wgs84

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EMPTY = -1  # cell state: no grid there
# cell state <= -2: mixed, candidates in slot (-2 - state); state >= 0: the one grid covering it
_EPS = 1e-9  # in cell units: cells within this of a crossing are marked too (rounding safety)


def _cell_range(lo: FloatArray, n: int) -> IntArray:
    return np.clip(np.floor(lo).astype(np.int64), 0, n - 1)


class GridIndex:
    """An immutable point → grid index over polygons (WGS84 lon/lat)."""

    def __init__(
        self,
        codes: Sequence[str],
        polygons: Sequence[BaseGeometry],
        ids: Sequence[int] | None = None,
        *,
        cells_per_grid: int = 256,
        max_cells: int = 4_000_000,
    ) -> None:
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        self.codes: list[str] = [codes[i] for i in order]
        self.ids: list[int] = [ids[i] for i in order] if ids is not None else list(order)
        self.polygons: npt.NDArray[np.object_] = np.array(
            [polygons[i] for i in order], dtype=object
        )
        self._code_array = np.array(self.codes, dtype=str)
        n = len(self.codes)
        if n == 0:
            self._x0 = self._y0 = 0.0
            self._x1 = self._y1 = -1.0  # an empty extent: every point is outside
            self._nx = self._ny = 1
            self._sx = self._sy = 1.0
            self._state = np.full(1, _EMPTY, dtype=np.int64)
            self._indptr = np.zeros(1, dtype=np.int64)
            self._candidates = np.zeros(0, dtype=np.int64)
            return
        shapely.prepare(self.polygons)
        bounds = shapely.bounds(self.polygons)
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self._x1, self._y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        width = max(self._x1 - self._x0, 1e-12)
        height = max(self._y1 - self._y0, 1e-12)
        target = min(max(n * cells_per_grid, 64), max_cells)
        cell = math.sqrt(width * height / target)
        self._nx = max(1, math.ceil(width / cell))
        self._ny = max(1, math.ceil(height / cell))
        self._sx = self._nx / width  # cells per degree
        self._sy = self._ny / height
        self._build(bounds)

    # --- build ---

    def _mark_boundaries(self) -> BoolArray:
        """Cells crossed by any polygon ring: endpoint cells plus both sides of every crossing
        of a cell line (a segment can only change cell at such a crossing)."""
        nx, ny = self._nx, self._ny
        rings = shapely.get_rings(self.polygons)
        coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
        u = (coords[:, 0] - self._x0) * self._sx
        v = (coords[:, 1] - self._y0) * self._sy
        same = ring_idx[1:] == ring_idx[:-1]
        ua, ub, va, vb = u[:-1][same], u[1:][same], v[:-1][same], v[1:][same]
        cols: list[FloatArray] = []
        rows: list[FloatArray] = []
        for du in (-_EPS, _EPS):
            for dv in (-_EPS, _EPS):
                cols.append(u + du)
                rows.append(v + dv)
        for a_along, b_along, a_other, b_other, vertical in (
            (ua, ub, va, vb, True),
            (va, vb, ua, ub, False),
        ):
            lo = np.minimum(a_along, b_along)
            hi = np.maximum(a_along, b_along)
            first = np.ceil(lo)
            count = np.maximum(np.floor(hi) - first + 1, 0).astype(np.int64)
            total = int(count.sum())
            if total == 0:
                continue
            seg = np.repeat(np.arange(len(count)), count)
            start = np.cumsum(count) - count
            k = first[seg] + (np.arange(total) - start[seg])
            denom = b_along[seg] - a_along[seg]
            # A segment lying on line k: its cells are marked by its endpoints and the other
            # direction's crossings; avoid 0/0 here.
            t = (k - a_along[seg]) / np.where(denom == 0.0, 1.0, denom)
            other = a_other[seg] + t * (b_other[seg] - a_other[seg])
            for dk in (-1.0 + 0.5, 0.5):  # the cells on both sides of line k
                for do in (-_EPS, _EPS):
                    along, across = k + dk, other + do
                    cols.append(along if vertical else across)
                    rows.append(across if vertical else along)
        ci = _cell_range(np.concatenate(cols), nx)
        ri = _cell_range(np.concatenate(rows), ny)
        mixed = np.zeros(nx * ny, dtype=bool)
        mixed[ri * nx + ci] = True
        return mixed

    def _build(self, bounds: FloatArray) -> None:
        nx, ny = self._nx, self._ny
        n = len(self.polygons)
        mixed = self._mark_boundaries()
        # Every (grid, cell) pair whose cell lies in the grid's bounding box.
        i0 = _cell_range((bounds[:, 0] - self._x0) * self._sx, nx)
        i1 = _cell_range((bounds[:, 2] - self._x0) * self._sx, nx)
        j0 = _cell_range((bounds[:, 1] - self._y0) * self._sy, ny)
        j1 = _cell_range((bounds[:, 3] - self._y0) * self._sy, ny)
        w = i1 - i0 + 1
        count = w * (j1 - j0 + 1)
        poly = np.repeat(np.arange(n, dtype=np.int64), count)
        local = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(count) - count, count
        )
        cell = (j0[poly] + local // w[poly]) * nx + i0[poly] + local % w[poly]
        # Cells no boundary crosses: the grids containing the centre contain the whole cell.
        clean = ~mixed[cell]
        cx = self._x0 + (cell[clean] % nx + 0.5) / self._sx
        cy = self._y0 + (cell[clean] // nx + 0.5) / self._sy
        hit = shapely.intersects_xy(self.polygons[poly[clean]], cx, cy)
        owner_cell = cell[clean][hit]
        owner_poly = poly[clean][hit]
        covers = np.bincount(owner_cell, minlength=nx * ny)
        mixed |= covers >= 2  # overlapping grids: decide point by point
        state = np.full(nx * ny, _EMPTY, dtype=np.int64)
        state[owner_cell] = owner_poly
        # Mixed cells: candidates sorted by (cell, grid) so the lowest code comes first.
        keep = mixed[cell]
        pairs_cell, pairs_poly = cell[keep], poly[keep]
        order = np.argsort(pairs_cell * n + pairs_poly, kind="stable")
        pairs_cell, pairs_poly = pairs_cell[order], pairs_poly[order]
        mixed_cells = np.flatnonzero(mixed)
        slot = np.full(nx * ny, -1, dtype=np.int64)
        slot[mixed_cells] = np.arange(len(mixed_cells))
        state[mixed_cells] = -2 - slot[mixed_cells]
        per_slot = np.bincount(slot[pairs_cell], minlength=len(mixed_cells))
        self._indptr = np.concatenate([[0], np.cumsum(per_slot)]).astype(np.int64)
        self._candidates = pairs_poly.astype(np.int64)
        self._state = state

    # --- queries ---

    def __len__(self) -> int:
        return len(self.codes)

    def allowed_mask(self, prefixes: list[str] | None) -> BoolArray | None:
        """Grids whose code starts with one of `prefixes`; None (everything) for None."""
        if prefixes is None:
            return None
        mask = np.zeros(len(self.codes), dtype=bool)
        for p in prefixes:
            mask |= np.char.startswith(self._code_array, p)
        return mask

    def locate_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, allowed: BoolArray | None = None
    ) -> IntArray:
        """For each point, the index (into `codes`) of its grid, or -1 outside every grid.

        `allowed` (a mask over grids) restricts the search: other grids are treated as absent.
        """
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats must have the same length")
        out = np.full(x.shape[0], -1, dtype=np.int64)
        inside = (x >= self._x0) & (x <= self._x1) & (y >= self._y0) & (y <= self._y1)
        idx = np.flatnonzero(inside)
        if idx.size == 0:
            return out
        xi, yi = x[idx], y[idx]
        ci = np.minimum(((xi - self._x0) * self._sx).astype(np.int64), self._nx - 1)
        ri = np.minimum(((yi - self._y0) * self._sy).astype(np.int64), self._ny - 1)
        state = self._state[ri * self._nx + ci]
        pure = state >= 0
        owners = state[pure]
        if allowed is not None:
            owners = np.where(allowed[owners], owners, -1)
        out[idx[pure]] = owners
        mixed = state <= -2
        if not mixed.any():
            return out
        pts = idx[mixed]
        slots = -2 - state[mixed]
        starts = self._indptr[slots]
        counts = self._indptr[slots + 1] - starts
        total = int(counts.sum())
        pair_pt = np.repeat(pts, counts)
        pair_poly = self._candidates[
            np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
        ]
        if allowed is not None:
            keep = allowed[pair_poly]
            pair_pt, pair_poly = pair_pt[keep], pair_poly[keep]
        hit = shapely.intersects_xy(self.polygons[pair_poly], x[pair_pt], y[pair_pt])
        hit_pt, hit_poly = pair_pt[hit], pair_poly[hit]
        first = np.ones(hit_pt.shape[0], dtype=bool)
        first[1:] = hit_pt[1:] != hit_pt[:-1]  # candidates ascend per point: first is lowest
        out[hit_pt[first]] = hit_poly[first]
        return out

    def locate(self, lon: float, lat: float, allowed: BoolArray | None = None) -> str | None:
        """The code of the grid containing (lon, lat), or None."""
        i = int(self.locate_many(np.array([lon]), np.array([lat]), allowed)[0])
        return self.codes[i] if i >= 0 else None


# --- the index of the database's grids, cached per process ---

_cache_lock = threading.Lock()
_cache: tuple[tuple[Any, ...], GridIndex] | None = None
_checked_at = 0.0  # time.monotonic() of the last key check


def _grid_key() -> tuple[Any, ...]:
    """Changes whenever a grid row is added, removed or saved (updated_at moves)."""
    from resigrid.areas.models import Area

    agg = Area.objects.grids().aggregate(n=Count("id"), top=Max("id"), last=Max("updated_at"))
    return (agg["n"], agg["top"], agg["last"])


def _build_from_db() -> GridIndex:
    import logging

    from resigrid.areas.geometry import GeometryError, parse_boundary
    from resigrid.areas.models import Area

    codes: list[str] = []
    polygons: list[BaseGeometry] = []
    ids: list[int] = []
    rows = Area.objects.grids().exclude(boundary=None).values_list("id", "code", "boundary")
    for pk, code, boundary in rows.iterator(chunk_size=2000):
        try:
            polygons.append(parse_boundary(boundary))
        except GeometryError:
            # Written around the services (admin, raw SQL): leave it out rather than fail.
            logging.getLogger(__name__).warning("grid %s has an invalid boundary", code)
            continue
        codes.append(code)
        ids.append(pk)
    return GridIndex(codes, polygons, ids)


def _now() -> float:
    return time.monotonic()


def _check_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "CACHE_CHECK_SECONDS", 1.0))


def grid_index() -> GridIndex:
    """The index over every grid in the database, rebuilt when the grid rows change. The key
    is checked at most every CACHE_CHECK_SECONDS (1 s; 0 in the tests), so a grid changed by
    any process is seen by every process within about that time."""
    global _cache, _checked_at
    cached, now = _cache, _now()
    if cached is not None and now - _checked_at < _check_seconds():
        return cached[1]
    key = _grid_key()
    with _cache_lock:
        _checked_at = now
        if _cache is not None and _cache[0] == key:
            return _cache[1]
        index = _build_from_db()
        _cache = (key, index)
        return index


def invalidate_grid_index() -> None:
    global _cache, _checked_at
    with _cache_lock:
        _cache = None
        _checked_at = 0.0


# --- services: a point (or many) in, grids out ---

CRS_CHOICES = ("wgs84", "gcj02")
MAX_BULK_POINTS = 100_000


def _to_wgs84(lons: FloatArray, lats: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]:
    from resigrid.core.errors import ValidationFailed

    if crs not in CRS_CHOICES:
        raise ValidationFailed(
            _("Unknown coordinate system %(crs)s; use wgs84 or gcj02.") % {"crs": repr(crs)},
            field="crs",
        )
    if crs == "gcj02":
        return gcj02_to_wgs84(lons, lats)
    return lons, lats


def locate_point(*, lon: float, lat: float, crs: str = "wgs84", user: Any = None) -> Any:
    """The grid (an Area) containing the point, among the grids `user` may see (all grids when
    no user is given). Raises ValidationFailed for a bad point or one outside every grid."""
    from resigrid.areas.models import Area, scope_prefixes
    from resigrid.core.errors import ValidationFailed

    errors: dict[str, list[str]] = {}
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        errors["lon"] = [_("The longitude must be between −180 and 180.")]
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        errors["lat"] = [_("The latitude must be between −90 and 90.")]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)
    x, y = _to_wgs84(np.array([lon]), np.array([lat]), crs)
    index = grid_index()
    allowed = index.allowed_mask(scope_prefixes(user) if user is not None else None)
    i = int(index.locate_many(x, y, allowed)[0])
    if i < 0:
        raise ValidationFailed(_("The point lies outside every grid."), field="point")
    return Area.objects.select_related("parent").get(pk=index.ids[i])


def locate_points(
    *, points: npt.ArrayLike, crs: str = "wgs84", user: Any = None
) -> list[str | None]:
    """The grid code for each [lon, lat] point, or None outside every (visible) grid.

    Points with coordinates out of range are simply outside; the batch never fails for them.
    """
    from resigrid.areas.models import scope_prefixes
    from resigrid.core.errors import ValidationFailed

    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return []
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationFailed(_("Give the points as [longitude, latitude] pairs."), field="points")
    if arr.shape[0] > MAX_BULK_POINTS:
        raise ValidationFailed(
            _("At most %(n)d points per request.") % {"n": MAX_BULK_POINTS}, field="points"
        )
    x, y = _to_wgs84(arr[:, 0].copy(), arr[:, 1].copy(), crs)
    index = grid_index()
    allowed = index.allowed_mask(scope_prefixes(user) if user is not None else None)
    found = index.locate_many(x, y, allowed)
    return [index.codes[i] if i >= 0 else None for i in found.tolist()]
