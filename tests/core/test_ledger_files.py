"""Ledger files refused as a whole (not a workbook, bombs, headers, merges, size) and the
per-cell refusals that only a real file can show (formulas, 100,000 bad rows)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from resigrid.core.errors import ValidationFailed
from resigrid.core.ledger import parse, reader
from tests.core.test_ledger_helpers import (
    HEADERS_EN,
    ID_A,
    ID_B,
    SPEC,
    catalogue,
    row,
    sheet_of,
    workbook_bytes,
)

__all__ = ["catalogue"]

pytestmark = pytest.mark.usefixtures("catalogue")

NOT_XLSX = (
    "The file is not an Excel workbook (.xlsx). Save it in Excel as “Excel Workbook (*.xlsx)” "
    "without a password and upload it again."
)


def refusal(data, **options):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as caught:
        parse(SPEC, data, **options)
    assert caught.value.field == "file"
    return caught.value.errors["file"]


def rewrite(data: bytes, member: str, change) -> bytes:
    """The same workbook with one archive member's text changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = change(body.decode()).encode()
            dst.writestr(info, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"name,id\n\xe5\xbc\xa0,1\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,  # an old .xls or an encrypted file
        zip_of({"word/document.xml": b"<w/>"}),
        zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}),
    ],
    ids=["empty", "csv", "ole", "docx-like zip", "broken xml"],
)
def test_what_is_not_an_xlsx_is_refused_plainly(data):
    assert refusal(data) == [NOT_XLSX]


def test_a_zip_bomb_is_refused_before_anything_is_inflated():
    # 129 MiB of zeros deflates to about 130 KB: declared sizes give it away. A part outside
    # the worksheets would be held in memory whole, hence the tighter bound on it.
    buffer = io.BytesIO(workbook_bytes([row(name="甲", id_number=ID_A)]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings2.xml", b"\0" * (129 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1_000_000
    assert refusal(buffer.getvalue()) == [
        "The workbook is too large once unpacked (limit 128 MB): split it into smaller files."
    ]


def test_the_total_unpacked_size_is_bounded(monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 2 * 1024 * 1024)
    with zipfile.ZipFile(
        buffer := io.BytesIO(workbook_bytes([row(name="甲", id_number=ID_A)])),
        "a",
        zipfile.ZIP_DEFLATED,
    ) as archive:
        archive.writestr("xl/media/big.bin", b"\0" * (3 * 1024 * 1024))
    assert refusal(buffer.getvalue()) == [
        "The workbook is too large once unpacked (limit 2 MB): split it into smaller files."
    ]


def with_doctype(doctype: str) -> bytes:
    def inject(text):
        return re.sub(r"^<\?xml[^>]*\?>", "", text).replace("<worksheet", doctype + "<worksheet", 1)

    data = workbook_bytes([row(name="甲", id_number=ID_A)])
    return rewrite(data, "xl/worksheets/sheet1.xml", inject)


def test_an_xml_entity_bomb_is_refused_by_defusedxml():
    lol = "&lol;" * 10
    bomb = (
        f'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "{lol}"><!ENTITY lol3 "&lol2;&lol2;">]>'
    )
    assert refusal(with_doctype(bomb)) == [NOT_XLSX]
    # The control: the same file with a harmless DOCTYPE is read.
    assert parse(SPEC, with_doctype("<!DOCTYPE x []>")).values()[0]["name"] == "甲"


def test_unknown_and_missing_headers_are_named():
    data = workbook_bytes([["甲", "男", 42]], header=["姓名", "性别", "鞋码"])
    assert refusal(data) == [
        "Unknown columns: “鞋码”. Use the headers of the template.",
        "Missing columns: “身份证号”.",
    ]


def test_missing_headers_are_named_in_the_active_language():
    data = workbook_bytes([], header=["Sex"])
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        parse(SPEC, data)
    assert caught.value.errors == {"file": ["Missing columns: “Name”、“ID number”."]}
    assert str(caught.value) == "Missing columns: “Name”、“ID number”."


def test_a_repeated_header_and_a_blank_header_are_refused():
    data = workbook_bytes([], header=["姓名", None, "身份证号", "Name"])
    assert refusal(data) == [
        "Column B has no header.",
        "The column “姓名” appears more than once (columns A、D).",
    ]


def test_a_sheet_without_a_header_row_is_refused():
    assert refusal(workbook_bytes([], header=[])) == [
        "The first row must hold the column headers of the template."
    ]


def test_a_required_marker_after_a_header_is_accepted():
    data = workbook_bytes([["甲", ID_A]], header=["姓名*", " 身份证号 ＊"])
    assert parse(SPEC, data).values()[0]["id_number"] == ID_A


def test_merged_cells_are_refused_with_their_ranges():
    book = Workbook()
    sheet = sheet_of(book)
    sheet.title = "居民"
    sheet.append(["姓名", "身份证号", "备注"])
    sheet.append(["甲", ID_A, "x"])
    sheet.append(["乙", ID_B, "y"])
    sheet.merge_cells("C2:C3")
    sheet.merge_cells("A5:B5")
    out = io.BytesIO()
    book.save(out)
    assert refusal(out.getvalue()) == [
        "Merged cells are not allowed (C2:C3、A5:B5): unmerge them and fill every cell."
    ]


def test_merged_cells_on_another_sheet_do_not_matter():
    book = Workbook()
    notes = sheet_of(book)
    notes.title = "说明"
    notes.merge_cells("A1:D1")
    sheet = book.create_sheet("居民")
    sheet.append(["姓名", "身份证号"])
    sheet.append(["甲", ID_A])
    out = io.BytesIO()
    book.save(out)
    assert [r.number for r in parse(SPEC, out.getvalue()).rows] == [2]


def test_the_sheet_is_found_by_its_title_in_either_language():
    book = Workbook()
    sheet_of(book).title = "Sheet1"
    sheet_of(book).append(["whatever"])
    sheet = book.create_sheet("Residents")
    sheet.append(HEADERS_EN)
    sheet.append(row(name="甲", id_number=ID_A))
    out = io.BytesIO()
    book.save(out)
    assert parse(SPEC, out).values()[0]["name"] == "甲"  # a file object works too


def test_formulas_are_reported_by_cell_and_the_rest_of_the_row_still_checked():
    book = Workbook()
    sheet = sheet_of(book)
    sheet.append(["姓名", "身份证号", "家庭人数"])
    sheet.append(["甲", ID_A, "=1+2"])
    sheet.append(['=CONCAT("乙","")', ID_B, "x"])
    out = io.BytesIO()
    book.save(out)
    result = parse(SPEC, out.getvalue())
    assert [(e.row_number, e.column_key, e.message) for e in result.errors] == [
        (2, "household_size", "C2 contains a formula; paste values only."),
        (3, "name", "A3 contains a formula; paste values only."),
        (3, "household_size", "Not a whole number."),
    ]
    assert result.rows == []


def test_too_many_rows_are_refused_and_blank_rows_do_not_count():
    rows = [row(name=str(i), id_number=ID_A if i == 0 else None) for i in range(3)]
    assert refusal(workbook_bytes([*rows, row(name="x")]), max_rows=3) == [
        "The file has more than 3 data rows: split it into smaller files."
    ]
    result = parse(SPEC, workbook_bytes([*rows, [], [None, "  "]]), max_rows=3)
    assert result.error_count == 2  # two rows without ID numbers; no refusal


def test_a_wrong_dimension_does_not_cut_rows_off():
    data = workbook_bytes([row(name=str(i), id_number=(i and None) or ID_A) for i in range(3)])
    shrunk = rewrite(
        data,
        "xl/worksheets/sheet1.xml",
        lambda text: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:B2"', text),
    )
    result = parse(SPEC, shrunk)
    assert [(e.row_number, e.column_key) for e in result.errors] == [
        (3, "id_number"),
        (4, "id_number"),
    ]


def test_a_hundred_thousand_bad_rows_report_a_bounded_list_and_a_count():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(["姓名", "身份证号"])
    for i in range(100_000):
        sheet.append([f"居民{i}", "1234"])
    out = io.BytesIO()
    book.save(out)
    result = parse(SPEC, out.getvalue())
    assert result.rows == []
    assert (result.error_count, result.rows_with_errors) == (100_000, 100_000)
    assert len(result.errors) == 1_000
    assert result.errors_truncated == 99_000
    assert (result.errors[0].row_number, result.errors[-1].row_number) == (2, 1_001)
    assert {e.message for e in result.errors} == {
        "An ID number has 18 characters: 17 digits and a digit or X."
    }


def test_the_error_list_cap_is_a_parameter():
    rows = [row(name="甲", id_number="x") for _ in range(5)]
    result = parse(SPEC, workbook_bytes(rows), max_errors=2)
    assert (len(result.errors), result.error_count, result.errors_truncated) == (2, 5, 3)
