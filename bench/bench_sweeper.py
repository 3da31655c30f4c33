"""Benchmark: the case sweeper over 100,000 open cases on PostgreSQL (issue 4, "Measured").

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_sweeper \\
        .venv/bin/python bench/bench_sweeper.py [--cases 100000] [--overdue 0.1] [--profile]

Uses a dedicated database (created if missing, migrated; DATABASE_URL is not touched). Every run
empties the case and outbox tables and writes N open cases with `generate_series` (one street of
10 communities × 30 grids, two case managers with email per community, the street's staff, a
department account for each of 12 units): open in every open state, a share `--overdue`
(default 10%) past their stage deadline by up to three days (so levels 1 to 3 are due), the rest
due within the next week, none swept before. Then:
  * anchor: the same escalation as one raw SQL UPDATE of the overdue rows (level from the
    lateness and the stage length) plus one INSERT … SELECT of their `escalate` log rows,
    through psycopg, rolled back;
  * first sweep: `resigrid.cases.sweeper.sweep(now=…)`: every overdue case escalated once,
    with its log row and its notifications (outbox message + inbox/email deliveries);
  * steady state: `sweep` again a minute later (what the per-minute command does): the overdue
    cases are scanned, nothing new is due.
Both sweeps also look for settled cases to add to the metrics rollup (none here: every case
is open; the rollup is rebuilt empty before timing) and purge old Idempotency-Key answers.
The URLconf is loaded before timing (a process pays that once; the notices' links need it).
`--profile` runs the first sweep under cProfile and prints the queries per escalated case.
Goal (issue 4): the sweeper over 100,000 open cases under 10 s. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_sweeper"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

GOAL_S = 10.0
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
STREET = "330106001000000"
# Default stage lengths (settings.CASE_DEFAULT_DEADLINES["normal"]) in minutes.
LENGTHS = {"accept": 240, "dispatch": 480, "handle": 7 * 24 * 60, "verify": 2 * 24 * 60}

FILL_SQL = """
INSERT INTO cases_case (
    source, category_id, priority, title, description, address, lon, lat, grid_id,
    contact_name, contact_phone_enc, contact_email, tracking_code, external_id, state,
    lead_unit_id, rejection_reason, result, rating, rating_comment, stage, stage_due,
    handle_due, escalation_level, was_suspended, was_postponed, rework_count, return_count,
    reopen_count, reported_at, accepted_at, registered_at, dispatched_at, updated_at)
SELECT 'resident', %(category)s, 'normal', '路灯不亮', '晚上路灯不亮。', '', 120.1, 30.2, grid,
    '', '', '', 'S' || lpad(g::text, 11, '0'), '', state,
    CASE WHEN stage IN ('handle', 'verify') THEN unit END, '', '', '', '', stage, due,
    CASE WHEN stage IN ('handle', 'verify') THEN due END, 0, FALSE, FALSE, 0, 0, 0,
    due - interval '10 days', due - interval '9 days', due - interval '9 days',
    CASE WHEN stage IN ('handle', 'verify') THEN due - interval '8 days' END, %(now)s
FROM (
    SELECT g, grid, unit, state,
        CASE state WHEN 'reported' THEN 'accept' WHEN 'accepted' THEN 'dispatch'
            WHEN 'registered' THEN 'dispatch' WHEN 'handled' THEN 'verify'
            ELSE 'handle' END AS stage,
        CASE WHEN late THEN %(now)s::timestamptz - random() * interval '3 days'
             ELSE %(now)s::timestamptz + interval '1 minute' + random() * interval '7 days'
        END AS due
    FROM (
        SELECT g,
            (%(grids)s::int[])[1 + floor(random() * %(n_grids)s)::int] AS grid,
            (%(units)s::int[])[1 + floor(random() * %(n_units)s)::int] AS unit,
            (ARRAY['reported', 'accepted', 'registered', 'dispatched', 'in_progress',
                   'in_progress', 'in_progress', 'handled'])[1 + floor(random() * 8)::int]
                AS state,
            random() < %(overdue)s AS late
        FROM generate_series(1, %(n)s) AS g
    ) AS draws
) AS cases
"""

LEVEL_SQL = (
    "LEAST(3, 1 + floor(extract(epoch FROM (%(now)s::timestamptz - stage_due)) / 60 / "
    "CASE stage WHEN 'accept' THEN 240 WHEN 'dispatch' THEN 480 WHEN 'handle' THEN 10080 "
    "ELSE 2880 END))::int"
)
ANCHOR_SQL = (
    "WITH due AS (SELECT id, stage, "  # noqa: S608 - constants only
    + LEVEL_SQL
    + " AS level FROM cases_case WHERE state IN ('reported', 'accepted', 'registered', "
    "'dispatched', 'in_progress', 'handled') AND suspended_at IS NULL AND stage_due < %(now)s "
    "AND escalation_level < 3), up AS (UPDATE cases_case c SET escalation_level = due.level, "
    "overdue_since = COALESCE(c.overdue_since, c.stage_due), updated_at = %(now)s FROM due "
    "WHERE c.id = due.id AND due.level > c.escalation_level RETURNING c.id, due.stage, "
    "due.level) INSERT INTO cases_caselog (case_id, at, action, from_state, to_state, note, "
    "public) SELECT id, %(now)s, 'escalate', '', '', stage || ' · ' || level, FALSE FROM up"
)


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_registry() -> tuple[list[int], list[int], int]:
    """Areas, the category, units and the people to notify (once; reused on later runs)."""
    from django.db import transaction

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.orgs.models import Unit, UnitAccount
    from resigrid.registers.models import Category

    if not Area.objects.filter(code=STREET).exists():
        with transaction.atomic():
            district = Area.objects.create(
                code="330106000000000", name="示范区", level=Level.DISTRICT
            )
            street = Area.objects.create(
                code=STREET, name="和平街道", level=Level.STREET, parent=district
            )
            staff = User.objects.create(username="street", email="street@example.com")
            RoleBinding.objects.create(user=staff, area=street, role=Role.STREET_STAFF)
            for c in range(1, 11):
                community = Area.objects.create(
                    code=f"330106001{c:03d}000", name=f"社区{c}", level=Level.COMMUNITY,
                    parent=street,
                )  # fmt: skip
                Area.objects.bulk_create(
                    Area(code=f"330106001{c:03d}{g:03d}", name=f"社区{c}第{g}网格",
                         level=Level.GRID, parent=community)
                    for g in range(1, 31)
                )  # fmt: skip
                for k, role in enumerate((Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)):
                    user = User.objects.create(username=f"c{c}m{k}", email=f"c{c}m{k}@example.com")
                    RoleBinding.objects.create(user=user, area=community, role=role)
            for k in range(12):
                unit = Unit.objects.create(kind="government", name=f"区部门{k}", area=district)
                user = User.objects.create(username=f"dept{k}", email=f"dept{k}@example.com")
                UnitAccount.objects.create(unit=unit, user=user)
            Category.objects.create(code="02", name="设施管理", kind="facility")
    grids = list(Area.objects.filter(level=Level.GRID).values_list("pk", flat=True))
    units = list(Unit.objects.values_list("pk", flat=True))
    category = Category.objects.get(code="02").pk
    return grids, units, category


def refill(n: int, overdue: float, grids: list[int], units: list[int], category: int) -> None:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_caselog, cases_whistle, cases_caserequest, cases_casephoto, "
            "cases_case_support_units, cases_case, cases_casestat, notify_delivery, "
            "notify_message RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            FILL_SQL,
            {
                "category": category,
                "grids": grids,
                "n_grids": len(grids),
                "units": units,
                "n_units": len(units),
                "now": NOW,
                "overdue": overdue,
                "n": n,
            },
        )
        cursor.execute("VACUUM ANALYZE cases_case")
    print(f"wrote {n:,} open cases in {time.perf_counter() - t0:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--overdue", type=float, default=0.1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from resigrid.cases.models import Case, CaseLog
    from resigrid.cases.sweeper import sweep
    from resigrid.notify.models import Delivery, Message

    call_command("migrate", verbosity=0)
    grids, units, category = setup_registry()
    refill(args.cases, args.overdue, grids, units, category)
    # The metrics rollup as a running system has it (built, empty: no case is settled), so
    # that the sweep times its steady work (find the settled cases to add) and not a build.
    from resigrid.cases.metrics import rollup

    rollup.rebuild()
    overdue = Case.objects.overdue(NOW).count()
    print(f"open cases: {Case.objects.open().count():,}; overdue now: {overdue:,}")

    with psycopg.connect(BENCH_URL) as conn:
        t = time.perf_counter()
        cur = conn.execute(ANCHOR_SQL, {"now": NOW})
        anchor_s = time.perf_counter() - t
        anchor_rows = cur.rowcount
        conn.rollback()
    print(f"{'anchor: raw UPDATE + INSERT of the log (psycopg)':<52} {anchor_s:7.2f} s   "
          f"{anchor_rows:,} escalated")  # fmt: skip

    # Load the URLconf (and with it every app's views and API schemas) before timing: a
    # process pays this once, the sweep's links need it.
    from django.urls import reverse

    reverse("cases:detail", args=[1])
    profile = cProfile.Profile() if args.profile else None
    counted: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted.append(sql.split(" ", 1)[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        t = time.perf_counter()
        if profile is not None:
            profile.enable()
        first = sweep(now=NOW)
        if profile is not None:
            profile.disable()
        first_s = time.perf_counter() - t
    queries = len(counted)
    print(f"{'first sweep (every overdue case escalated once)':<52} {first_s:7.2f} s   "
          f"{first.escalated:,} escalated, {queries:,} queries "
          f"({queries / max(first.escalated, 1):.1f} per case), "
          f"{Message.objects.count():,} messages, {Delivery.objects.count():,} deliveries, "
          f"{CaseLog.objects.count():,} log rows")  # fmt: skip
    t = time.perf_counter()
    steady = sweep(now=NOW + dt.timedelta(minutes=1))
    steady_s = time.perf_counter() - t
    print(f"{'steady state (a minute later)':<52} {steady_s:7.2f} s   "
          f"{steady.escalated:,} escalated")  # fmt: skip
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    if first.escalated != anchor_rows:
        print(f"the sweep escalated {first.escalated:,} cases, the anchor {anchor_rows:,}")
        return 2
    ok = first_s < GOAL_S and steady_s < GOAL_S
    print(f"goal < {GOAL_S:.0f} s: " + ("met" if ok else "GOAL MISSED")
          + f" (first sweep {first_s / max(anchor_s, 1e-9):.0f}× the anchor)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
