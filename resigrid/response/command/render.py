"""The situation report as a PDF (reportlab, the built-in CJK font) and as an Excel workbook
(openpyxl, one sheet per section)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from resigrid.response.command.sitrep import Sitrep

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf(report: Sitrep) -> bytes:
    font = _font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    head_style = ParagraphStyle("h", fontName=font, fontSize=12, leading=16, spaceBefore=8)
    body_style = ParagraphStyle("b", fontName=font, fontSize=9, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report.title,
        author="Resigrid",
    )
    story: list[Any] = [Paragraph(_escape(report.title), title_style)]
    for section in report.sections:
        story.append(Paragraph(_escape(section.title), head_style))
        data = [[Paragraph(_escape(c), body_style) for c in section.columns]]
        data += [[Paragraph(_escape(_cell(v)), body_style) for v in row] for row in section.rows]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
        if section.note:
            story.append(Spacer(1, 2 * mm))
            story.append(Paragraph(_escape(section.note), body_style))
    doc.build(story)
    return out.getvalue()


def _xl(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would take for a formula is escaped."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx(report: Sitrep) -> bytes:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for section in report.sections:
        ws = wb.create_sheet()
        ws.title = section.title[:31]
        ws.append(list(section.columns))
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in section.rows:
            ws.append([_xl(v) for v in row])
        if section.note:
            ws.append([])
            ws.append([section.note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
