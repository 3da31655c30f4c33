"""Ledger pages of residents and volunteers, kept per grid (generic pages: areas.ledger_pages)."""

from __future__ import annotations

from resigrid.accounts.roles import Perm
from resigrid.areas.ledger_pages import Ledger, LedgerPages
from resigrid.people import ledgers

pages = LedgerPages(
    "people",
    Perm.VIEW_PEOPLE,
    {
        "persons": Ledger(ledgers.PERSONS, ledgers.import_persons, ledgers.export_persons),
        "volunteers": Ledger(
            ledgers.VOLUNTEERS, ledgers.import_volunteers, ledgers.export_volunteers
        ),
    },
    template_name="people/ledger_import.html",
    area_field="grid",
    grids_only=True,
)
template = pages.template
export = pages.export
import_page = pages.import_page
