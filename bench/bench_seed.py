"""Benchmark: `manage.py seed_demo --residents 100000` into a fresh SQLite file.

Reports wall time and peak RSS of the seeding process next to the goals (< 60 s, < 1 GB) and
next to an anchor measured in the same run: a raw sqlite3 `executemany` inserting the same number
of person-shaped rows, which shows what the ORM and the data generation cost on top of SQLite.

    .venv/bin/python bench/bench_seed.py [--residents 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 60.0
GOAL_RSS_MB = 1024.0


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one manage.py command run in a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    # wait4 gives this child's own rusage; getrusage(RUSAGE_CHILDREN) would mix in migrate's.
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed with exit code {child.returncode}")
    # ru_maxrss is in kilobytes on Linux.
    return elapsed, usage.ru_maxrss / 1024


def anchor_executemany(path: Path, rows: int) -> float:
    """Raw sqlite3: the same PRAGMAs as the project, one transaction, person-shaped rows."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE person (id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, "
        "household_id INTEGER, grid_id INTEGER, name TEXT, sex TEXT, birth_date TEXT, "
        "is_head INTEGER)"
    )
    rng = random.Random(1)
    now = dt.datetime.now(dt.UTC).isoformat()
    data = [
        (
            now,
            now,
            i // 3 + 1,
            i // 1000 + 1,
            "王" + rng.choice("伟芳娜敏静丽强磊"),
            rng.choice("MF"),
            dt.date(1940 + rng.randrange(85), 1 + rng.randrange(12), 1).isoformat(),
            int(i % 3 == 0),
        )
        for i in range(rows)
    ]
    started = time.perf_counter()
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO person (created_at, updated_at, household_id, grid_id, name, sex, "
        "birth_date, is_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        data,
    )
    con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="resigrid-bench-") as tmp:
        db = Path(tmp) / "seed.sqlite3"
        env = {**os.environ, "RESIGRID_SQLITE_PATH": str(db)}
        env.pop("DATABASE_URL", None)
        run(["migrate", "-v0"], env)
        seconds, rss = run(["seed_demo", "--residents", str(args.residents)], env)
        db_mb = sum(p.stat().st_size for p in Path(tmp).glob("seed.sqlite3*")) / 1e6
        anchor = anchor_executemany(Path(tmp) / "anchor.sqlite3", args.residents)

    print(f"seed_demo --residents {args.residents} on SQLite (fresh file, after migrate)")
    print(f"  wall time        {seconds:8.1f} s     goal < {GOAL_SECONDS:.0f} s")
    print(f"  peak RSS         {rss:8.0f} MB    goal < {GOAL_RSS_MB:.0f} MB")
    print(f"  database size    {db_mb:8.1f} MB")
    print(f"  throughput       {args.residents / seconds:8.0f} residents/s (with households etc.)")
    print(f"anchor: raw sqlite3 executemany of {args.residents} person rows, one transaction")
    print(f"  wall time        {anchor:8.2f} s     ({args.residents / anchor:,.0f} rows/s)")
    print(f"  seed_demo / anchor = {seconds / anchor:.1f}×")
    ok = seconds < GOAL_SECONDS and rss < GOAL_RSS_MB
    print("result: " + ("within goals" if ok else "GOAL MISSED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
