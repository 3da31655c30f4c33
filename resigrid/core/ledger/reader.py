"""Import: read an .xlsx ledger into typed rows and per-row errors, in flat memory.

The workbook is opened with openpyxl in read-only mode (it streams the sheet XML; defusedxml
guards every parse). Before openpyxl sees the file the archive is checked against zip bombs, and
merged cells are found by scanning the sheet's XML bytes, because read-only worksheets do not
expose `merged_cells` and loading the whole workbook would cost memory proportional to its size.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from resigrid.core.errors import ValidationFailed
from resigrid.core.ledger.cells import (
    CellError,
    Converter,
    normalise_label,
    render,
    translations,
)
from resigrid.core.ledger.preview import LedgerUpload, spec_fingerprint
from resigrid.core.ledger.spec import (
    Column,
    Kind,
    Label,
    LedgerSpec,
    ParsedRow,
    ParseResult,
    RowError,
)

MAX_ROWS = 200_000
MAX_ERRORS = 1_000
# A real 200,000-row ledger unpacks to a few hundred MB at most. Worksheets are streamed, but
# every other part (shared strings, styles…) is held in memory whole, so it gets a tighter bound.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_PART_BYTES = 128 * 1024 * 1024
MAX_MEMBERS = 10_000
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+\d+:[A-Za-z]+\d+)\"")
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 256
_SHOWN_RANGES = 5


def _file_error(*messages: str) -> ValidationFailed:
    return ValidationFailed(" ".join(messages), field="file", errors={"file": list(messages)})


def _not_xlsx() -> ValidationFailed:
    return _file_error(
        _(
            "The file is not an Excel workbook (.xlsx). Save it in Excel as "
            "“Excel Workbook (*.xlsx)” without a password and upload it again."
        )
    )


def _quoted(names: Sequence[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _open_archive(source: IO[bytes]) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx() from None
    members = archive.infolist()
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _not_xlsx()
    # Declared sizes bound what zipfile will inflate, so checking them stops a zip bomb before
    # any byte is decompressed.
    total = sum(info.file_size for info in members)
    largest_part = max(
        (i.file_size for i in members if not i.filename.startswith("xl/worksheets/")), default=0
    )
    if len(members) > MAX_MEMBERS or total > MAX_UNPACKED_BYTES or largest_part > MAX_PART_BYTES:
        limit = MAX_PART_BYTES if largest_part > MAX_PART_BYTES else MAX_UNPACKED_BYTES
        raise _file_error(
            _(
                "The workbook is too large once unpacked (limit %(limit)s MB): "
                "split it into smaller files."
            )
            % {"limit": limit // (1024 * 1024)}
        )
    return archive


def _merged_ranges(archive: zipfile.ZipFile, member: str) -> list[str]:
    """Every `<mergeCell ref=…>` of one sheet, read in chunks (the sheet is never held whole)."""
    found: list[str] = []
    seen: set[bytes] = set()
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            window = tail + chunk
            for match in _MERGE_REF.finditer(window):
                ref = match.group(1)
                if ref not in seen:
                    seen.add(ref)
                    found.append(ref.decode().upper())
            tail = window[-_SCAN_OVERLAP:]
    return found


def _pick_sheet(workbook: Any, spec: LedgerSpec) -> ReadOnlyWorksheet:
    """The sheet titled like the spec in any language, else the first sheet."""
    wanted = {normalise_label(t) for t in translations(spec.sheet_title)}
    for sheet in workbook.worksheets:
        if normalise_label(sheet.title) in wanted:
            return sheet  # type: ignore[no-any-return]
    return workbook.worksheets[0]  # type: ignore[no-any-return]


def _match_headers(spec: LedgerSpec, header_row: Sequence[Any]) -> list[tuple[int, Column, str]]:
    """(0-based position, column, header as written) for each recognised header."""
    accepted: dict[str, Column] = {}
    for col in spec.columns:
        for text in translations(col.header):
            accepted[normalise_label(text)] = col
    cells = list(header_row)
    while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
        cells.pop()
    if not cells:
        raise _file_error(_("The first row must hold the column headers of the template."))
    problems: list[str] = []
    found: list[tuple[int, Column, str]] = []
    positions: dict[str, list[int]] = {}
    unknown: list[str] = []
    for index, value in enumerate(cells):
        text = "" if value is None else str(value).strip()
        if not text:
            problems.append(
                _("Column %(letter)s has no header.") % {"letter": get_column_letter(index + 1)}
            )
            continue
        match = accepted.get(normalise_label(text.rstrip("*＊ ")))
        if match is None:
            unknown.append(text)
            continue
        positions.setdefault(match.key, []).append(index)
        found.append((index, match, text))
    if unknown:
        problems.append(
            _("Unknown columns: %(headers)s. Use the headers of the template.")
            % {"headers": _quoted(unknown)}
        )
    for key, where in positions.items():
        if len(where) > 1:
            problems.append(
                _("The column “%(header)s” appears more than once (columns %(letters)s).")
                % {
                    "header": str(spec.column(key).header),
                    "letters": "、".join(get_column_letter(i + 1) for i in where),
                }
            )
    missing = [str(c.header) for c in spec.columns if c.required and c.key not in positions]
    if missing:
        problems.append(_("Missing columns: %(headers)s.") % {"headers": _quoted(missing)})
    if problems:
        raise _file_error(*problems)
    return found


class _Collector:
    def __init__(self, result: ParseResult, max_errors: int) -> None:
        self.result = result
        self.max_errors = max_errors

    def add(self, row: int, key: str, header: str, message: str) -> None:
        self.result.error_count += 1
        if len(self.result.errors) < self.max_errors:
            self.result.errors.append(RowError(row, key, header, message))


def _messages(value: Label | Sequence[Label]) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [str(value)]
    return [str(v) for v in value]


def parse(
    spec: LedgerSpec,
    file: bytes | IO[bytes],
    *,
    max_rows: int = MAX_ROWS,
    max_errors: int = MAX_ERRORS,
) -> ParseResult:
    """Typed rows and row errors of a ledger file; raises ValidationFailed (field "file") when
    the file as a whole is refused (not an xlsx, headers, merged cells, too many rows).

    A `LedgerUpload` is parsed once per spec: its remembered result is returned when it has one
    (see resigrid.core.ledger.preview), and a fresh result is remembered."""
    if isinstance(file, LedgerUpload):
        fingerprint = spec_fingerprint(spec, max_rows, max_errors)
        remembered = file.recall(fingerprint)
        if remembered is not None:
            return remembered
        result = _parse(spec, io.BytesIO(file.data), max_rows=max_rows, max_errors=max_errors)
        file.remember(fingerprint, result)
        return result
    return _parse(spec, file, max_rows=max_rows, max_errors=max_errors)


def _parse(
    spec: LedgerSpec, file: bytes | IO[bytes], *, max_rows: int, max_errors: int
) -> ParseResult:
    source: IO[bytes] = io.BytesIO(file) if isinstance(file, bytes | bytearray) else file
    archive = _open_archive(source)
    try:
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=False)
    except ValidationFailed:
        raise
    except Exception:  # openpyxl raises many kinds (KeyError, ParseError, EntitiesForbidden…)
        raise _not_xlsx() from None
    try:
        sheet = _pick_sheet(workbook, spec)
        sheet_path = getattr(sheet, "_worksheet_path", None)
        if isinstance(sheet_path, str):
            merged = _merged_ranges(archive, sheet_path)
            if merged:
                shown = "、".join(merged[:_SHOWN_RANGES])
                if len(merged) > _SHOWN_RANGES:
                    shown += " …"
                raise _file_error(
                    _(
                        "Merged cells are not allowed (%(ranges)s): "
                        "unmerge them and fill every cell."
                    )
                    % {"ranges": shown}
                )
        # A wrong <dimension> would cut rows off; forget it and read to the real end.
        sheet.reset_dimensions()
        # types-openpyxl types iter_rows for the ordinary worksheet only.
        header_row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())  # type: ignore[misc]
        columns = _match_headers(spec, header_row)
        return _read_rows(spec, sheet, columns, max_rows=max_rows, max_errors=max_errors)
    except ValidationFailed:
        raise
    except Exception:
        raise _not_xlsx() from None
    finally:
        workbook.close()
        archive.close()


def _read_rows(
    spec: LedgerSpec,
    sheet: ReadOnlyWorksheet,
    columns: list[tuple[int, Column, str]],
    *,
    max_rows: int,
    max_errors: int,
) -> ParseResult:
    converter = Converter(spec)
    result = ParseResult()
    errors = _Collector(result, max_errors)
    width = max(index for index, _col, _header in columns) + 1
    absent = [c for c in spec.columns if c.key not in {col.key for _i, col, _h in columns}]
    headers = {col.key: header for _i, col, header in columns}
    for col in absent:
        headers[col.key] = str(col.header)
    example = _template_example(spec, converter)
    seen_keys: dict[tuple[Any, ...], int] = {}
    counted = 0
    rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(min_row=2, max_col=width)  # type: ignore[misc]
    for offset, cells in enumerate(rows):
        row_number = offset + 2
        if all(
            c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells
        ):
            continue  # blank rows are skipped
        counted += 1
        if counted > max_rows:
            raise _file_error(
                _("The file has more than %(max)s data rows: split it into smaller files.")
                % {"max": max_rows}
            )
        values: dict[str, Any] = {}
        bad = 0
        for index, col, header in columns:
            cell = cells[index]
            if cell.data_type == "f":
                errors.add(
                    row_number,
                    col.key,
                    header,
                    _("%(cell)s contains a formula; paste values only.")
                    % {"cell": f"{get_column_letter(index + 1)}{row_number}"},
                )
                bad += 1
                continue
            try:
                values[col.key] = converter.convert(col, cell.value)
            except CellError as problem:
                errors.add(row_number, col.key, header, str(problem))
                bad += 1
        for col in absent:
            values[col.key] = [] if col.kind == Kind.CHOICES else None
        if not bad and row_number == 2 and example is not None and values == example:
            result.example_row_skipped = True  # the template's example, left in place
            continue
        bad += _check_key(spec, values, row_number, headers, seen_keys, errors)
        if not bad and spec.row_validator is not None:
            for key, found in spec.row_validator(values).items():
                for message in _messages(found):
                    errors.add(row_number, key, headers.get(key, ""), message)
                    bad += 1
        if bad:
            result.rows_with_errors += 1
        else:
            result.rows.append(ParsedRow(row_number, values))
    return result


def _template_example(spec: LedgerSpec, converter: Converter) -> dict[str, Any] | None:
    """The typed values of the example row as the template writes it and a parse reads it back
    (so "1.5" given for a number or one value given for a list still matches); None when the
    example itself would not pass, so that such a row is reported like any other."""
    values: dict[str, Any] = {}
    for col in spec.columns:
        try:
            values[col.key] = converter.convert(col, render(col, col.example, unmask=True))
        except CellError:
            return None
    return values


def _check_key(
    spec: LedgerSpec,
    values: Mapping[str, Any],
    row_number: int,
    headers: Mapping[str, str],
    seen: dict[tuple[Any, ...], int],
    errors: _Collector,
) -> int:
    if not spec.key or any(values.get(k) in (None, "", []) for k in spec.key):
        return 0
    key = tuple(tuple(values[k]) if isinstance(values[k], list) else values[k] for k in spec.key)
    first = seen.setdefault(key, row_number)
    if first == row_number:
        return 0
    errors.add(
        row_number,
        spec.key[0],
        headers[spec.key[0]],
        _("Same %(columns)s as row %(row)s.")
        % {"columns": _quoted([headers[k] for k in spec.key]), "row": first},
    )
    return 1
