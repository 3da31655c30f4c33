"""Excel ledgers (台账): a declarative spec, a template, a validating importer and an exporter.

Registries describe each ledger with a `LedgerSpec`; this package knows nothing about them.
"""

from resigrid.core.ledger.preview import LedgerUpload, keep, restore
from resigrid.core.ledger.reader import MAX_ERRORS, MAX_ROWS, parse
from resigrid.core.ledger.spec import (
    Column,
    Kind,
    LedgerSpec,
    ParsedRow,
    ParseResult,
    RowError,
    RowValidator,
)
from resigrid.core.ledger.writer import build_template, write_rows

__all__ = [
    "MAX_ERRORS",
    "MAX_ROWS",
    "Column",
    "Kind",
    "LedgerSpec",
    "LedgerUpload",
    "ParseResult",
    "ParsedRow",
    "RowError",
    "RowValidator",
    "build_template",
    "keep",
    "parse",
    "restore",
    "write_rows",
]
