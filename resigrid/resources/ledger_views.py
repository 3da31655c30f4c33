"""Ledger pages of supplies and facilities (generic pages: areas.ledger_pages)."""

from __future__ import annotations

from resigrid.accounts.roles import Perm
from resigrid.areas.ledger_pages import Ledger, LedgerPages
from resigrid.resources import ledgers

pages = LedgerPages(
    "resources",
    Perm.VIEW_RESOURCES,
    {
        "stock": Ledger(ledgers.STOCK, None, ledgers.export_stock),
        "facilities": Ledger(
            ledgers.FACILITIES, ledgers.import_facilities, ledgers.export_facilities
        ),
    },
    template_name="orgs/ledger_import.html",
)
template = pages.template
export = pages.export
import_page = pages.import_page
