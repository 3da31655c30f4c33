"""Shared pieces of the ledger tests: a sample spec, a test catalogue, workbook builders.

The sample spec's labels are translated by a catalogue written here (not by locale/), so the
tests pin the Chinese wording and do not change when the lead edits the real catalogue.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.test import override_settings
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from resigrid.core.ledger import Column, Kind, LedgerSpec

CATALOGUE = {
    "Residents": "居民",
    "Name": "姓名",
    "Sex": "性别",
    "Male": "男",
    "Female": "女",
    "ID number": "身份证号",
    "Phone": "联系电话",
    "Birth date": "出生日期",
    "Lives alone": "独居",
    "Household size": "家庭人数",
    "Floor area": "住房面积",
    "Skills": "技能",
    "Medical": "医疗",
    "Rescue": "救援",
    "Driver": "驾驶",
    "Health": "健康状况",
    "Note": "备注",
    "Instructions": "说明",
}


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Skill(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    RESCUE = "rescue", _("Rescue")
    DRIVER = "driver", _("Driver")


SPEC = LedgerSpec(
    name="residents",
    sheet_title=_("Residents"),
    columns=(
        Column("name", _("Name"), required=True, max_length=20, example="张三", personal=True),
        Column("sex", _("Sex"), Kind.CHOICE, choices=Sex, example=Sex.FEMALE),
        Column(
            "id_number",
            _("ID number"),
            Kind.ID_NUMBER,
            required=True,
            example="11010519491231002X",
            personal=True,
        ),
        Column("phone", _("Phone"), Kind.PHONE, example="13812345678", personal=True),
        Column("born", _("Birth date"), Kind.DATE, example=date(1949, 12, 31)),
        Column("alone", _("Lives alone"), Kind.BOOL, example=True),
        Column(
            "household_size",
            _("Household size"),
            Kind.INT,
            min_value=1,
            max_value=20,
            example=1,
        ),
        Column(
            "floor_area",
            _("Floor area"),
            Kind.DECIMAL,
            min_value=Decimal(0),
            decimal_places=2,
            example=Decimal("45.5"),
        ),
        Column(
            "skills",
            _("Skills"),
            Kind.CHOICES,
            choices=Skill,
            example=[Skill.MEDICAL, Skill.DRIVER],
        ),
        Column("health", _("Health"), sensitive=True, example="高血压"),
        Column("note", _("Note"), max_length=200, help_text=_("Anything else")),
    ),
    key=("id_number",),
)
HEADERS_ZH = [
    "姓名", "性别", "身份证号", "联系电话", "出生日期", "独居",
    "家庭人数", "住房面积", "技能", "健康状况", "备注",
]  # fmt: skip
HEADERS_EN = [str(c.header) for c in SPEC.columns]

# Valid GB 11643 numbers (check digits computed by resigrid.core.pii).
ID_A = "11010519491231002X"
ID_B = "110105198001010016"
ID_C = "440304199912310015"


def _mo_bytes(messages: dict[str, str]) -> bytes:
    """A GNU .mo catalogue (the format gettext reads), so no msgfmt is needed."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    count = len(keys)
    originals_at = 28
    translations_at = originals_at + 8 * count
    data_at = translations_at + 8 * count
    table_o, table_t, blob = b"", b"", b""
    for raw in ids:
        table_o += struct.pack("<2I", len(raw), data_at + len(blob))
        blob += raw + b"\0"
    for raw in strs:
        table_t += struct.pack("<2I", len(raw), data_at + len(blob))
        blob += raw + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, 0)
    return head + table_o + table_t + blob


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[None]:
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.mo").write_bytes(_mo_bytes(CATALOGUE))
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield


def workbook_bytes(
    rows: Sequence[Sequence[Any]], *, title: str = "居民", header: Sequence[Any] | None = None
) -> bytes:
    """A plain workbook: the header row (Chinese by default) then `rows`."""
    book = Workbook()
    sheet = sheet_of(book)
    sheet.title = title
    sheet.append(list(HEADERS_ZH if header is None else header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(**values: Any) -> list[Any]:
    """One data row in SPEC's column order; unnamed cells are empty."""
    return [values.get(c.key) for c in SPEC.columns]


def sheet_of(book: Workbook) -> Worksheet:
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    return sheet


def read_back(data: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).worksheets[sheet].iter_rows(values_only=True))
