"""A previewed upload keeps its parsed rows: parsed once, kept sealed next to the upload, used
again only for exactly the same bytes, and never when the kept file was changed."""

from __future__ import annotations

import dataclasses
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation

from resigrid.core.ledger import (
    LedgerUpload,
    ParsedRow,
    ParseResult,
    RowError,
    keep,
    parse,
    reader,
    restore,
)
from tests.core.test_ledger_helpers import ID_A, ID_B, SPEC, catalogue, row, workbook_bytes

__all__ = ["catalogue"]

pytestmark = pytest.mark.usefixtures("catalogue")

ROWS = [
    row(name="李四", sex="男", id_number=ID_B, born=date(1980, 1, 1), floor_area=12.25,
        skills="救援、驾驶"),
    row(name="王五", id_number=ID_A, alone="否", household_size=3),
]  # fmt: skip
EXPECTED = [
    ParsedRow(2, {
        "name": "李四", "sex": "male", "id_number": ID_B, "phone": None,
        "born": date(1980, 1, 1), "alone": None, "household_size": None,
        "floor_area": Decimal("12.25"), "skills": ["rescue", "driver"], "health": None,
        "note": None,
    }),
    ParsedRow(3, {
        "name": "王五", "sex": None, "id_number": ID_A, "phone": None, "born": None,
        "alone": False, "household_size": 3, "floor_area": None, "skills": [], "health": None,
        "note": None,
    }),
]  # fmt: skip


@pytest.fixture
def workbook_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often a workbook is actually read (openpyxl's load_workbook)."""
    calls: list[int] = []
    real = openpyxl.load_workbook

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "load_workbook", counting)
    return calls


def _parse(file: Any, spec: Any = SPEC) -> Any:
    with translation.override("zh-hans"):
        return parse(spec, file)


def test_an_upload_is_read_once_per_spec(workbook_reads: list[int]) -> None:
    upload = LedgerUpload(workbook_bytes(ROWS))
    first = _parse(upload)
    second = _parse(upload)
    assert first.rows == second.rows == EXPECTED
    assert workbook_reads == [1]
    other = dataclasses.replace(SPEC, name="residents-2")
    assert _parse(upload, other).rows == EXPECTED
    assert workbook_reads == [1, 1]  # another spec reads the file itself


def test_other_limits_read_the_file_again(workbook_reads: list[int]) -> None:
    upload = LedgerUpload(workbook_bytes(ROWS))
    with translation.override("zh-hans"):
        parse(SPEC, upload)
        assert parse(SPEC, upload, max_errors=5).rows == EXPECTED
    assert workbook_reads == [1, 1]


def test_the_snapshot_is_taken_before_an_importer_touches_the_rows() -> None:
    upload = LedgerUpload(workbook_bytes(ROWS))
    first = _parse(upload)
    first.rows[0].values["name"] = "改过"
    first.rows.pop()
    assert _parse(upload).rows == EXPECTED


def test_kept_rows_are_used_for_the_same_bytes_without_reading(
    tmp_path: Path, workbook_reads: list[int]
) -> None:
    data = workbook_bytes(ROWS)
    upload = LedgerUpload(data)
    _parse(upload)
    kept = tmp_path / "upload.parsed"
    keep(upload, kept)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert ID_B.encode() not in kept.read_bytes()  # sealed, not plain personal data
    restored = restore(kept, data)
    assert _parse(restored).rows == EXPECTED
    assert workbook_reads == [1]  # only the preview read the workbook


def test_nothing_is_kept_before_a_parse(tmp_path: Path) -> None:
    kept = tmp_path / "upload.parsed"
    keep(LedgerUpload(workbook_bytes(ROWS)), kept)
    assert not kept.exists()


def _kept(tmp_path: Path, data: bytes) -> Path:
    upload = LedgerUpload(data)
    _parse(upload)
    kept = tmp_path / "upload.parsed"
    keep(upload, kept)
    return kept


def test_other_bytes_do_not_get_the_kept_rows(tmp_path: Path, workbook_reads: list[int]) -> None:
    kept = _kept(tmp_path, workbook_bytes(ROWS))
    changed = workbook_bytes(ROWS[:1])
    restored = restore(kept, changed)
    assert restored.snapshots == {}
    assert _parse(restored).rows == EXPECTED[:1]
    assert workbook_reads == [1, 1]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]), id="flipped bit"),
        pytest.param(lambda raw: raw[:40], id="cut short"),
        pytest.param(lambda raw: b"", id="empty"),
    ],
)
def test_a_changed_kept_file_is_ignored(
    tmp_path: Path, workbook_reads: list[int], spoil: Any
) -> None:
    data = workbook_bytes(ROWS)
    kept = _kept(tmp_path, data)
    kept.write_bytes(spoil(kept.read_bytes()))
    restored = restore(kept, data)
    assert restored.snapshots == {}
    assert _parse(restored).rows == EXPECTED
    assert workbook_reads == [1, 1]


def test_a_missing_kept_file_or_another_secret_means_reading_again(
    tmp_path: Path, workbook_reads: list[int]
) -> None:
    data = workbook_bytes(ROWS)
    assert restore(tmp_path / "absent.parsed", data).snapshots == {}
    kept = _kept(tmp_path, data)
    with override_settings(SECRET_KEY="another-secret-key-" * 3):
        assert restore(kept, data).snapshots == {}
    assert restore(kept, data).snapshots != {}


def test_a_remembered_result_comes_back_whole() -> None:
    """Rows in chunks (more than one), a row whose keys differ, errors and counts."""
    rows = [ParsedRow(n, {"a": n, "b": [str(n)], "c": None}) for n in range(2, 4503)]
    rows.append(ParsedRow(4503, {"b": ["x"], "a": 1}))
    errors = [RowError(7, "a", "A", "bad"), RowError(9, "", "", "whole row")]
    result = ParseResult(rows, errors, 5, 2, True)
    upload = LedgerUpload(b"")
    upload.remember("k", result)
    assert upload.recall("k") == result
    assert upload.recall("other") is None
    upload.snapshots["k"] = upload.snapshots["k"][:100]  # unreadable: parse the file instead
    assert upload.recall("k") is None
    empty = ParseResult()
    upload.remember("e", empty)
    assert upload.recall("e") == empty
