"""The metrics table as the page shows it and as the Excel export writes it: one list of columns
for both, so the two cannot drift; and the data of the charts."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from resigrid.cases.metrics import rules
from resigrid.cases.metrics.queries import Row
from resigrid.core.ledger.cells import escape_text

COUNT, RATE, HOURS = "count", "rate", "hours"


@dataclass(frozen=True)
class MetricColumn:
    key: str
    header: str | Promise
    kind: str  # COUNT, RATE or HOURS
    help: str | Promise = ""


COLUMNS: tuple[MetricColumn, ...] = (
    MetricColumn("reported", pgettext_lazy("metric", "Reported"), COUNT,
                 gettext_lazy("Cases reported in the period.")),
    MetricColumn("accepted", pgettext_lazy("metric", "Accepted"), COUNT,
                 gettext_lazy("Cases accepted (受理数).")),
    MetricColumn("registered", pgettext_lazy("metric", "Registered"), COUNT,
                 gettext_lazy("Cases registered (立案数).")),
    MetricColumn("due", pgettext_lazy("metric", "Due"), COUNT,
                 gettext_lazy("Registered cases closed or past their handling deadline "
                              "(应结案数).")),
    MetricColumn("closed", pgettext_lazy("metric", "Closed"), COUNT,
                 gettext_lazy("Registered cases closed (结案数).")),
    MetricColumn("close_rate", gettext_lazy("Close rate"), RATE,
                 gettext_lazy("Closed ÷ due (结案率).")),
    MetricColumn("suspended", pgettext_lazy("metric", "Suspended"), COUNT,
                 gettext_lazy("Due cases whose clock was stopped (缓办数).")),
    MetricColumn("on_time", gettext_lazy("Closed on time"), COUNT,
                 gettext_lazy("Closed, result before the deadline, never suspended "
                              "(按期结案数).")),
    MetricColumn("on_time_rate", gettext_lazy("On-time rate"), RATE,
                 gettext_lazy("Closed on time ÷ (due − suspended) (按期结案率).")),
    MetricColumn("urgent_on_time_rate", gettext_lazy("Urgent on-time rate"), RATE,
                 gettext_lazy("The on-time rate of urgent cases (紧急问题按期结案率).")),
    MetricColumn("rework_rate", gettext_lazy("Rework rate"), RATE,
                 gettext_lazy("Handled cases that failed verification at least once ÷ "
                              "handled cases (返工率).")),
    MetricColumn("serious_rework", gettext_lazy("Reworked 3+ times"), COUNT,
                 gettext_lazy("Handled cases that failed verification three times or more.")),
    MetricColumn("overdue", gettext_lazy("Overdue now"), COUNT,
                 gettext_lazy("Open cases past the deadline of their current stage.")),
    MetricColumn("hours_accept", gettext_lazy("Hours to accept"), HOURS,
                 gettext_lazy("Average hours from report to acceptance.")),
    MetricColumn("hours_dispatch", gettext_lazy("Hours to dispatch"), HOURS,
                 gettext_lazy("Average hours from acceptance to dispatch.")),
    MetricColumn("hours_handle", gettext_lazy("Hours to handle"), HOURS,
                 gettext_lazy("Average hours from dispatch to the reported result.")),
    MetricColumn("hours_close", gettext_lazy("Hours to verify and close"), HOURS,
                 gettext_lazy("Average hours from the result to closing.")),
    MetricColumn("hours_total", gettext_lazy("Hours in total"), HOURS,
                 gettext_lazy("Average hours from report to closing.")),
    MetricColumn("rated", gettext_lazy("Follow-ups"), COUNT,
                 gettext_lazy("Cases the reporter rated (有效回访).")),
    MetricColumn("response_rate", gettext_lazy("Response rate"), RATE,
                 gettext_lazy("Rated cases accepted within the response time ÷ rated cases "
                              "(响应率).")),
    MetricColumn("resolution_rate", gettext_lazy("Resolution rate"), RATE,
                 gettext_lazy("(Resolved + weight × partly resolved) ÷ follow-ups that asked "
                              "whether the problem was solved (解决率).")),
    MetricColumn("satisfaction_rate", gettext_lazy("Satisfaction rate"), RATE,
                 gettext_lazy("(Satisfied + weight × basically satisfied) ÷ rated cases "
                              "(满意率).")),
    MetricColumn("composite", gettext_lazy("Three-rate score"), RATE,
                 gettext_lazy("Weighted mean of the response, resolution and satisfaction "
                              "rates (三率综合).")),
)  # fmt: skip


def values_of(metrics: rules.Metrics) -> dict[str, float | int | None]:
    """The value of every column for one row (rates as fractions, hours as hours)."""
    out: dict[str, float | int | None] = {}
    for col in COLUMNS:
        if col.kind == COUNT:
            out[col.key] = getattr(metrics.counts, col.key)
        elif col.kind == RATE:
            out[col.key] = getattr(metrics, col.key)
        else:
            out[col.key] = metrics.hours[col.key.removeprefix("hours_")]
    return out


def display(col: MetricColumn, value: float | int | None) -> str:
    if col.kind == COUNT:
        return str(value)
    if col.kind == RATE:
        return rules.percent(value)
    return rules.hours_text(value)


@dataclass(frozen=True)
class TableRow:
    key: str
    label: str
    values: dict[str, float | int | None]
    cells: list[str]  # display texts, in COLUMNS order


@dataclass(frozen=True)
class Table:
    rows: list[TableRow]
    total: TableRow


def _table_row(key: str, label: str, counts: rules.Counts, weights: rules.Weights) -> TableRow:
    values = values_of(rules.compute(counts, weights))
    return TableRow(key, label, values, [display(c, values[c.key]) for c in COLUMNS])


def build_table(rows: list[Row], weights: rules.Weights) -> Table:
    body = [_table_row(r.key, r.label, r.counts, weights) for r in rows]
    all_counts = rules.total(r.counts for r in rows)
    return Table(body, _table_row("", _("Total"), all_counts, weights))


def chart_data(table: Table) -> dict[str, Any]:
    """Series for the two charts: counts (bars) and rates in percent (lines)."""

    def pct(value: float | int | None) -> float | None:
        return None if value is None else round(float(value) * 100, 1)

    labels = [r.label for r in table.rows]
    count_keys = ("reported", "due", "closed", "overdue")
    rate_keys = ("close_rate", "on_time_rate", "rework_rate", "satisfaction_rate")
    headers = {c.key: str(c.header) for c in COLUMNS}
    return {
        "labels": labels,
        "counts": [
            {"name": headers[k], "data": [r.values[k] for r in table.rows]} for k in count_keys
        ],
        "rates": [
            {"name": headers[k], "data": [pct(r.values[k]) for r in table.rows]} for k in rate_keys
        ],
    }


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FONT = Font(bold=True)


def _excel_value(col: MetricColumn, value: float | int | None) -> float | int | str:
    if value is None:
        return "—"
    if col.kind == RATE:
        return round(float(value), 6)
    if col.kind == HOURS:
        return round(float(value), 2)
    return value


def workbook_bytes(
    table: Table,
    *,
    group_header: str,
    about: list[tuple[str, str]],
) -> bytes:
    """An .xlsx with the table (sheet 1) and what it shows (sheet 2). Texts from the database
    (area, unit, category names) are formula-escaped; rates are numbers formatted as percent."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Case metrics")[:31])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 24
    for index in range(3, len(COLUMNS) + 3):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.freeze_panes = "C2"

    def head(text: str) -> Cell:
        cell = WriteOnlyCell(sheet, value=escape_text(text))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    sheet.append([head(_("Code")), head(group_header)] + [head(str(c.header)) for c in COLUMNS])

    def line(row: TableRow, bold: bool) -> list[Cell]:
        cells = [
            WriteOnlyCell(sheet, value=escape_text(row.key)),
            WriteOnlyCell(sheet, value=escape_text(row.label)),
        ]
        for col in COLUMNS:
            cell = WriteOnlyCell(sheet, value=_excel_value(col, row.values[col.key]))
            if col.kind == RATE and row.values[col.key] is not None:
                cell.number_format = "0.0%"
            elif col.kind == HOURS and row.values[col.key] is not None:
                cell.number_format = "0.0"
            cells.append(cell)
        if bold:
            for cell in cells:
                cell.font = _TOTAL_FONT
        return cells

    for row in table.rows:
        sheet.append(line(row, False))
    sheet.append(line(table.total, True))

    info = workbook.create_sheet(_("About")[:31])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 90
    for name, text in about:
        info.append([escape_text(name), escape_text(text)])
    info.append([])
    for col in COLUMNS:
        info.append([escape_text(str(col.header)), escape_text(str(col.help))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(by: str, start: dt.date, end: dt.date, area_code: str | None) -> str:
    scope = f"-{area_code}" if area_code else ""
    return f"case-metrics-{by}{scope}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
