"""Benchmark: the filtered person list and the ID-number lookup with 1,000,000 persons (PostgreSQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench \
        .venv/bin/python bench/bench_people.py [--persons 1000000] [--requests 200]

Uses a dedicated database (created if missing, migrated, filled once with COPY and reused on
later runs; default postgres://postgres@127.0.0.1:5432/resigrid_bench; DATABASE_URL is not
touched). About 334 grids of ~3,000 residents, ~8% tagged as vulnerable, every person with an
encrypted ID number and its keyed hash. Then, as community staff of the first community:
  * list: `GET /api/people/persons?grid=…&tag=chronic_illness&min_age=60&max_age=90` through
    Django's test Client (session auth, scope, filters, count, page of 50, masking), random grids;
  * lookup: `GET /api/people/persons?id_number=…` through the Client, and the ORM query alone
    (normalise + HMAC + indexed equality on id_number_hash);
  * anchors: the same list query (page + count) and the hash lookup as raw SQL through psycopg.
Goals (issue 3): list p95 < 150 ms; lookup < 5 ms. Exit status non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

PER_GRID = 3000
LIST_GOAL_MS = 150.0
LOOKUP_GOAL_MS = 5.0
TAG = "chronic_illness"


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def id_number(birth: dt.date, sex: str, k: int) -> str:
    from resigrid.core import pii

    first17 = f"330106{birth:%Y%m%d}{2 * k + (1 if sex == 'M' else 2):03d}"
    return first17 + pii.id_check_digit(first17)


def fill(n: int) -> None:
    """Areas with the ORM, then households, persons and tags with COPY (one transaction)."""
    from django.db import connection, transaction

    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.core import pii

    rng = random.Random(42)
    n_grids = max(1, n // PER_GRID)
    t0 = time.perf_counter()
    with transaction.atomic():
        district = Area.objects.create(code="330106000000000", name="区", level=Level.DISTRICT)
        street = Area.objects.create(
            code="330106001000000", name="街道", level=Level.STREET, parent=district
        )
        communities = [
            Area.objects.create(
                code=f"330106001{c:03d}000", name=f"社区{c}", level=Level.COMMUNITY, parent=street
            )
            for c in range(1, n_grids // 100 + 2)
        ]
        grids = Area.objects.bulk_create(
            Area(
                code=f"{communities[g // 100].code[:12]}{g % 100 + 1:03d}",
                name=f"网格{g + 1}",
                level=Level.GRID,
                parent=communities[g // 100],
            )
            for g in range(n_grids)
        )
        now = dt.datetime.now(dt.UTC)
        used: dict[dt.date, int] = {}
        hh_id = pid = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor
            hh_buf, p_buf, v_buf = io.StringIO(), io.StringIO(), io.StringIO()
            for i in range(n):
                grid = grids[min(i // PER_GRID, n_grids - 1)]
                if i % 5 in (0, 2):  # ~2.5 persons per household
                    hh_id += 1
                    hh_buf.write(f"{hh_id}\t{now}\t{now}\t{grid.pk}\t{hh_id % 900 + 101}\n")
                pid += 1
                age = min(99, int(abs(rng.gauss(40, 22))))
                birth = dt.date(2026 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
                sex = "MF"[rng.randrange(2)]
                k = used.get(birth, 0)
                used[birth] = k + 1
                idn = id_number(birth, sex, k)
                p_buf.write(
                    f"{pid}\t{now}\t{now}\t{hh_id}\t{grid.pk}\t居民{pid}\t{sex}\t{birth}\tf\t"
                    f"{pii.encrypt(idn)}\t{pii.keyed_hash(idn)}\tregistered\t\t\n"
                )
                if rng.random() < (0.3 if age >= 65 else 0.045):
                    tag = TAG if rng.random() < 0.5 else "disabled"
                    extra = "physical\t2" if tag == "disabled" else "\t\\N"
                    v_buf.write(f"{pid}\t{grid.pk}\t{tag}\t{extra}\n")
            for table, cols, buf in (
                ("people_household", "id, created_at, updated_at, grid_id, room", hh_buf),
                (
                    "people_person",
                    "id, created_at, updated_at, household_id, grid_id, name, sex, birth_date, "
                    "is_head, id_number_enc, id_number_hash, residence_type, ethnicity, notes",
                    p_buf,
                ),
                (
                    "people_vulnerability",
                    "person_id, grid_id, tag, disability_category, disability_grade",
                    v_buf,
                ),
            ):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
            for table in ("people_household", "people_person"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled {n:,} persons in {n_grids} grids in {time.perf_counter() - t0:.1f} s")


def timings(fn: Callable[[], object], count: int) -> list[float]:
    for _ in range(5):
        fn()
    out = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(label: str, ms: list[float], goal: str) -> tuple[float, float]:
    ms = sorted(ms)
    med, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
    print(f"{label:<44} median {med:7.2f} ms   p95 {p95:7.2f} ms   {goal}")
    return med, p95


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.models import Area
    from resigrid.core import pii
    from resigrid.people import reads, rules
    from resigrid.people.models import Person

    setup_test_environment()  # the test Client; DEBUG stays off
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if have != args.persons:
        if have:
            print(f"the bench database holds {have:,} persons; drop it for another size")
            return 2
        fill(args.persons)
    community = Area.objects.get(code="330106001001000")
    user, created = User.objects.get_or_create(username="bench-staff")
    if created:
        RoleBinding.objects.create(user=user, area=community, role=Role.COMMUNITY_STAFF)
    grids = list(Area.objects.subtree(community).grids().values_list("code", flat=True))
    client = Client()
    client.force_login(user)
    rng = random.Random(7)
    status: list[int] = []

    def list_request() -> None:
        query: dict[str, str | int] = {
            "grid": rng.choice(grids),
            "tag": TAG,
            "min_age": 60,
            "max_age": 90,
        }
        r = client.get("/api/people/persons", query)
        status.append(r.status_code)

    print(f"persons: {Person.objects.count():,}; grids in scope: {len(grids)}")
    _m, list_p95 = summary(
        "API list grid+tag+age (page of 50)",
        timings(list_request, args.requests),
        f"goal p95 < {LIST_GOAL_MS:.0f} ms",
    )
    if set(status) != {200}:
        print(f"unexpected answers: {sorted(set(status))}")
        return 2
    sample = list(
        Person.objects.filter(grid__code__in=grids)
        .order_by("?")
        .values_list("id_number_enc", flat=True)[: args.requests]
    )
    ids = [pii.decrypt(e) for e in sample if e]
    it = iter(ids * 3)

    def lookup_orm() -> None:
        h = pii.keyed_hash(pii.normalise_id_number(next(it)))
        Person.objects.filter(id_number_hash=h).values_list("pk", flat=True).first()

    _m, lookup_med = summary(
        "ORM lookup by ID number (HMAC + index)",
        timings(lookup_orm, len(ids)),
        f"goal < {LOOKUP_GOAL_MS:.0f} ms",
    )
    it2 = iter(ids * 3)
    summary(
        "API lookup ?id_number= (whole request)",
        timings(lambda: client.get("/api/people/persons", {"id_number": next(it2)}), len(ids)),
        "(request, auth, scope, masking included)",
    )
    # Anchors: the same SQL without Django.
    earliest, latest = rules.birth_date_bounds(reads.today(), min_age=60, max_age=90)
    page_sql = (
        "SELECT p.id, p.name, p.sex, p.birth_date, p.id_number_enc FROM people_person p "
        "JOIN areas_area g ON g.id = p.grid_id WHERE g.code LIKE %s AND g.code = %s "
        "AND EXISTS (SELECT 1 FROM people_vulnerability v WHERE v.person_id = p.id "
        "AND v.tag = %s) AND p.birth_date >= %s AND p.birth_date <= %s ORDER BY p.id LIMIT 50"
    )
    count_sql = page_sql.replace(
        "p.id, p.name, p.sex, p.birth_date, p.id_number_enc", "count(*)"
    ).replace(" ORDER BY p.id LIMIT 50", "")
    with psycopg.connect(BENCH_URL) as conn:

        def raw_list() -> None:
            params = ("330106001001%", rng.choice(grids), TAG, earliest, latest)
            conn.execute(page_sql, params).fetchall()
            conn.execute(count_sql, params).fetchone()

        summary("anchor: raw SQL page + count (psycopg)", timings(raw_list, args.requests), "")
        hashes = iter([pii.keyed_hash(i) for i in ids] * 3)
        summary(
            "anchor: raw SQL hash lookup (psycopg)",
            timings(
                lambda: conn.execute(
                    "SELECT id FROM people_person WHERE id_number_hash = %s", (next(hashes),)
                ).fetchone(),
                len(ids),
            ),
            "",
        )
    ok = list_p95 < LIST_GOAL_MS and lookup_med < LOOKUP_GOAL_MS
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
