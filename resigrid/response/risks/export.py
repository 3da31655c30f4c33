"""The risk register as an Excel workbook (风险清单台账), texts escaped against formulas."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from resigrid.core.ledger.cells import escape_text
from resigrid.registers.choices import HazardClass
from resigrid.response.risks.models import BandChoice, Method, RiskPoint, RiskStatus

FILLS = {"low": "9EC5FE", "general": "FFE69C", "large": "FECBA1", "major": "F1AEB5"}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return escape_text(value)
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    return escape_text(str(value))


def _num(value: Any) -> Any:
    return None if value is None else float(value)


def workbook(rows: Iterable[RiskPoint], today: dt.date) -> bytes:
    book = Workbook()
    for extra in list(book.worksheets):
        book.remove(extra)
    sheet = book.create_sheet(_("Risk register")[:31])
    header = [
        _("No."),
        _("Name"),
        _("Area"),
        _("Location"),
        _("Hazard class"),
        _("Subtype"),
        _("Method"),
        _("Factors"),
        _("Risk value (R or D)"),
        _("Inherent level"),
        _("Residual risk value"),
        _("Residual level"),
        _("Level"),
        _("Controls"),
        _("Responsible"),
        _("Status"),
        _("Last reviewed on"),
        _("Next review due"),
        _("Days overdue"),
        _("Escalation case"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, risk in enumerate(rows, start=1):
        if risk.method == Method.MATRIX:
            factors = f"L={risk.likelihood} S={risk.severity}"
        else:
            factors = f"L={risk.lec_l:f} E={risk.lec_e:f} C={risk.lec_c:f}"
        controls = "；".join(c.measure for c in risk.controls.all())
        responsible = " / ".join(
            x for x in (risk.responsible_unit.name if risk.responsible_unit else "",
                        risk.responsible_person) if x
        )  # fmt: skip
        overdue = max(0, (today - risk.next_review_due).days) if risk.is_active else 0
        sheet.append(
            [
                _cell(v)
                for v in (
                    n,
                    risk.name,
                    risk.area.name,
                    risk.location,
                    str(HazardClass(risk.hazard_class).label),
                    risk.subtype,
                    str(Method(risk.method).label),
                    factors,
                    _num(risk.score),
                    str(BandChoice(risk.inherent_band).label),
                    _num(risk.residual_score),
                    str(BandChoice(risk.residual_band).label) if risk.residual_band else "",
                    str(BandChoice(risk.band).label),
                    controls,
                    responsible,
                    str(RiskStatus(risk.status).label),
                    risk.last_reviewed_on,
                    risk.next_review_due,
                    overdue,
                    risk.escalated_case_id,
                )
            ]
        )
        sheet.cell(row=n + 1, column=13).fill = PatternFill(
            "solid", start_color=FILLS[risk.band], end_color=FILLS[risk.band]
        )
    for column, width in zip("ABCDEFGHIJKLMNOPQRST", (5, 24, 14, 20, 10, 12, 12, 18), strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
