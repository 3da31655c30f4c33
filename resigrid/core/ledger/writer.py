"""Templates and exports of a ledger, in the active language.

Exports stream through openpyxl's write-only mode (rows go to a temporary file as they come), so
100,000 rows need no more memory than ten. Personal columns are masked unless the caller may
unmask; every text a spreadsheet would run as a formula is escaped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from resigrid.core.ledger.cells import no_label, render, yes_label
from resigrid.core.ledger.reader import MAX_ROWS
from resigrid.core.ledger.spec import Column, Kind, LedgerSpec

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_EXAMPLE_FONT = Font(italic=True, color="808080")
_TEXT_KINDS = (Kind.TEXT, Kind.ID_NUMBER, Kind.PHONE, Kind.CHOICE, Kind.CHOICES)
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_LAST_ROW = 1_048_576
_LISTS_SHEET = "lists"


def sheet_title(spec: LedgerSpec) -> str:
    return _BAD_TITLE.sub(" ", str(spec.sheet_title))[:31] or spec.name[:31]


def _width(col: Column, sample: Any) -> float:
    # CJK characters take two columns of width.
    def span(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    longest = max(span(str(col.header)), span("" if sample is None else str(sample)), 8)
    return float(min(longest + 2, 50))


def _allowed_labels(col: Column) -> list[str]:
    if col.kind == Kind.BOOL:
        return [yes_label(), no_label()]
    if col.choices is not None:
        return [str(label) for label in col.choices.labels]
    return []


def build_template(spec: LedgerSpec) -> bytes:
    """An empty ledger: headers, one example row, dropdowns, and an instructions sheet."""
    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new workbook always has one ordinary sheet
        raise TypeError("openpyxl returned no active worksheet")
    sheet.title = sheet_title(spec)
    example = [render(col, col.example, unmask=True) for col in spec.columns]
    for index, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=str(col.header))
        head.font = _HEADER_FONT
        head.fill = _HEADER_FILL
        sample = sheet.cell(row=2, column=index, value=example[index - 1])
        sample.font = _EXAMPLE_FONT
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(col, example[index - 1])
        if col.kind in _TEXT_KINDS:
            # Typed digits stay text: an 18-digit ID number as a number loses its last digits.
            dimension.number_format = "@"
            sample.number_format = "@"
        elif col.kind == Kind.DATE:
            dimension.number_format = "yyyy-mm-dd"
            sample.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    _add_dropdowns(workbook, sheet, spec)
    _add_instructions(workbook, spec)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _add_dropdowns(workbook: Workbook, sheet: Worksheet, spec: LedgerSpec) -> None:
    # Lists live on a hidden sheet: an inline list breaks on commas and stops at 255 characters.
    lists: Worksheet | None = None
    list_column = 0
    for index, col in enumerate(spec.columns, start=1):
        labels = _allowed_labels(col)
        if not labels or col.kind == Kind.CHOICES:
            continue  # a multi-choice cell cannot be a dropdown
        if lists is None:
            lists = workbook.create_sheet(_LISTS_SHEET)
            lists.sheet_state = "hidden"
        list_column += 1
        list_letter = get_column_letter(list_column)
        for row, label in enumerate(labels, start=1):
            lists.cell(row=row, column=list_column, value=label)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(_LISTS_SHEET)}!${list_letter}$1:${list_letter}${len(labels)}",
            allow_blank=not col.required,
            showErrorMessage=True,
            errorTitle=str(col.header),
            error=_("Choose a value from the list."),
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{_LAST_ROW}")
        sheet.add_data_validation(validation)


def _format_text(col: Column) -> str:
    # Whole phrases joined by "; ", so each one is translated on its own.
    if col.kind in (Kind.TEXT, Kind.INT, Kind.DECIMAL):
        parts = [
            {Kind.TEXT: _("Text"), Kind.INT: _("Whole number"), Kind.DECIMAL: _("Number")}[col.kind]
        ]
        if col.max_length is not None:
            parts.append(_("at most %(max)s characters") % {"max": col.max_length})
        if col.decimal_places is not None:
            parts.append(_("at most %(places)s decimal places") % {"places": col.decimal_places})
        if col.min_value is not None:
            parts.append(_("at least %(min)s") % {"min": col.min_value})
        if col.max_value is not None:
            parts.append(_("at most %(max)s") % {"max": col.max_value})
        return "; ".join(parts)
    return {
        Kind.DATE: _("Date: YYYY-MM-DD or YYYY/MM/DD, or an Excel date"),
        Kind.BOOL: _("%(yes)s or %(no)s") % {"yes": yes_label(), "no": no_label()},
        Kind.CHOICE: _("One value from the list"),
        Kind.CHOICES: _("One or more values from the list, separated by 、"),
        Kind.ID_NUMBER: _("Resident ID number, 18 characters, typed as text"),
        Kind.PHONE: _("Mobile number (11 digits) or landline with area code"),
    }[col.kind]


def _add_instructions(workbook: Workbook, spec: LedgerSpec) -> None:
    sheet = workbook.create_sheet(_("Instructions"), 1)
    rules = [
        _("Fill one record per row on the sheet “%(sheet)s”; keep the header row as it is.")
        % {"sheet": sheet_title(spec)},
        _("Row 2 is an example: overwrite it or delete it (left unchanged, it is ignored)."),
        _("Do not merge cells and do not use formulas: paste values only."),
        _("At most %(max)s rows per file.") % {"max": MAX_ROWS},
    ]
    for row, rule in enumerate(rules, start=1):
        sheet.cell(row=row, column=1, value=rule)
    titles = [_("Column"), _("Required"), _("Format"), _("Allowed values"), _("Notes")]
    first = len(rules) + 2
    for index, title in enumerate(titles, start=1):
        sheet.cell(row=first, column=index, value=title).font = _HEADER_FONT
    for offset, col in enumerate(spec.columns, start=1):
        values = [
            str(col.header),
            yes_label() if col.required else no_label(),
            _format_text(col),
            "、".join(_allowed_labels(col)) or None,
            str(col.help_text) or None,
        ]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=first + offset, column=index, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (24, 8, 40, 40, 50), strict=True):
        sheet.column_dimensions[letter].width = width


def write_rows(spec: LedgerSpec, rows: Iterable[Mapping[str, Any]], *, unmask: bool) -> bytes:
    """An export of typed rows (a generator is fine: rows are written as they come).

    Personal columns are masked and sensitive ones redacted unless `unmask`; the caller checks
    the permission and writes the access-log row (see `LedgerSpec.has_personal_data`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(spec))
    for index, col in enumerate(spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(col, col.example)
    sheet.freeze_panes = "A2"
    header = []
    for col in spec.columns:
        cell = WriteOnlyCell(sheet, value=str(col.header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    columns = spec.columns
    for row in rows:
        sheet.append([render(col, row.get(col.key), unmask=unmask) for col in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
