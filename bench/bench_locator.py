"""Benchmark: GridIndex.locate_many against a naive per-point loop and shapely's STRtree.

    .venv/bin/python bench/bench_locator.py [--grids-x 100 --grids-y 50 --points 1000000]

Builds a jittered 100 × 50 lattice of quadrilateral grids (5,000) over a city-sized box around
Hangzhou and 1,000,000 seeded random points (some outside the lattice), then times
  * GridIndex build (separately) and GridIndex.locate_many (best of 3),
  * the naive loop: for each point, every polygon in code order, bbox check then
    shapely contains-or-touches, first hit wins — measured on a sample and extrapolated,
  * shapely.STRtree.query(points, predicate="intersects") as a library anchor.
Goals: locate_many >= 500,000 points/s and >= 50x the naive loop.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resigrid.areas.locator import GridIndex

GOAL_RATE = 500_000
GOAL_RATIO = 50.0
BOX = (120.00, 30.15, 120.30, 30.35)  # about 29 km × 22 km


def lattice(nx: int, ny: int, seed: int) -> tuple[list[str], list[Polygon]]:
    """A tiling: interior vertices jittered by up to 30 % of a cell, shared by neighbours."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BOX
    gx, gy = np.meshgrid(np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1), indexing="ij")
    cw, ch = (x1 - x0) / nx, (y1 - y0) / ny
    jx = rng.uniform(-0.3, 0.3, gx.shape) * cw
    jy = rng.uniform(-0.3, 0.3, gy.shape) * ch
    jx[[0, -1], :] = 0.0
    jy[:, [0, -1]] = 0.0
    gx, gy = gx + jx, gy + jy
    polygons = [
        Polygon(
            [
                (gx[i, j], gy[i, j]),
                (gx[i + 1, j], gy[i + 1, j]),
                (gx[i + 1, j + 1], gy[i + 1, j + 1]),
                (gx[i, j + 1], gy[i, j + 1]),
            ]
        )
        for i in range(nx)
        for j in range(ny)
    ]
    # Codes in a shuffled order, as a real district's numbering would not follow the lattice.
    numbers = rng.permutation(len(polygons)) + 1
    codes = [f"330106{n // 1000 + 1:03d}{n // 50 % 20 + 1:03d}{n % 1000:03d}" for n in numbers]
    return codes, polygons


def naive_locate(index: GridIndex, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Per point, per polygon (code order): bounding box, then the exact test; first hit wins."""
    polys = list(index.polygons)
    bounds = [p.bounds for p in polys]
    out = np.full(len(xs), -1, dtype=np.int64)
    for k, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        for i, (bx0, by0, bx1, by1) in enumerate(bounds):
            if bx0 <= x <= bx1 and by0 <= y <= by1 and shapely.intersects_xy(polys[i], x, y):
                out[k] = i
                break
    return out


def best_of(runs: int, fn, *args):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grids-x", type=int, default=100)
    parser.add_argument("--grids-y", type=int, default=50)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()

    codes, polygons = lattice(args.grids_x, args.grids_y, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    x0, y0, x1, y1 = BOX
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    xs = rng.uniform(x0 - mx, x1 + mx, args.points)
    ys = rng.uniform(y0 - my, y1 + my, args.points)

    t = time.perf_counter()
    index = GridIndex(codes, polygons)
    build_s = time.perf_counter() - t
    mixed = float((index._state <= -2).mean())

    fast_s, found = best_of(3, index.locate_many, xs, ys)
    fast_rate = args.points / fast_s

    sample = min(args.naive_sample, args.points)
    naive_s, naive_found = best_of(1, naive_locate, index, xs[:sample], ys[:sample])
    naive_rate = sample / naive_s
    agree = bool(np.array_equal(naive_found, found[:sample]))

    tree_polys = np.array(index.polygons)
    t = time.perf_counter()
    tree = shapely.STRtree(tree_polys)
    tree_build_s = time.perf_counter() - t

    def strtree_query(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return tree.query(shapely.points(xs, ys), predicate="intersects")

    strtree_s, _ = best_of(1, strtree_query, xs, ys)
    strtree_rate = args.points / strtree_s

    ratio = fast_rate / naive_rate
    inside = int((found >= 0).sum())
    print(f"grids: {len(index):,} ({args.grids_x} x {args.grids_y} jittered lattice)")
    print(f"points: {args.points:,} seeded uniform, {inside:,} inside a grid")
    print(f"GridIndex build: {build_s:.3f} s ({index._nx} x {index._ny} cells, {mixed:.1%} mixed)")
    print(
        f"GridIndex.locate_many: {fast_s:.3f} s  -> {fast_rate:,.0f} points/s "
        f"(goal >= {GOAL_RATE:,}: {'met' if fast_rate >= GOAL_RATE else 'NOT met'})"
    )
    print(
        f"naive loop (bbox + shapely per polygon): measured on {sample:,} points in "
        f"{naive_s:.3f} s -> {naive_rate:,.0f} points/s, extrapolated to "
        f"{args.points / naive_rate:,.0f} s for all points; answers agree: {agree}"
    )
    print(
        f"shapely STRtree.query(intersects) anchor: build {tree_build_s:.3f} s, "
        f"query {strtree_s:.3f} s -> {strtree_rate:,.0f} points/s"
    )
    print(
        f"speed-up over naive: {ratio:,.0f}x "
        f"(goal >= {GOAL_RATIO:.0f}x: {'met' if ratio >= GOAL_RATIO else 'NOT met'}); "
        f"over STRtree: {fast_rate / strtree_rate:.1f}x"
    )


if __name__ == "__main__":
    main()
