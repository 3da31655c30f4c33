"""The demo's geometry: a jittered lattice of quadrilateral grids.

Vertices sit on a regular lattice (about 250 m × 250 m cells around lon 120.13, lat 30.27) and
each vertex is moved by a random offset below a fifth of a cell, so quads stay convex. A grid's
ring is built from the four shared vertices, so neighbouring grids share their edge exactly: no
overlap, no gap. Communities take consecutive runs of cells in a column-wise serpentine order,
which keeps each community in one piece. Pure maths, no database.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from shapely import union_all
from shapely.geometry import mapping, shape

CENTRE_LON = 120.13
CENTRE_LAT = 30.27
CELL_M = 250.0
JITTER = 0.18  # fraction of a cell; below 0.25 keeps every quad convex
M_PER_DEG_LAT = 110_574.0  # near 30° N; only sizes the cells
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
CELL_DLON = CELL_M / M_PER_DEG_LON
CELL_DLAT = CELL_M / M_PER_DEG_LAT
DIGITS = 7  # about 1 cm; vertices are rounded once, so shared edges stay identical


@dataclass(frozen=True)
class Cell:
    row: int  # 0 = northmost
    col: int  # 0 = westmost
    corners: tuple[tuple[float, float], ...]  # NW, SW, SE, NE (counter-clockwise)

    @property
    def ring(self) -> list[list[float]]:
        return [list(p) for p in (*self.corners, self.corners[0])]

    @property
    def geojson(self) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [self.ring]}

    def point(self, u: float, v: float) -> tuple[float, float]:
        """Bilinear point: u west→east, v north→south, both in [0, 1]; inside a convex quad."""
        nw, sw, se, ne = self.corners
        lon = (1 - u) * (1 - v) * nw[0] + u * (1 - v) * ne[0] + u * v * se[0] + (1 - u) * v * sw[0]
        lat = (1 - u) * (1 - v) * nw[1] + u * (1 - v) * ne[1] + u * v * se[1] + (1 - u) * v * sw[1]
        return round(lon, DIGITS), round(lat, DIGITS)


def lattice_shape(n_cells: int) -> tuple[int, int]:
    """Rows and columns of a roughly square lattice holding `n_cells`."""
    rows = max(1, math.isqrt(n_cells))
    cols = math.ceil(n_cells / rows)
    return rows, cols


def serpentine(rows: int, cols: int, n: int) -> list[tuple[int, int]]:
    """The first `n` cells column by column, west→east, alternating down and up."""
    order: list[tuple[int, int]] = []
    for c in range(cols):
        rs = range(rows) if c % 2 == 0 else range(rows - 1, -1, -1)
        order.extend((r, c) for r in rs)
    return order[:n]


def build_cells(rng: random.Random, n_cells: int) -> list[Cell]:
    """`n_cells` jittered quads in serpentine order."""
    rows, cols = lattice_shape(n_cells)
    west = CENTRE_LON - cols * CELL_DLON / 2
    north = CENTRE_LAT + rows * CELL_DLAT / 2
    vertex: dict[tuple[int, int], tuple[float, float]] = {}
    for r in range(rows + 1):
        for c in range(cols + 1):
            dx = rng.uniform(-JITTER, JITTER)
            dy = rng.uniform(-JITTER, JITTER)
            vertex[(r, c)] = (
                round(west + (c + dx) * CELL_DLON, DIGITS),
                round(north - (r + dy) * CELL_DLAT, DIGITS),
            )
    return [
        Cell(
            row=r,
            col=c,
            corners=(
                vertex[(r, c)],
                vertex[(r + 1, c)],
                vertex[(r + 1, c + 1)],
                vertex[(r, c + 1)],
            ),
        )
        for r, c in serpentine(rows, cols, n_cells)
    ]


def split_counts(rng: random.Random, total: int, parts: int, spread: float) -> list[int]:
    """`total` split into `parts` positive-weight shares varying by about ±`spread`."""
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    shares = [w * total / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    # Largest remainders get the units left over, so no share is pushed far from its weight.
    by_remainder = sorted(range(parts), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def union(geojsons: list[dict[str, Any]]) -> dict[str, Any]:
    """The union of polygons as GeoJSON (a Polygon when they form one piece)."""
    merged = union_all([shape(g) for g in geojsons])
    return _rounded(dict(mapping(merged)))


def box_around(geojson: dict[str, Any], margin: float) -> dict[str, Any]:
    """A rectangle around the geometry, grown by `margin` of its size on every side."""
    minx, miny, maxx, maxy = shape(geojson).bounds
    mx = (maxx - minx) * margin
    my = (maxy - miny) * margin
    w, s, e, n = minx - mx, miny - my, maxx + mx, maxy + my
    return _rounded({"type": "Polygon", "coordinates": [[[w, n], [w, s], [e, s], [e, n], [w, n]]]})


def _rounded(geojson: dict[str, Any]) -> dict[str, Any]:
    def fix(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, DIGITS) for v in value]
            return [fix(v) for v in value]
        return value

    return {"type": geojson["type"], "coordinates": fix(geojson["coordinates"])}
