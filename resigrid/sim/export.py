"""Results as an Excel workbook (one sheet per table), texts escaped against formulas."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from resigrid.core.ledger.cells import escape_text


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    return escape_text(str(value))


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])


def _risks(book: Workbook, results: dict[str, Any]) -> None:
    _sheet(
        book,
        _("Risk points"),
        [_("Kind"), _("Name"), _("Score"), _("Why")],
        [[p["kind"], p["name"], p["score"], p["reason"]] for p in results.get("risk_points", [])],
    )


def workbook(results: dict[str, Any]) -> bytes:
    book = Workbook()
    for sheet in list(book.worksheets):
        book.remove(sheet)
    kind = results.get("kind")
    if kind == "epidemic":
        names = ["infections", "deaths", "peak_hospital", "person_days_locked"]
        header = [_("Strategy"), _("Rank")] + [
            f"{n} ({b})" for n in names for b in ("mean", "q05", "q95")
        ]
        _sheet(
            book,
            _("Strategies"),
            header,
            [
                [s["name"], s["rank"]]
                + [s["outcomes"][n][b] for n in names for b in ("mean", "q05", "q95")]
                for s in results["strategies"]
            ],
        )
        _sheet(
            book,
            _("Grids"),
            [_("Grid"), _("Residents")] + [f"{s['name']} %" for s in results["strategies"]],
            [
                [g["name"], g["population"]]
                + [results["per_grid"][s["name"]]["attack_rate"][i] for s in results["strategies"]]
                for i, g in enumerate(results["grids"])
            ],
        )
        _sheet(book, _("Best strategy"), [_("Best strategy")], [[results["best_text"]]])
    elif kind == "evacuation":
        _sheet(
            book,
            _("Shelters"),
            [_("Shelter"), _("Capacity"), _("Load"), _("Use %")],
            [[s["name"], s["capacity"], s["load"], s["utilisation"]] for s in results["shelters"]],
        )
        _sheet(
            book,
            _("Buildings"),
            [
                _("Building"),
                _("Evacuees"),
                _("Needing help"),
                _("Longest walk (m)"),
                _("Time to clear (min)"),
            ],
            [
                [b["name"], b["evacuees"], b["assisted"], b["max_distance_m"], b["clear_time_min"]]
                for b in results["buildings"]
            ],
        )
    elif kind == "supplies":
        rows = [
            [
                p["item"],
                c["grid"],
                c["daily_demand"],
                c["allocated"],
                c["days_of_cover"],
                c["runs_out_day"],
            ]
            for p in results["prepositioned"]
            for c in p["covers"]
        ]
        _sheet(
            book,
            _("Cover"),
            [
                _("Item"),
                _("Grid"),
                _("Daily demand"),
                _("Allocated"),
                _("Days of cover"),
                _("Runs out on day"),
            ],
            rows,
        )
    _risks(book, results)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
