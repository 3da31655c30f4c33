"""Benchmark: the alert banner's query, run on every page for a logged-in user (PostgreSQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_banner \
        .venv/bin/python bench/bench_alert_banner.py [--users 20000] [--alerts 50] [--repeat 300]

Uses a dedicated database (created if missing, migrated, filled once with COPY and reused on
later runs; DATABASE_URL is not touched): `--alerts` published alerts, each addressed to every
one of `--users` accounts (1,000,000 recipient rows by default); every alert but the last two
acknowledged by everyone. Then, for random users:
  * banner: `reads_pages.banner(user)` (the ORM query behind the banner, newest three);
  * anchors: the same SQL and parameters run raw through psycopg, and a bare `SELECT 1`
    (the round trip every query pays).
It prints PostgreSQL's plan of the banner query. Goal: median < 10 ms. Exit status non-zero when
the goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_banner"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

GOAL_MS = 10.0  # a tenth of a page's budget, on every page


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(users: int, alerts: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from resigrid.accounts.models import User
    from resigrid.alerts.models import Alert, Recipient, Relay
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area

    t0 = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        district = Area.objects.create(code="330106000000000", name="区", level=Level.DISTRICT)
        street = Area.objects.create(
            code="330106001000000", name="街道", level=Level.STREET, parent=district
        )
        community = Area.objects.create(
            code="330106001001000", name="社区", level=Level.COMMUNITY, parent=street
        )
        grid = Area.objects.create(
            code="330106001001001", name="网格", level=Level.GRID, parent=community
        )
        User.objects.bulk_create(
            [User(username=f"u{i}", full_name=f"用户{i}", password="!") for i in range(users)],  # noqa: S106 - unusable
            batch_size=5000,
        )
        made = Alert.objects.bulk_create(
            [
                Alert(
                    identifier=f"bench-{k}",
                    sender="bench",
                    category="Met",
                    event="暴雨",
                    urgency="Expected",
                    severity="Severe",
                    certainty="Likely",
                    headline=f"预警{k}",
                    description="—",
                    area_desc="网格",
                    issuer_area=street,
                    kind="warning",
                    level="orange",
                    state="published",
                    published_at=now - dt.timedelta(minutes=alerts - k),
                )
                for k in range(alerts)
            ]
        )
        relays = Relay.objects.bulk_create(
            [Relay(alert=a, area=grid, received_at=now, received_sha256="0" * 64) for a in made]
        )
        user_ids = list(User.objects.values_list("pk", flat=True))
        table = connection.ops.quote_name(Recipient._meta.db_table)
        cols = (
            "alert_id, relay_id, grid_id, role, user_id, created_at, acknowledged_at, ack_channel"
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for k, (alert, relay) in enumerate(zip(made, relays, strict=True)):
                    acked = now if k < alerts - 2 else None
                    for uid in user_ids:
                        copy.write_row(
                            (alert.pk, relay.pk, grid.pk, "staff", uid, now, acked, "app")
                        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    print(f"filled {users} users × {alerts} alerts in {time.perf_counter() - t0:.1f} s")


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from resigrid.accounts.models import User
    from resigrid.alerts.models import Recipient
    from resigrid.alerts.reads_pages import banner

    call_command("migrate", verbosity=0)
    if not Recipient.objects.exists():
        fill(args.users, args.alerts)
    rng = random.Random(7)
    ids = list(User.objects.values_list("pk", flat=True))
    users = [User.objects.get(pk=rng.choice(ids)) for _ in range(50)]
    assert len(banner(users[0])) == 2  # the two unacknowledged alerts  # noqa: S101

    def orm() -> object:
        return banner(rng.choice(users))

    # The same SQL, raw: what the ORM adds is the difference.
    from resigrid.alerts.choices import State

    def sql_for(user: User) -> tuple[str, tuple[Any, ...]]:
        qs = (
            Recipient.objects.filter(
                user_id=user.pk, acknowledged_at__isnull=True, alert__state=State.PUBLISHED
            )
            .order_by("-alert__published_at", "-alert_id")
            .values_list("alert_id", "alert__headline", "alert__level", "alert__kind")[:3]
        )
        sql, params = qs.query.sql_with_params()
        return sql, tuple(params)

    with connection.cursor() as cursor:
        sql, params = sql_for(users[0])
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw = cursor.cursor

        prepared = [sql_for(u) for u in users]  # compiled once: the anchor is the database

        def psql() -> object:
            s, p = rng.choice(prepared)
            return raw.execute(s, p).fetchall()

        def ping() -> object:
            return raw.execute("SELECT 1").fetchall()

        results = {
            name: timed(fn, args.repeat)
            for name, fn in (("banner (ORM)", orm), ("same SQL raw", psql), ("SELECT 1", ping))
        }
    rows = Recipient.objects.count()
    print(f"{rows} recipient rows; {len(ids)} users; plan of the banner query:\n{plan}\n")
    for name, ms in results.items():
        ms.sort()
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"{name:14} median {statistics.median(ms):7.3f} ms  p95 {p95:7.3f} ms")
    median = statistics.median(results["banner (ORM)"])
    ok = median < GOAL_MS
    print(f"goal: banner median < {GOAL_MS} ms → {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
