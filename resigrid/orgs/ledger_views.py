"""Ledger pages of party organisations and units (generic pages: areas.ledger_pages)."""

from __future__ import annotations

from resigrid.accounts.roles import Perm
from resigrid.areas.ledger_pages import Ledger, LedgerPages
from resigrid.orgs import ledgers

pages = LedgerPages(
    "orgs",
    Perm.VIEW_ORGS,
    {
        "units": Ledger(ledgers.UNITS, ledgers.import_units, ledgers.export_units),
        "commitments": Ledger(
            ledgers.COMMITMENTS, ledgers.import_commitments, ledgers.export_commitments
        ),
    },
    template_name="orgs/ledger_import.html",
)
template = pages.template
export = pages.export
import_page = pages.import_page
