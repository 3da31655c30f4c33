"""Ledger framework: template, typed conversion, per-row errors, export masking and escaping."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from openpyxl import load_workbook

from resigrid.core.ledger import ParsedRow, RowError, build_template, parse, write_rows
from tests.core.test_ledger_helpers import (
    HEADERS_EN,
    HEADERS_ZH,
    ID_A,
    ID_B,
    ID_C,
    SPEC,
    catalogue,
    read_back,
    row,
    workbook_bytes,
)

__all__ = ["catalogue"]  # the fixture is used by name

pytestmark = pytest.mark.usefixtures("catalogue")


def errors_of(result):
    return [(e.row_number, e.column_key, e.header, e.message) for e in result.errors]


def one_cell(key, value):
    """Parse one row holding `value` in column `key` (other required cells valid)."""
    base = {"name": "李四", "id_number": ID_B}
    base[key] = value
    return parse(SPEC, workbook_bytes([row(**base)]))


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_template_in_chinese_has_headers_example_dropdowns_and_instructions():
    with translation.override("zh-hans"):
        data = build_template(SPEC)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["居民", "说明", "lists"]
    sheet = book["居民"]
    assert [c.value for c in sheet[1]] == HEADERS_ZH
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]] == [
        "张三", "女", ID_A, "13812345678", datetime(1949, 12, 31), "是", 1, 45.5,
        "医疗、驾驶", "高血压", None,
    ]  # fmt: skip
    assert sheet.column_dimensions["C"].number_format == "@"
    assert book["lists"].sheet_state == "hidden"
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {
        "B2:B1048576": "'lists'!$A$1:$A$2",
        "F2:F1048576": "'lists'!$B$1:$B$2",
    }
    assert [c.value for c in book["lists"]["A"]] == ["男", "女"]
    assert [c.value for c in book["lists"]["B"]] == ["是", "否"]
    instructions = list(book["说明"].iter_rows(values_only=True))
    assert ("家庭人数", "否", "Whole number; at least 1; at most 20", None, None) in instructions
    assert ("性别", "否", "One value from the list", "男、女", None) in instructions
    assert ("身份证号", "是", "Resident ID number, 18 characters, typed as text", None, None) in (
        instructions
    )
    assert ("备注", "否", "文本; at most 200 characters", None, "Anything else") in instructions


def test_template_in_english():
    with translation.override("en"):
        data = build_template(SPEC)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Residents", "Instructions", "lists"]
    assert [c.value for c in book["Residents"][1]] == HEADERS_EN
    assert book["Residents"]["F2"].value == "Yes"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_template_filled_in_parses_back_to_typed_rows(language):
    with translation.override(language):
        template = build_template(SPEC)
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet.append(["李四", "男", ID_B.lower(), "+86 138-0013-8000", date(1980, 1, 1), "否", 3,
                  12.25, "救援，Driver", None, "三楼"])  # fmt: skip
    sheet.append([])  # a blank row in between is skipped
    sheet.append(["Wang Wu", "Female", ID_C, 13900139000, "1999/12/31", "yes", "1", "80",
                  "medical", "糖尿病", None])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    with translation.override("zh-hans"):
        result = parse(SPEC, out.getvalue())
    assert result.errors == []
    assert result.example_row_skipped is True
    assert result.rows == [
        ParsedRow(3, {
            "name": "李四", "sex": "male", "id_number": ID_B, "phone": "13800138000",
            "born": date(1980, 1, 1), "alone": False, "household_size": 3,
            "floor_area": Decimal("12.25"), "skills": ["rescue", "driver"], "health": None,
            "note": "三楼",
        }),
        ParsedRow(5, {
            "name": "Wang Wu", "sex": "female", "id_number": ID_C, "phone": "13900139000",
            "born": date(1999, 12, 31), "alone": True, "household_size": 1,
            "floor_area": Decimal("80"), "skills": ["medical"], "health": "糖尿病", "note": None,
        }),
    ]  # fmt: skip


def test_english_headers_are_accepted_while_chinese_is_active():
    data = workbook_bytes([row(name="A", id_number=ID_A)], header=HEADERS_EN, title="Residents")
    with translation.override("zh-hans"):
        result = parse(SPEC, data)
    assert errors_of(result) == []
    assert result.values()[0]["id_number"] == ID_A


def test_an_edited_example_row_is_data():
    book = load_workbook(io.BytesIO(build_template(SPEC)))
    book.worksheets[0]["A2"] = "张三丰"
    out = io.BytesIO()
    book.save(out)
    result = parse(SPEC, out.getvalue())
    assert result.example_row_skipped is False
    assert [r.number for r in result.rows] == [2]


def _replace_examples(**examples):
    columns = tuple(
        dataclasses.replace(c, example=examples[c.key]) if c.key in examples else c
        for c in SPEC.columns
    )
    return dataclasses.replace(SPEC, columns=columns)


def test_an_example_given_loosely_is_still_recognised_in_the_template():
    """One value for a multi-choice column and a number written as text: the template shows
    the label, and its untouched example row is skipped."""
    spec = _replace_examples(skills="rescue", floor_area="45.50", household_size="2")
    with translation.override("zh-hans"):
        template = build_template(spec)
        result = parse(spec, template)
    example = read_back(template)[1]
    assert (example[6], example[7], example[8]) == ("2", "45.50", "救援")
    assert (result.example_row_skipped, result.rows, errors_of(result)) == (True, [], [])


def test_an_example_that_fails_its_own_rules_is_reported_not_skipped():
    spec = _replace_examples(id_number=ID_A[:17] + "1")  # wrong check digit
    with translation.override("zh-hans"):
        result = parse(spec, build_template(spec))
    assert result.example_row_skipped is False
    assert [(e.row_number, e.column_key) for e in result.errors] == [(2, "id_number")]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("女", "female"), ("Female", "female"), ("female", "female"), (" FEMALE ", "female")],
)
def test_a_choice_by_label_in_either_language_or_by_value(raw, value):
    assert one_cell("sex", raw).values()[0]["sex"] == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("医疗、驾驶", ["medical", "driver"]),
        ("Rescue, medical；救援", ["rescue", "medical"]),
        ("驾驶;Driver", ["driver"]),
        (None, []),
    ],
)
def test_several_choices_in_one_cell(raw, value):
    assert one_cell("skills", raw).values()[0]["skills"] == value


def test_an_unknown_choice_names_the_allowed_labels():
    with translation.override("zh-hans"):
        result = one_cell("skills", "医疗、厨师")
    assert errors_of(result) == [(2, "skills", "技能", "“厨师” is not one of: 医疗、救援、驾驶.")]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (date(2024, 3, 5), date(2024, 3, 5)),
        (datetime(2024, 3, 5, 8, 30), date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024.03.05", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
    ],
)
def test_dates_as_excel_dates_or_text(raw, value):
    assert one_cell("born", raw).values()[0]["born"] == value


@pytest.mark.parametrize("raw", ["2024-02-30", "05/03/2024", "昨天", 45356])
def test_bad_dates_are_refused(raw):
    assert errors_of(one_cell("born", raw)) == [
        (2, "born", "出生日期", "Not a date: use YYYY-MM-DD, for example 2024-03-05.")
    ]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("是", True), ("否", False), ("Yes", True), ("no", False), ("Y", True), ("n", False),
     (1, True), (0, False), ("1", True), (True, True), (False, False)],
)  # fmt: skip
def test_booleans(raw, value):
    assert one_cell("alone", raw).values()[0]["alone"] is value


def test_a_bad_boolean_says_what_to_write():
    with translation.override("zh-hans"):
        assert errors_of(one_cell("alone", "也许")) == [(2, "alone", "独居", "Answer 是 or 否.")]
    with translation.override("en"):
        assert errors_of(one_cell("alone", "maybe"))[0][3] == "Answer Yes or No."


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021",
         "The ID number's check digit is wrong: please check for a typing error."),
        ("1101051949", "An ID number has 18 characters: 17 digits and a digit or X."),
        (110105198001010016, "The ID number was stored as a number and Excel dropped digits: "
                             "format the column as text and type it again."),
    ],
)  # fmt: skip
def test_id_numbers_are_validated_through_pii(raw, message):
    assert errors_of(one_cell("id_number", raw)) == [(2, "id_number", "身份证号", message)]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("138 0013 8000", "13800138000"),
        (13800138000, "13800138000"),
        ("010-62345678", "01062345678"),
    ],
)
def test_phones_are_normalised_through_pii(raw, value):
    assert one_cell("phone", raw).values()[0]["phone"] == value


def test_a_bad_phone_is_refused():
    assert errors_of(one_cell("phone", "12345")) == [
        (2, "phone", "联系电话",
         "Not a mainland phone number: give 11 mobile digits or a landline with its area code.")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("household_size", 0, "Must be at least 1."),
        ("household_size", 21, "Must be at most 20."),
        ("household_size", 2.5, "Not a whole number."),
        ("household_size", "三", "Not a whole number."),
        ("floor_area", "1.234", "At most 2 decimal places."),
        ("floor_area", -1, "Must be at least 0."),
        ("floor_area", "NaN", "Not a number."),
        ("floor_area", "十", "Not a number."),
        ("name", "名" * 21, "At most 20 characters (this has 21)."),
        ("name", "  ", "This column is required."),
    ],
)
def test_numbers_lengths_and_required_cells(key, raw, message):
    result = one_cell(key, raw)
    assert [(e.column_key, e.message) for e in result.errors] == [(key, message)]
    assert result.rows == []
    assert result.rows_with_errors == 1


def test_a_float_cell_becomes_its_shortest_decimal():
    assert one_cell("floor_area", 0.1).values()[0]["floor_area"] == Decimal("0.1")


def test_good_rows_are_kept_and_bad_rows_reported_with_excel_row_numbers():
    rows = [
        row(name="甲", id_number=ID_A),
        row(name="乙", id_number=ID_B, phone="1"),
        [],
        row(name="丙", id_number=ID_A.lower()),
        row(id_number=ID_C, born="x"),
    ]
    result = parse(SPEC, workbook_bytes(rows))
    assert [r.number for r in result.rows] == [2]
    phone_message = (
        "Not a mainland phone number: give 11 mobile digits or a landline with its area code."
    )
    assert errors_of(result) == [
        (3, "phone", "联系电话", phone_message),
        (5, "id_number", "身份证号", "Same “身份证号” as row 2."),
        (6, "name", "姓名", "This column is required."),
        (6, "born", "出生日期", "Not a date: use YYYY-MM-DD, for example 2024-03-05."),
    ]
    assert (result.error_count, result.rows_with_errors, result.ok) == (4, 3, False)
    with translation.override("en"):
        assert str(result.errors[1]) == "Row 5, “身份证号”: Same “身份证号” as row 2."


def test_the_row_validator_reports_cross_field_errors_by_column():
    def one_person_alone(values):
        if values["alone"] and (values["household_size"] or 1) > 1:
            return {"household_size": "Someone living alone has a household of one."}
        return {}

    spec = dataclasses.replace(SPEC, row_validator=one_person_alone)
    rows = [
        row(name="甲", id_number=ID_A, alone="是", household_size=2),
        row(name="乙", id_number=ID_B, alone="是", household_size=1),
    ]
    result = parse(spec, workbook_bytes(rows))
    assert errors_of(result) == [
        (2, "household_size", "家庭人数", "Someone living alone has a household of one.")
    ]
    assert [r.number for r in result.rows] == [3]


def test_optional_columns_may_be_left_out():
    data = workbook_bytes([["甲", ID_A]], header=["姓名", "身份证号"])
    assert parse(SPEC, data).values() == [
        {"name": "甲", "id_number": ID_A, "sex": None, "phone": None, "born": None,
         "alone": None, "household_size": None, "floor_area": None, "skills": [],
         "health": None, "note": None},
    ]  # fmt: skip


def test_row_error_without_a_column_names_the_row():
    with translation.override("en"):
        assert str(RowError(7, "", "", "Broken.")) == "Row 7: Broken."
        assert str(RowError(7, "name", "姓名", "Broken.")) == "Row 7, “姓名”: Broken."


PERSON = {
    "name": "欧阳娜娜", "sex": "female", "id_number": ID_A, "phone": "13800138000",
    "born": date(1949, 12, 31), "alone": True, "household_size": 1,
    "floor_area": Decimal("45.50"), "skills": ["rescue", "medical"], "health": "高血压",
    "note": None,
}  # fmt: skip


def test_export_masks_personal_columns_and_redacts_sensitive_ones():
    with translation.override("zh-hans"):
        data = write_rows(SPEC, [PERSON], unmask=False)
    assert read_back(data) == [
        tuple(HEADERS_ZH),
        ("欧***", "女", "110105********002X", "138****8000", datetime(1949, 12, 31), "是", 1,
         45.5, "救援、医疗", "***", None),
    ]  # fmt: skip
    assert load_workbook(io.BytesIO(data)).worksheets[0].freeze_panes == "A2"


def test_unmasked_export_imports_back_unchanged():
    with translation.override("en"):
        data = write_rows(SPEC, iter([PERSON]), unmask=True)
    assert read_back(data)[1][:4] == ("欧阳娜娜", "Female", ID_A, "13800138000")
    assert parse(SPEC, data).values() == [PERSON]


@pytest.mark.parametrize(
    "text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("x")']
)
def test_export_escapes_text_a_spreadsheet_would_run(text):
    person = PERSON | {"note": text, "id_number": ID_B}
    data = write_rows(SPEC, [person], unmask=True)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    # The stdlib XML parser turns a stored carriage return into a line feed when read; lxml
    # (which openpyxl prefers when installed) keeps it. Either way the text is escaped.
    assert sheet["K2"].value.replace("\r", "\n") == "'" + text.replace("\r", "\n")
    assert sheet["K2"].data_type == "s"
    if text[0] not in "\t\r":  # import strips leading white space anyway
        assert parse(SPEC, data).values()[0]["note"] == text


def test_export_leaves_numbers_phones_and_ordinary_text_alone():
    person = PERSON | {"note": "a=b", "household_size": 2, "phone": "01062345678"}
    data = write_rows(SPEC, [person], unmask=True)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert (sheet["D2"].value, sheet["G2"].value, sheet["K2"].value) == ("01062345678", 2, "a=b")


def test_export_drops_characters_excel_cannot_store():
    data = write_rows(SPEC, [PERSON | {"note": "a\x00b\x07c"}], unmask=True)
    assert read_back(data)[1][10] == "abc"


def test_spec_knows_it_holds_personal_data():
    assert SPEC.has_personal_data is True
    plain = dataclasses.replace(SPEC, columns=SPEC.columns[-1:], key=())
    assert plain.has_personal_data is False
