"""The transportation problem: ship integer supplies to capacitated sinks at least total cost.

Used by evacuation (people per building → shelters, cost = road distance in millimetres).
Solved as a min-cost flow with OR-Tools' cost-scaling solver (integral by construction), on a
restricted arc set first: buildings nearly always go to one of their few nearest shelters, so
each source starts with its ``k`` cheapest arcs only. The restricted optimum is then checked
against *every* arc: it is optimal for the full problem exactly when the full residual graph
has no negative cycle. Every such cycle runs through sinks (a unit of some source moves from
sink j to sink k at cost c_ik − c_ij, and spare capacity joins the sinks through the super-sink),
so the check is Bellman-Ford on a graph of n + 1 nodes. A negative cycle doubles ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

UNREACHABLE = np.iinfo(np.int64).max  # integer cost of an arc that does not exist


class TransportInfeasible(Exception):
    """The sinks reachable from the sources cannot take every unit."""


@dataclass(frozen=True)
class TransportSolution:
    source: IntArray  # one row per arc carrying flow, sorted by source then sink
    sink: IntArray
    amount: IntArray
    cost: int  # total of amount × arc cost
    rounds: int  # flow solves (1 = the first restricted problem was already optimal)
    arcs: int  # arcs in the last solve


def _nearest(cost: IntArray, k: int) -> tuple[IntArray, IntArray]:
    m, n = cost.shape
    if k >= n:
        rows, cols = np.nonzero(cost != UNREACHABLE)
        return rows.astype(np.int64), cols.astype(np.int64)
    cols = np.argpartition(cost, k - 1, axis=1)[:, :k].astype(np.int64)
    rows = np.repeat(np.arange(m, dtype=np.int64), k)
    cols = cols.ravel()
    keep = cost[rows, cols] != UNREACHABLE
    return rows[keep], cols[keep]


def _flow(
    cost: IntArray, supply: IntArray, capacity: IntArray, rows: IntArray, cols: IntArray
) -> tuple[IntArray, IntArray, IntArray] | None:
    m, n = cost.shape
    sink_node = m + n
    solver = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate((rows, m + np.arange(n, dtype=np.int64)))
    heads = np.concatenate((m + cols, np.full(n, sink_node, dtype=np.int64)))
    caps = np.concatenate((supply[rows], capacity)).astype(np.int64)
    unit = np.concatenate((cost[rows, cols], np.zeros(n, dtype=np.int64)))
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, unit)
    supplies = np.concatenate((supply, np.zeros(n, dtype=np.int64), [-int(supply.sum())]))
    solver.set_nodes_supplies(np.arange(m + n + 1), supplies.astype(np.int64))
    status = solver.solve()
    if status == solver.INFEASIBLE:
        return None
    if status != solver.OPTIMAL:
        raise RuntimeError(f"The min-cost flow solver stopped with status {status}.")
    flow = np.asarray(solver.flows(arcs[: rows.size]), dtype=np.int64)
    keep = flow > 0
    return rows[keep], cols[keep], flow[keep]


def has_negative_cycle(
    cost: IntArray, capacity: IntArray, src: IntArray, dst: IntArray, amount: IntArray
) -> bool:
    """Whether the flow (src → dst, amount) can be improved using any arc of ``cost``."""
    n = cost.shape[1]
    big = np.float64(np.inf)
    costf = np.where(cost == UNREACHABLE, big, cost.astype(np.float64))
    # w[j, k]: cheapest move of one unit now at sink j (from some source) to sink k
    w = np.full((n + 1, n + 1), big)
    delta = costf[src] - costf[src, dst][:, None]
    np.minimum.at(w[:n, :n], dst, delta)  # rows grouped by the sink the unit now uses
    load = np.bincount(dst, weights=amount, minlength=n)
    w[np.arange(n), n] = np.where(load < capacity, 0.0, big)  # into spare capacity
    w[n, np.arange(n)] = np.where(load > 0, 0.0, big)  # a unit leaving frees its sink
    np.fill_diagonal(w, big)
    dist = np.zeros(n + 1)
    for _ in range(n + 2):
        new = np.minimum(dist, np.min(dist[:, None] + w, axis=0))
        if np.array_equal(new, dist):
            return False
        dist = new
    return True


def solve(cost: IntArray, supply: IntArray, capacity: IntArray, *, k: int = 8) -> TransportSolution:
    """Minimum-cost integral flow: each source i ships exactly ``supply[i]``, sink j takes at most
    ``capacity[j]``; ``cost[i, j]`` (integer) is `UNREACHABLE` where i cannot reach j."""
    m, n = cost.shape
    empty = np.zeros(0, dtype=np.int64)
    if m == 0 or int(supply.sum()) == 0:
        return TransportSolution(empty, empty, empty, 0, 0, 0)
    positive = supply > 0
    k = max(1, min(k, n))
    rounds = 0
    while True:
        rounds += 1
        rows, cols = _nearest(cost, k)
        use = positive[rows]
        rows, cols = rows[use], cols[use]
        result = _flow(cost, supply, capacity, rows, cols)
        if result is None:
            if k >= n:
                raise TransportInfeasible
            k = min(n, 2 * k)
            continue
        src, dst, amount = result
        if k >= n or not has_negative_cycle(cost, capacity, src, dst, amount):
            break
        k = min(n, 2 * k)
    order = np.lexsort((dst, src))
    src, dst, amount = src[order], dst[order], amount[order]
    return TransportSolution(
        source=src,
        sink=dst,
        amount=amount,
        cost=int(np.sum(amount * cost[src, dst])),
        rounds=rounds,
        arcs=int(rows.size),
    )
