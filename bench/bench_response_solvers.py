"""Benchmark: the response solvers against dense / plain-LP baselines in the same run.

    .venv/bin/python bench/bench_response_solvers.py [--volunteers 10000 --slots 10000]
        [--depots 50 --points 20000] [--k 10] [--skip-dense] [--skip-lp]

Every step runs in its own subprocess so that its peak RSS (ru_maxrss) is its own; each
subprocess builds the same seeded instance, then times only the work named (wall and CPU time:
the machine is shared, CPU time is the steadier figure).

Volunteer assignment (issue 6 goal: under 3 s and under 1 GB, total distance within 0.5 % of
the dense optimum): 10,000 volunteers × 10,000 slots around central Beijing (0.4° × 0.3°), six
skills (everyone has "general", each specialist skill 25 %), 60 % of the slots need only
"general", the rest one specialist skill; one time window 08:00–12:00; 85 % of the volunteers
available for it, 5 % booked 09:00–10:00. Volunteers are scarcer than slots, so the filled count
matters as much as the distance.
  * assign: `resigrid.optim.assignment.assign` (sparse candidates + min-cost flow).
  * dense: the whole slot × volunteer distance matrix (ineligible pairs at a penalty larger
    than any saving) and `scipy.optimize.linear_sum_assignment` — the anchor; ~25 s and 2.4 GB.

Supply allocation (goal: under 3 s with the optimal cost): 50 depots × 20,000 demand points
(1–50 units each), stock 1.2 × demand, every depot → point route allowed (1,000,000 arcs).
  * mcf: `arcs_from_coordinates` + `allocate` (OR-Tools min-cost flow), timed apart.
  * lp: the plain transport LP over the same arcs with `scipy.optimize.linprog` (HiGHS) — the
    anchor; ~40 s (`--skip-lp` leaves it out).
The exit status is non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resigrid.optim.eligibility import Intervals, Slots, Volunteers, prepare  # noqa: E402
from resigrid.optim.geo import haversine_m  # noqa: E402

GOAL_ASSIGN_S = 3.0
GOAL_ASSIGN_MB = 1024.0
GOAL_GAP = 0.005
GOAL_TRANSPORT_S = 3.0


def assignment_instance(n: int, m: int, seed: int = 1) -> tuple[Volunteers, Slots]:
    rng = np.random.default_rng(seed)
    lon0, lat0 = 116.3, 39.9
    vlon, vlat = lon0 + rng.uniform(-0.2, 0.2, n), lat0 + rng.uniform(-0.15, 0.15, n)
    slon, slat = lon0 + rng.uniform(-0.2, 0.2, m), lat0 + rng.uniform(-0.15, 0.15, m)
    skills = 1 | (rng.random((n, 5)) < 0.25).astype(np.int64) @ (1 << np.arange(1, 6))
    need = np.where(rng.random(m) < 0.6, 1, 1 << rng.integers(1, 6, m)).astype(np.int64)
    start, end = np.full(m, 8 * 60), np.full(m, 12 * 60)
    from_ = np.where(rng.random(n) < 0.85, 7 * 60, 13 * 60)
    available = Intervals(np.arange(n), from_, np.full(n, 18 * 60))
    who = np.flatnonzero(rng.random(n) < 0.05)
    booked = Intervals(who, np.full(who.size, 9 * 60), np.full(who.size, 10 * 60))
    return (
        Volunteers(skills, vlon, vlat, available, booked),
        Slots(need, slon, slat, start, end),
    )


def transport_instance(depots: int, points: int, seed: int = 2) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    lon0, lat0 = 116.3, 39.9
    demand = rng.integers(1, 51, points)
    share = rng.dirichlet(np.ones(depots))
    supply = np.floor(share * demand.sum() * 1.2).astype(np.int64)
    return {
        "supply": supply,
        "demand": demand,
        "dlon": lon0 + rng.uniform(-0.2, 0.2, depots),
        "dlat": lat0 + rng.uniform(-0.15, 0.15, depots),
        "plon": lon0 + rng.uniform(-0.2, 0.2, points),
        "plat": lat0 + rng.uniform(-0.15, 0.15, points),
    }


class Clock:
    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def step_assign(args: argparse.Namespace) -> dict[str, Any]:
    from resigrid.optim.assignment import assign

    vols, slots = assignment_instance(args.volunteers, args.slots)
    with Clock() as c:
        result = assign(vols, slots, k=args.k)
    return {
        "wall": c.wall,
        "cpu": c.cpu,
        "filled": result.filled,
        "total_m": result.total_m,
        "pairs": result.candidate_pairs,
        "rounds": result.rounds,
        "proved": result.max_filled,
    }


def step_dense(args: argparse.Namespace) -> dict[str, Any]:
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    vols, slots = assignment_instance(args.volunteers, args.slots)
    with Clock() as build:
        p = prepare(vols, slots)
        n, m = p.n_volunteers, p.n_slots
        cost = np.empty((m, n), np.float64)
        ok = np.empty((m, n), bool)
        every = np.arange(n, dtype=np.int64)
        for lo in range(0, m, 500):
            rows = np.arange(lo, min(m, lo + 500), dtype=np.int64)
            cost[rows] = np.rint(
                haversine_m(p.s_lon[rows][:, None], p.s_lat[rows][:, None], p.v_lon, p.v_lat)
            )
            ok[rows] = p.eligible(np.tile(every, rows.size), np.repeat(rows, n)).reshape(-1, n)
        big = (cost.max() + 1) * (min(n, m) + 1) + 1
        cost[~ok] = big
    with Clock() as c:
        r, col = linear_sum_assignment(cost)
    real = ok[r, col]
    return {
        "wall": c.wall,
        "cpu": c.cpu,
        "build_wall": build.wall,
        "build_cpu": build.cpu,
        "filled": int(real.sum()),
        "total_m": int(cost[r, col][real].sum()),
    }


def step_mcf(args: argparse.Namespace) -> dict[str, Any]:
    from resigrid.optim.transport import allocate, arcs_from_coordinates

    t = transport_instance(args.depots, args.points)
    with Clock() as arcs_clock:
        arcs = arcs_from_coordinates(t["dlon"], t["dlat"], t["plon"], t["plat"])
    with Clock() as c:
        plan = allocate(t["supply"], t["demand"], arcs)
    return {
        "wall": c.wall,
        "cpu": c.cpu,
        "arcs_wall": arcs_clock.wall,
        "arcs_cpu": arcs_clock.cpu,
        "arcs": len(arcs),
        "cost": plan.cost,
        "shortage": plan.total_shortage,
    }


def step_lp(args: argparse.Namespace) -> dict[str, Any]:
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

    from resigrid.optim.transport import arcs_from_coordinates

    t = transport_instance(args.depots, args.points)
    arcs = arcs_from_coordinates(t["dlon"], t["dlat"], t["plon"], t["plat"])
    k, n, m = len(arcs), args.depots, args.points
    cols = np.arange(k)
    a_ub = csr_matrix((np.ones(k), (arcs.source, cols)), shape=(n, k))
    a_eq = csr_matrix((np.ones(k), (arcs.sink, cols)), shape=(m, k))
    with Clock() as c:
        res = linprog(
            arcs.cost.astype(float),
            A_ub=a_ub,
            b_ub=t["supply"].astype(float),
            A_eq=a_eq,
            b_eq=t["demand"].astype(float),
            bounds=(0, None),
            method="highs",
        )
    return {"wall": c.wall, "cpu": c.cpu, "cost": float(res.fun), "status": int(res.status)}


STEPS = {"assign": step_assign, "dense": step_dense, "mcf": step_mcf, "lp": step_lp}


def run_step(name: str, argv: list[str]) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [sys.executable, __file__, "--step", name, *argv],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--slots", type=int, default=10_000)
    parser.add_argument("--depots", type=int, default=50)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--skip-dense", action="store_true")
    parser.add_argument("--skip-lp", action="store_true")
    parser.add_argument("--step", choices=sorted(STEPS))
    args = parser.parse_args()
    if args.step:
        result = STEPS[args.step](args)
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    argv = [
        f"--volunteers={args.volunteers}",
        f"--slots={args.slots}",
        f"--depots={args.depots}",
        f"--points={args.points}",
        f"--k={args.k}",
    ]
    ok = True
    print(
        f"Volunteer assignment: {args.volunteers:,} volunteers × {args.slots:,} slots, k={args.k}"
    )
    a = run_step("assign", argv)
    print(
        f"  sparse  {a['wall']:6.2f} s wall {a['cpu']:6.2f} s CPU  {a['rss_mb']:7.0f} MB peak  "
        f"filled {a['filled']:,}  total {a['total_m'] / 1000:,.1f} km  "
        f"({a['pairs']:,} candidate pairs, {a['rounds']} growth rounds, proved {a['proved']})"
    )
    ok &= a["wall"] < GOAL_ASSIGN_S and a["rss_mb"] < GOAL_ASSIGN_MB
    if not args.skip_dense:
        d = run_step("dense", argv)
        gap = (a["total_m"] - d["total_m"]) / d["total_m"] if d["total_m"] else 0.0
        print(
            f"  dense   {d['wall']:6.2f} s wall {d['cpu']:6.2f} s CPU  {d['rss_mb']:7.0f} MB peak  "
            f"filled {d['filled']:,}  total {d['total_m'] / 1000:,.1f} km  "
            f"(+ {d['build_wall']:.2f} s wall / {d['build_cpu']:.2f} s CPU building the matrix)"
        )
        print(
            f"  sparse vs dense: {d['wall'] / a['wall']:.1f}× faster (wall), "
            f"{d['cpu'] / a['cpu']:.1f}× (CPU), {d['rss_mb'] / a['rss_mb']:.1f}× less memory; "
            f"filled {a['filled'] - d['filled']:+d}; distance {gap:+.4%} (goal ≤ {GOAL_GAP:.1%})"
        )
        ok &= a["filled"] == d["filled"] and gap <= GOAL_GAP
    print(f"Supply allocation: {args.depots} depots × {args.points:,} demand points")
    t = run_step("mcf", argv)
    print(
        f"  mcf     {t['wall']:6.2f} s wall {t['cpu']:6.2f} s CPU  {t['rss_mb']:7.0f} MB peak  "
        f"cost {t['cost']:,}  shortage {t['shortage']}  "
        f"(+ {t['arcs_wall']:.2f} s wall / {t['arcs_cpu']:.2f} s CPU for {t['arcs']:,} arcs)"
    )
    ok &= t["wall"] + t["arcs_wall"] < GOAL_TRANSPORT_S
    if not args.skip_lp:
        lp = run_step("lp", argv)
        print(
            f"  lp      {lp['wall']:6.2f} s wall {lp['cpu']:6.2f} s CPU  "
            f"{lp['rss_mb']:7.0f} MB peak  cost {lp['cost']:,.1f}  (HiGHS status {lp['status']})"
        )
        same = abs(lp["cost"] - t["cost"]) <= 1e-6 * max(1.0, abs(lp["cost"]))
        print(
            f"  mcf vs lp: {lp['wall'] / t['wall']:.1f}× faster (wall), "
            f"{lp['cpu'] / t['cpu']:.1f}× (CPU); same optimum: {same}"
        )
        ok &= same
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
