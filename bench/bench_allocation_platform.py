"""Benchmark: supply allocation through the platform on PostgreSQL (issue 6 part 7).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_allocations \\
        .venv/bin/python bench/bench_allocation_platform.py [--depots 50 --grids 2000 --items 5]

Uses a dedicated database (created if missing, migrated, the world built once and reused;
DATABASE_URL is not touched): one street, 50 depots, 2,000 grids (points with a centroid) and 5
items (3 with shelf life). Every depot holds every item: tracked items in two lots, one of them
expired (left out by the solver), the rest in one lot; the usable stock is about 1.2 × the
demand of 1–40 units per grid and item (10,000 needs).

Timed, each run from a fresh plan (earlier runs' plans and reservations are removed first):
  * needs: `services.set_needs` (10,000 rows, validated);
  * compute: `services.compute_plan` — free stock per lot, 100,000 arcs per item, one exact
    min-cost flow per item (`resigrid.optim.transport`), the proposed lines and shortages
    written; the solver's own share is printed beside it;
  * reserve: `services.reserve` — depot-item row locks, free stock re-read under the locks,
    one reservation movement per line, lines and plan updated;
  * anchor: the same lines written by a plain SQL INSERT (psycopg `executemany`, rolled back),
    and the same reservation rows the same way: what the database alone costs for the writes.
Wall and CPU time per step; peak RSS (ru_maxrss) of the process after each step. No goal is
asserted (the issue names none for the platform path; the pure solver's goal is in
bench_response_solvers.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_allocations"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import numpy as np  # noqa: E402
import psycopg  # noqa: E402

STREET = "330106009000000"


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_world(depots: int, grids: int, items: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from resigrid.accounts.models import User
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.resources.models import Batch, Depot, DepotItem, Item, StockMovement

    rng = np.random.default_rng(7)
    today = timezone.localdate()
    with transaction.atomic():
        district = Area.objects.create(code="330106000000000", name="区", level=Level.DISTRICT)
        street = Area.objects.create(code=STREET, name="街道", level=Level.STREET, parent=district)
        community = Area.objects.create(
            code=STREET[:9] + "001000", name="社区", level=Level.COMMUNITY, parent=street
        )
        lon = 116.3 + rng.uniform(-0.2, 0.2, grids)
        lat = 39.9 + rng.uniform(-0.15, 0.15, grids)
        Area.objects.bulk_create(
            [
                Area(
                    code=STREET[:12] + f"{g + 1:03d}"
                    if g < 999
                    else f"{STREET[:9]}{2 + g // 999:03d}{g % 999 + 1:03d}",
                    name=f"网格{g + 1}",
                    level=Level.GRID,
                    parent=community,
                    centroid_lon=float(lon[g]),
                    centroid_lat=float(lat[g]),
                    population=1000,
                )
                for g in range(grids)
            ],
            batch_size=2000,
        )
        cat = Item.objects.bulk_create(
            [
                Item(
                    code=f"B{k:03d}",
                    name=f"物资{k}",
                    category="other",
                    uom="件",
                    tracks_expiry=k < 3,
                )
                for k in range(items)
            ]
        )
        dlon = 116.3 + rng.uniform(-0.2, 0.2, depots)
        dlat = 39.9 + rng.uniform(-0.15, 0.15, depots)
        made = Depot.objects.bulk_create(
            [
                Depot(name=f"仓库{d + 1}", area=community, lon=float(dlon[d]), lat=float(dlat[d]))
                for d in range(depots)
            ]
        )
        DepotItem.objects.bulk_create([DepotItem(depot=d, item=i) for d in made for i in cat])
        # Demand is 1–40 per grid and item (mean 20.5): usable stock about 1.2 × that.
        per_depot = int(20.5 * grids * 1.2 / depots)
        batches, moves = [], []
        for d in made:
            for i in cat:
                if i.tracks_expiry:
                    old = Batch(depot=d, item=i, number="OLD", expiry=today - dt.timedelta(days=3))
                    new = Batch(
                        depot=d, item=i, number="NEW", expiry=today + dt.timedelta(days=300)
                    )
                    batches += [old, new]
                    moves.append(StockMovement(depot=d, item=i, batch=old, kind="in",
                                               quantity=Decimal(per_depot // 4)))  # fmt: skip
                    moves.append(StockMovement(depot=d, item=i, batch=new, kind="in",
                                               quantity=Decimal(per_depot)))  # fmt: skip
                else:
                    moves.append(StockMovement(depot=d, item=i, kind="in",
                                               quantity=Decimal(per_depot)))  # fmt: skip
        Batch.objects.bulk_create(batches)
        StockMovement.objects.bulk_create(moves, batch_size=2000)
        User.objects.create(username="bench-alloc", full_name="协调员", is_superuser=True)


def timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depots", type=int, default=50)
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--items", type=int, default=5)
    args = parser.parse_args()
    ensure_database(BENCH_URL)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from resigrid.accounts.models import User
    from resigrid.areas.models import Area
    from resigrid.resources.models import Item, StockMovement
    from resigrid.response.allocations import services
    from resigrid.response.allocations.models import AllocationLine, AllocationPlan

    if not Area.objects.filter(code=STREET).exists():
        _, ms, _c = timed(lambda: build_world(args.depots, args.grids, args.items))
        print(f"built the world in {ms / 1000:.1f} s")
    StockMovement.objects.filter(reference__startswith="alloc:").delete()
    AllocationPlan.objects.all().delete()
    actor = User.objects.get(username="bench-alloc")
    street = Area.objects.get(code=STREET)
    grids = list(Area.objects.subtree(street).grids().values_list("pk", flat=True))
    items = list(Item.objects.filter(code__startswith="B").values_list("pk", flat=True))
    rng = np.random.default_rng(11)
    needs = [
        services.NeedInput(g, i, int(q))
        for g in grids
        for i, q in zip(items, rng.integers(1, 41, len(items)), strict=True)
    ]
    print(f"{len(grids):,} grids × {len(items)} items = {len(needs):,} needs; "
          f"peak RSS before {peak_mb():.0f} MB")  # fmt: skip
    plan = services.create_plan(actor=actor, title="bench", area=street)
    _, needs_ms, needs_cpu = timed(lambda: services.set_needs(actor=actor, plan=plan, needs=needs))
    print(
        f"{'needs':<10} wall {needs_ms:8.0f} ms  cpu {needs_cpu:8.0f} ms  peak {peak_mb():6.0f} MB"
    )
    plan, ms, cpu = timed(lambda: services.compute_plan(actor=actor, plan=plan))
    f = plan.figures
    print(f"{'compute':<10} wall {ms:8.0f} ms  cpu {cpu:8.0f} ms  peak {peak_mb():6.0f} MB  "
          f"(solver {f['solve_ms']:.0f} ms, {f['arcs']:,} arcs, {f['lots']} lots, "
          f"{len(f['expired_lots'])} expired lots left out)")  # fmt: skip
    n_lines = AllocationLine.objects.filter(plan=plan).count()
    km = plan.total_distance_m / 1000
    print(f"           {n_lines:,} lines, total distance {km:,.0f} unit·km, "
          f"shortage {plan.total_shortage:,} units")  # fmt: skip
    plan, ms, cpu = timed(lambda: services.reserve(actor=actor, plan=plan))
    print(f"{'reserve':<10} wall {ms:8.0f} ms  cpu {cpu:8.0f} ms  peak {peak_mb():6.0f} MB")

    # Anchor: the same rows written by plain SQL, rolled back.
    rows = list(
        AllocationLine.objects.filter(plan=plan).values_list(
            "plan_id", "depot_id", "batch_id", "grid_id", "item_id", "quantity", "distance_m"
        )
    )
    with psycopg.connect(BENCH_URL) as conn:
        with conn.cursor() as cur:
            w = time.perf_counter()
            cur.executemany(
                "INSERT INTO allocations_allocationline (plan_id, depot_id, batch_id, grid_id, "
                "item_id, quantity, distance_m, state, received_note) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'proposed', '')",
                rows,
            )
            lines_ms = (time.perf_counter() - w) * 1000
            w = time.perf_counter()
            cur.executemany(
                "INSERT INTO resources_stockmovement (depot_id, item_id, batch_id, kind, "
                "increase, quantity, reason, reference, at) "
                "VALUES (%s, %s, %s, 'reserve', true, %s, '', 'anchor', now())",
                [(r[1], r[4], r[2], r[5]) for r in rows],
            )
            moves_ms = (time.perf_counter() - w) * 1000
        conn.rollback()
    print(f"{'anchor':<10} plain INSERT of the {len(rows):,} lines {lines_ms:.0f} ms; "
          f"of the {len(rows):,} reservation rows {moves_ms:.0f} ms")  # fmt: skip
    reserved = StockMovement.objects.filter(reference__startswith="alloc:", kind="reserve")
    print(f"reservation rows {reserved.count():,}; database {connection.vendor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
