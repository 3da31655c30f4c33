"""Benchmark: Excel import of 100,000 residents through the people ledger services (PostgreSQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_import \
        .venv/bin/python bench/bench_people_import.py [--rows 100000]

Uses a dedicated database (default postgres://postgres@127.0.0.1:5432/resigrid_bench_import;
DATABASE_URL is not touched), DROPPED and recreated with migrate on every run, so that the
import always starts from an empty people table. It creates a small area tree (district, street,
community, two grids, 40 buildings in the first grid) and a community secretary, and writes an
.xlsx of `--rows` valid rows with the persons ledger spec (headers in Chinese): valid synthetic ID
numbers (GB 11643 check digit from resigrid.core.pii.id_check_digit), phones 139xxxxxxxx,
~2.5 residents per household (building + room), ~8% with vulnerability tags, some with needs.
An import targets one grid (the service's contract), so every row goes to the first grid.

Each step runs in its own subprocess; its peak RSS is the child's ru_maxrss from os.wait4:
  * idle: Django set up and the modules imported, nothing done;
  * anchor: openpyxl read-only iteration of the same file (values_only), no conversion;
  * dry run: `ledgers.import_persons(dry_run=True)` on a `LedgerUpload`, as the import page
    does (parse + checks → preview), then `keep` the parsed rows next to the file;
  * apply: `restore` the kept rows for the same bytes and `ledgers.import_persons(dry_run=False)`
    (checks again without parsing, then one atomic transaction: households, persons, tags,
    needs, the access-log row). With `--reparse` apply gets the bare file and parses it again
    (how apply worked before the preview kept its rows).
Goals (issue 3): dry run and apply each under 90 s and under 1.5 GB peak RSS. The exit status is
non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_import"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

GOAL_SECONDS = 90.0
GOAL_RSS_MB = 1536.0
GRID_CODE = "330106001001001"
USERNAME = "bench-secretary"
BUILDINGS = 40
LANGUAGE = "zh-hans"


def recreate_database(url: str) -> None:
    import psycopg

    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_tree() -> None:
    """District → street → community → two grids; buildings in the first grid; a secretary."""
    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area, Building

    district = Area.objects.create(code="330106000000000", name="西湖区", level=Level.DISTRICT)
    street = Area.objects.create(
        code="330106001000000", name="北山街道", level=Level.STREET, parent=district
    )
    community = Area.objects.create(
        code="330106001001000", name="保俶社区", level=Level.COMMUNITY, parent=street
    )
    grid = Area.objects.create(code=GRID_CODE, name="网格1", level=Level.GRID, parent=community)
    Area.objects.create(code="330106001001002", name="网格2", level=Level.GRID, parent=community)
    Building.objects.bulk_create(
        Building(grid=grid, name=f"{b}幢", lon=120.15 + b / 1e4, lat=30.26, floors=18)
        for b in range(1, BUILDINGS + 1)
    )
    user = User.objects.create(username=USERNAME, full_name="书记")
    RoleBinding.objects.create(user=user, area=community, role=Role.COMMUNITY_SECRETARY)


def row(i: int) -> list[Any]:
    """Row i of the file, in PERSONS column order; every row valid and every ID distinct."""
    from resigrid.core import pii

    born = dt.date(1940, 1, 1) + dt.timedelta(days=i % 25_000)
    seq = i // 25_000 + 101  # 101… : odd → man, even → woman
    first17 = f"330106{born:%Y%m%d}{seq:03d}"
    household = i * 2 // 5  # ~2.5 residents per household
    tags = ""
    if i % 25 == 0:
        tags = "慢病"
    elif i % 25 == 7:
        tags = "独居老人（65岁以上）" if born.year <= 1955 else "低保"
    return [
        f"{household % BUILDINGS + 1}幢",
        str(household // BUILDINGS + 101),
        f"居民{i}",
        # Half the rows give sex and birth date (they agree with the ID), half leave them out.
        ("男" if seq % 2 else "女") if i % 2 else None,
        born if i % 2 else None,
        first17 + pii.id_check_digit(first17),
        f"139{i:08d}",
        "常住人口" if i % 10 == 0 else None,
        tags or None,
        "吸氧" if i % 250 == 0 else None,
    ]


def make_file(path: Path, rows: int) -> None:
    from django.utils import translation
    from openpyxl import Workbook

    from resigrid.people.ledgers import PERSONS

    with translation.override(LANGUAGE):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(str(PERSONS.sheet_title))
        sheet.append([str(c.header) for c in PERSONS.columns])
        for i in range(rows):
            sheet.append(row(i))
        book.save(path)


def child(mode: str, path: Path) -> dict[str, Any]:
    from django.utils import translation
    from openpyxl import load_workbook

    from resigrid.accounts.models import User
    from resigrid.areas.models import Area
    from resigrid.core.ledger import LedgerUpload, keep, restore
    from resigrid.people import ledgers

    actor = User.objects.get(username=USERNAME)
    grid = Area.objects.get(code=GRID_CODE)
    started = time.perf_counter()
    detail = ""
    if mode == "anchor":
        book = load_workbook(path, read_only=True, data_only=False)
        count = sum(1 for _ in book.worksheets[0].iter_rows(min_row=2, values_only=True))
        book.close()
        detail = f"{count:,} rows"
    elif mode in ("dry_run", "apply", "apply_reparse"):
        kept = path.with_suffix(".parsed")
        with translation.override(LANGUAGE):
            if mode == "dry_run":
                upload = LedgerUpload(path.read_bytes())
                report = ledgers.import_persons(actor=actor, grid=grid, file=upload, dry_run=True)
                keep(upload, kept)
            elif mode == "apply":
                upload = restore(kept, path.read_bytes())
                if not upload.snapshots:
                    raise SystemExit("apply: the kept rows of the dry run are missing")
                report = ledgers.import_persons(actor=actor, grid=grid, file=upload, dry_run=False)
            else:
                with path.open("rb") as stream:
                    report = ledgers.import_persons(
                        actor=actor, grid=grid, file=stream, dry_run=False
                    )
        detail = (
            f"{report.rows:,} rows, {report.error_count} errors, {report.created:,} persons, "
            f"{report.households_created:,} households created"
        )
        if report.errors:
            detail += f" (first: {report.errors[0]})"
    return {"seconds": time.perf_counter() - started, "detail": detail}


def run_child(mode: str, path: Path) -> dict[str, Any]:
    """The step in a fresh interpreter; peak RSS from the kernel's rusage of that child."""
    command = [sys.executable, __file__, "--child", mode, "--file", str(path)]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out)  # noqa: S603
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"step {mode} failed ({proc.returncode}): {text}")
    result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["process_s"] = wall
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--reparse", action="store_true", help="apply parses the file again (no kept rows)"
    )
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if not args.child:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    if args.child:
        if args.child != "idle":
            print(json.dumps(child(args.child, Path(args.file))))
        else:
            print(json.dumps({"seconds": 0.0, "detail": ""}))
        return 0

    from django.core.management import call_command

    from resigrid.people.models import Household, Person, Vulnerability

    call_command("migrate", verbosity=0)
    setup_tree()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "residents.xlsx"
        started = time.perf_counter()
        make_file(path, args.rows)
        print(
            f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, "
            f"made in {time.perf_counter() - started:.1f} s; "
            f"database {BENCH_URL.rpartition('/')[2]}"
        )
        print(f"{'step':<38}{'call s':>8}{'process s':>11}{'peak RSS MB':>13}  detail")
        figures = {}
        for mode, label in [
            ("idle", "idle (Django + imports only)"),
            ("anchor", "anchor: openpyxl read-only values"),
            ("dry_run", "dry run (preview)"),
            ("apply_reparse", "apply (atomic), parsing again")
            if args.reparse
            else ("apply", "apply (atomic), kept rows"),
        ]:
            f = figures[mode] = run_child(mode, path)
            print(
                f"{label:<38}{f['seconds']:>8.2f}{f['process_s']:>11.2f}{f['peak_mb']:>13.0f}"
                f"  {f['detail']}"
            )
    counts = (Person.objects.count(), Household.objects.count(), Vulnerability.objects.count())
    print(f"in the database: {counts[0]:,} persons, {counts[1]:,} households, {counts[2]:,} tags")
    anchor = figures["anchor"]["seconds"]
    ok = counts[0] == args.rows
    for mode in ("dry_run", "apply_reparse" if args.reparse else "apply"):
        f = figures[mode]
        met = f["seconds"] < GOAL_SECONDS and f["peak_mb"] < GOAL_RSS_MB
        ok = ok and met
        print(
            f"{mode}: {f['seconds']:.1f} s (goal < {GOAL_SECONDS:.0f} s, "
            f"{f['seconds'] / anchor:.1f}× the read anchor), {f['peak_mb']:.0f} MB "
            f"(goal < {GOAL_RSS_MB:.0f} MB): {'met' if met else 'MISSED'}"
        )
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
