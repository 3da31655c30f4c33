"""Benchmark: ledger import (parse) and export (write_rows) of 100,000 rows × 12 columns.

    .venv/bin/python bench/bench_ledger.py [--rows 100000]

Writes a valid 100,000-row ledger file to a temporary directory, then runs each step in its own
subprocess so that its peak RSS (ru_maxrss) is its own:
  * anchor (read): openpyxl read-only iteration of the same file, no conversion — once with
    `values_only=True` and once yielding cells (what `parse` iterates, to see formulas);
  * parse: `resigrid.core.ledger.parse` (typed conversion, ID/phone validation, duplicate keys);
  * anchor (write): openpyxl write-only append of the same raw values;
  * write_rows: `resigrid.core.ledger.write_rows` (masking, escaping, labels) of 100,000 rows
    produced by a generator.
The "idle" line is the subprocess with Django and openpyxl imported and nothing done.
Goal (issue 3 gives 90 s and 1.5 GB for a whole 100,000-person import; parse is part of it):
parse under 90 s and under 1.5 GB peak RSS. The exit status is non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import models  # noqa: E402
from django.utils import translation  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from resigrid.core import pii  # noqa: E402
from resigrid.core.ledger import Column, Kind, LedgerSpec, parse, write_rows  # noqa: E402

GOAL_SECONDS = 90.0
GOAL_RSS_MB = 1536.0


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Skill(models.TextChoices):
    MEDICAL = "medical", "医疗"
    RESCUE = "rescue", "救援"
    DRIVER = "driver", "驾驶"


SPEC = LedgerSpec(
    name="bench",
    sheet_title="Residents",
    columns=(
        Column("name", "Name", required=True, max_length=50, personal=True),
        Column("sex", "Sex", Kind.CHOICE, choices=Sex),
        Column("id_number", "ID number", Kind.ID_NUMBER, required=True, personal=True),
        Column("phone", "Phone", Kind.PHONE, personal=True),
        Column("born", "Birth date", Kind.DATE),
        Column("alone", "Lives alone", Kind.BOOL),
        Column("household_size", "Household size", Kind.INT, min_value=1, max_value=20),
        Column("floor_area", "Floor area", Kind.DECIMAL, decimal_places=2),
        Column("skills", "Skills", Kind.CHOICES, choices=Skill),
        Column("building", "Building", max_length=50),
        Column("moved_in", "Moved in", Kind.DATE),
        Column("note", "Note", max_length=200),
    ),
    key=("id_number",),
)
HEADERS = [str(c.header) for c in SPEC.columns]


def person(i: int) -> dict[str, Any]:
    born = date(1940, 1, 1) + timedelta(days=i % 25_000)
    first17 = f"330106{born:%Y%m%d}{i // 25_000:03d}"
    return {
        "name": f"居民{i}",
        "sex": "male" if i % 2 else "female",
        "id_number": first17 + pii.id_check_digit(first17),
        "phone": f"13{i % 10}{i:08d}",
        "born": born,
        "alone": i % 12 == 0,
        "household_size": i % 5 + 1,
        "floor_area": Decimal(f"{40 + i % 80}.{i % 100:02d}"),
        "skills": ["medical", "driver"] if i % 7 == 0 else [],
        "building": f"{i % 40 + 1}幢",
        "moved_in": date(2000, 1, 1) + timedelta(days=i % 8_000),
        "note": "" if i % 3 else "=需要回访",
    }


def raw_row(i: int) -> list[Any]:
    """The cells a person would type for person(i) (the note without its leading "=", which
    openpyxl would store as a formula)."""
    p = person(i)
    return [
        p["name"], "男" if p["sex"] == "male" else "女", p["id_number"], p["phone"], p["born"],
        "是" if p["alone"] else "否", p["household_size"], float(p["floor_area"]),
        "医疗、驾驶" if p["skills"] else None, p["building"], p["moved_in"], p["note"][1:] or None,
    ]  # fmt: skip


def make_file(path: Path, rows: int) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Residents")
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append(raw_row(i))
    book.save(path)


def child(mode: str, path: Path, rows: int) -> dict[str, Any]:
    started = time.perf_counter()
    detail = ""
    if mode == "read_values":
        book = load_workbook(path, read_only=True, data_only=False)
        count = sum(1 for _ in book.worksheets[0].iter_rows(min_row=2, values_only=True))
        book.close()
        detail = f"{count} rows"
    elif mode == "read_cells":
        book = load_workbook(path, read_only=True, data_only=False)
        count = 0
        for cells in book.worksheets[0].iter_rows(min_row=2):
            count += 1
            for cell in cells:
                _ = cell.value, cell.data_type
        book.close()
        detail = f"{count} rows"
    elif mode == "parse":
        with translation.override("zh-hans"), path.open("rb") as stream:
            result = parse(SPEC, stream)
        detail = f"{len(result.rows)} rows, {result.error_count} errors"
        if result.errors:
            detail += f" (first: {result.errors[0]})"
    elif mode == "write_anchor":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Residents")
        sheet.append(HEADERS)
        for i in range(rows):
            sheet.append(raw_row(i))
        out = io.BytesIO()
        book.save(out)
        detail = f"{len(out.getvalue()) // 1024} KB"
    elif mode == "write_rows":
        people: Iterator[dict[str, Any]] = (person(i) for i in range(rows))
        with translation.override("zh-hans"):
            data = write_rows(SPEC, people, unmask=False)
        detail = f"{len(data) // 1024} KB"
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_mb": peak_mb, "detail": detail}


def run_child(mode: str, path: Path, rows: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--file", str(path), "--rows", str(rows)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.file), args.rows)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.xlsx"
        started = time.perf_counter()
        make_file(path, args.rows)
        print(
            f"file: {args.rows:,} rows × {len(HEADERS)} columns, "
            f"{path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - started:.1f} s"
        )
        print(f"{'step':<40}{'wall s':>9}{'peak RSS MB':>14}  detail")
        figures = {}
        for mode, label in [
            ("idle", "idle (imports only)"),
            ("read_values", "anchor: openpyxl read-only, values"),
            ("read_cells", "anchor: openpyxl read-only, cells"),
            ("parse", "parse (ledger import, dry run)"),
            ("write_anchor", "anchor: openpyxl write-only append"),
            ("write_rows", "write_rows (masked export)"),
        ]:
            figures[mode] = run_child(mode, path, args.rows)
            f = figures[mode]
            print(f"{label:<40}{f['seconds']:>9.2f}{f['peak_mb']:>14.0f}  {f['detail']}")
    parse_f, anchor = figures["parse"], figures["read_cells"]
    print(
        f"parse / cell-iteration anchor: {parse_f['seconds'] / anchor['seconds']:.2f}× time; "
        f"write_rows / write anchor: "
        f"{figures['write_rows']['seconds'] / figures['write_anchor']['seconds']:.2f}× time"
    )
    ok = parse_f["seconds"] < GOAL_SECONDS and parse_f["peak_mb"] < GOAL_RSS_MB
    print(
        f"goal parse < {GOAL_SECONDS:.0f} s and < {GOAL_RSS_MB:.0f} MB: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
