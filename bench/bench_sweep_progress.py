"""Benchmark: vulnerable-person sweep progress on PostgreSQL (issue 6 part 8).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_sweeps \\
        .venv/bin/python bench/bench_sweep_progress.py [--persons 100000] [--grids 200] \\
        [--repeat 200] [--fresh]

Uses a dedicated database (created if missing, migrated, filled once and reused on later runs;
`--fresh` empties the sweep tables and the people first; DATABASE_URL is not touched): a street
of 10 communities and `--grids` grids, `--persons` vulnerable residents (one tag each, COPY),
one incident on the street. The sweep is started through `services.start_sweep` (the
snapshot: one SweepContact per person, timed and printed), then about 60 % of the contacts get
an outcome (raw UPDATE: safe / needs help / unreachable). Then, repeated:

  * `summary.for_incident(incident)`: what the command dashboard reads (the sweeps, the
    per-grid aggregate on (sweep, grid, outcome), the grid names);
  * `reads.grid_rows([sweep])`: the per-grid aggregate and the names alone;
  * anchors: the aggregate's SQL run raw through psycopg (GROUP BY grid, outcome: an
    index-only scan), the alternative with conditional counts GROUP BY grid, and `SELECT 1`.

Prints PostgreSQL's plan of the aggregate. Goal (issue 6): progress for 100,000 vulnerable
persons under 200 ms (p95 of for_incident). Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_sweeps"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

GOAL_MS = 200.0
COMMUNITIES = 10


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def empty() -> None:
    from django.db import connection

    from resigrid.people.models import Household, Person, Vulnerability
    from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
    from resigrid.response.sweeps.models import Sweep, SweepAttempt, SweepContact

    tables = [
        m._meta.db_table
        for m in (
            SweepAttempt,
            SweepContact,
            Sweep,
            IncidentLog,
            IncidentTask,
            Incident,
            Vulnerability,
            Person,
            Household,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")


def fill(persons: int, grids: int) -> None:
    """The street, its grids, one household per grid, the vulnerable residents (COPY)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from resigrid.accounts.models import User
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.people.models import Household, Person, Vulnerability
    from resigrid.response.incidents.models import Incident

    t0 = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        district, _ = Area.objects.get_or_create(
            code="330106000000000", defaults={"name": "区", "level": Level.DISTRICT}
        )
        street, _ = Area.objects.get_or_create(
            code="330106001000000",
            defaults={"name": "街道", "level": Level.STREET, "parent": district},
        )
        per = max(1, grids // COMMUNITIES)
        grid_ids: list[int] = []
        for c in range(1, COMMUNITIES + 1):
            community, _ = Area.objects.get_or_create(
                code=f"330106001{c:03d}000",
                defaults={"name": f"社区{c}", "level": Level.COMMUNITY, "parent": street},
            )
            for g in range(1, per + 1):
                grid, _ = Area.objects.get_or_create(
                    code=f"330106001{c:03d}{g:03d}",
                    defaults={"name": f"网格{c}-{g}", "level": Level.GRID, "parent": community},
                )
                grid_ids.append(grid.pk)
        homes = Household.objects.bulk_create(
            [Household(grid_id=g, room="1") for g in grid_ids], batch_size=1000
        )
        user, _ = User.objects.get_or_create(
            username="bench-sweeps", defaults={"full_name": "压测", "is_superuser": True}
        )
        Incident.objects.get_or_create(
            title="bench flood",
            defaults={
                "hazard_class": "natural",
                "area": street,
                "level": "4",
                "opened_by": user,
            },
        )
        person_table = connection.ops.quote_name(Person._meta.db_table)
        cols = (
            "household_id, grid_id, name, sex, birth_date, is_head, residence_type, "
            "ethnicity, notes, created_at, updated_at"
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {person_table} ({cols}) FROM STDIN") as copy:
                for i in range(persons):
                    home = homes[i % len(homes)]
                    copy.write_row(
                        (home.pk, home.grid_id, f"居民{i}", "F", dt.date(1940, 1, 1), False,
                         "registered", "", "", now, now)
                    )  # fmt: skip
            vuln_table = connection.ops.quote_name(Vulnerability._meta.db_table)
            cursor.execute(
                f"INSERT INTO {vuln_table} (person_id, grid_id, tag, disability_category) "  # noqa: S608
                f"SELECT id, grid_id, 'living_alone', '' FROM {person_table}"
            )
            cursor.execute(f"ANALYZE {person_table}")
            cursor.execute(f"ANALYZE {vuln_table}")
    print(f"filled {persons} vulnerable persons in {len(grid_ids)} grids in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip


def start_and_record() -> float:
    """Start the sweep through the service (timed) and give ~60 % of the contacts an outcome."""
    from django.db import connection
    from django.utils import timezone

    from resigrid.accounts.models import User
    from resigrid.areas.models import Area
    from resigrid.response.incidents.models import Incident
    from resigrid.response.sweeps.models import SweepContact
    from resigrid.response.sweeps.services import start_sweep

    incident = Incident.objects.get(title="bench flood")
    t0 = time.perf_counter()
    start_sweep(
        actor=User.objects.get(username="bench-sweeps"),
        incident=incident,
        area=Area.objects.get(code="330106001000000"),
        deadline=timezone.now() + dt.timedelta(days=6),
    )
    took = time.perf_counter() - t0
    table = connection.ops.quote_name(SweepContact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET outcome = CASE (id / 200) % 10 "  # noqa: S608
            "WHEN 0 THEN 'needs_help' WHEN 1 THEN 'unreachable' ELSE 'safe' END, "
            "method = 'visit', at = now(), attempts = 1 WHERE (id / 200) % 10 < 6"
        )
    with connection.cursor() as cursor:  # outside the transaction: VACUUM cannot run inside
        cursor.execute(f"VACUUM ANALYZE {table}")
    return took


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from resigrid.response.incidents.models import Incident
    from resigrid.response.sweeps import reads, summary
    from resigrid.response.sweeps.models import Sweep, SweepContact

    call_command("migrate", verbosity=0)
    if args.fresh:
        empty()
    if not SweepContact.objects.exists():
        empty()
        fill(args.persons, args.grids)
        took = start_and_record()
        print(f"start_sweep (snapshot of {SweepContact.objects.count()} contacts): {took:.2f} s")
    incident = Incident.objects.get(title="bench flood")
    sweep = Sweep.objects.get(incident=incident)
    got = summary.for_incident(incident)
    print(f"{got.persons} persons, {got.contacted} contacted, {len(got.by_grid)} grids")

    qs = reads.progress_query([sweep.pk])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw = cursor.cursor

        def psql() -> object:
            return raw.execute(sql, params).fetchall()

        # The alternative: conditional counts per grid (4 FILTERed counts, GROUP BY grid).
        table = SweepContact._meta.db_table
        counts = ", ".join(
            f"count(*) FILTER (WHERE outcome = '{o}')"
            for o in ("safe", "needs_help", "unreachable")
        )
        cond_sql = (
            f"SELECT grid_id, count(*), {counts} FROM {table} WHERE sweep_id = %s GROUP BY grid_id"  # noqa: S608
        )

        def conditional() -> object:
            return raw.execute(cond_sql, (sweep.pk,)).fetchall()

        def ping() -> object:
            return raw.execute("SELECT 1").fetchall()

        results = {
            name: timed(fn, args.repeat)
            for name, fn in (
                ("for_incident", lambda: summary.for_incident(incident)),
                ("grid_rows", lambda: reads.grid_rows([sweep.pk])),
                ("aggregate raw", psql),
                ("conditional raw", conditional),
                ("SELECT 1", ping),
            )
        }
    print(f"plan of the per-grid aggregate:\n{plan}\n")
    for name, ms in results.items():
        ms.sort()
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"{name:14} p50 {statistics.median(ms):8.2f} ms  p95 {p95:8.2f} ms")
    ms = sorted(results["for_incident"])
    p95 = ms[int(len(ms) * 0.95) - 1]
    ok = p95 < GOAL_MS
    print(f"goal: for_incident p95 < {GOAL_MS:.0f} ms → {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
