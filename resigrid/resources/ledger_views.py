"""Ledger pages of supplies and facilities (the generic pages live in orgs.ledger_views)."""

from __future__ import annotations

from resigrid.accounts.roles import Perm
from resigrid.orgs.ledger_views import Ledger, LedgerPages
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
)
template = pages.template
export = pages.export
import_page = pages.import_page
