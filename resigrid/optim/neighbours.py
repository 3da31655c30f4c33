"""Nearest eligible neighbours on the sphere, kept as flat candidate-edge lists.

Used by `assignment`: per slot its nearest eligible volunteers, per volunteer its nearest
eligible slots. A KD-tree over unit vectors finds the nearest by chord, which orders exactly as
the great-circle distance; the search widens (× 4) until ``k`` eligible ones are found or the
pool is exhausted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # no scipy-stubs in the lock

from resigrid.optim.eligibility import BoolArray, IntArray
from resigrid.optim.geo import FloatArray, chord_to_metres

#: Bound on pairs looked at in one KD-tree query (rows × k), to bound memory.
_QUERY_PAIRS = 2_000_000

EMPTY = np.zeros(0, np.int64)

Eligible = Callable[[IntArray, IntArray], BoolArray]  # (query ids, pool ids) → may pair


class Lists:
    """Flat candidate edges ``owner → other`` (nearest first) with per-owner k and completeness."""

    def __init__(self, n: int) -> None:
        self.owner, self.other, self.metres = EMPTY, EMPTY, EMPTY
        self.k = np.zeros(n, np.int64)
        self.complete = np.zeros(n, dtype=bool)

    def put(self, owners: IntArray, found: tuple[IntArray, IntArray, IntArray, BoolArray]) -> None:
        o, x, d, complete = found
        mine = np.zeros(self.k.size, dtype=bool)
        mine[owners] = True
        keep = ~mine[self.owner]
        self.owner = np.concatenate([self.owner[keep], o])
        self.other = np.concatenate([self.other[keep], x])
        self.metres = np.concatenate([self.metres[keep], d])
        self.complete[owners] = complete


def everyone(a: IntArray, b: IntArray) -> BoolArray:
    return np.ones(a.size, dtype=bool)


def knn(
    xyz: FloatArray, ids: IntArray, pool: IntArray, tree: cKDTree, k: int, eligible: Eligible
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """For each query id: its ``k`` nearest eligible pool members (flat owner, other, metres) and
    whether that is all of them (the pool was exhausted with at most ``k`` found)."""
    out_o, out_x, out_d = [EMPTY], [EMPTY], [EMPTY]
    complete = np.zeros(ids.size, dtype=bool)
    rows = np.arange(ids.size)
    kq = min(pool.size, max(2 * k, 8))
    while rows.size and kq:
        step = max(1, _QUERY_PAIRS // kq)
        pending = [EMPTY]
        for lo in range(0, rows.size, step):
            part = rows[lo : lo + step]
            chord, idx = tree.query(xyz[ids[part]], k=[*range(1, kq + 1)])
            other = pool[np.reshape(idx, (part.size, kq))]
            ok = eligible(np.repeat(ids[part], kq), other.ravel()).reshape(part.size, kq)
            count = ok.sum(axis=1)
            exhausted = kq >= pool.size
            done = (count >= k) | exhausted
            complete[part] = exhausted & (count <= k)
            r, c = np.nonzero(ok & (np.cumsum(ok, axis=1) <= k) & done[:, None])
            out_o.append(ids[part][r])
            out_x.append(other[r, c])
            out_d.append(np.rint(chord_to_metres(np.reshape(chord, other.shape)[r, c])))
            pending.append(part[~done])
        rows = np.concatenate(pending)
        kq = min(pool.size, kq * 4)
    if not pool.size:
        complete[:] = True
    return (
        np.concatenate(out_o),
        np.concatenate(out_x),
        np.concatenate(out_d).astype(np.int64),
        complete,
    )
