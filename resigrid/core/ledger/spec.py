"""Declarative description of an Excel ledger (台账): its columns, key and cross-field rule.

A registry describes its ledger once with a `LedgerSpec`; the template, the importer and the
exporter all read the same spec, so a header, a choice list or a rule cannot drift between them.
Pure data: no database access, no app above core.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from resigrid.core import pii

Label = str | Promise


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"
    CHOICES = "choices"  # several choices in one cell, separated by 、 , ， ; ；
    ID_NUMBER = "id_number"
    PHONE = "phone"


@dataclass(frozen=True, slots=True)
class Column:
    """One ledger column. `header` is lazy: templates use the active language, the parser
    accepts the header in any of settings.LANGUAGES."""

    key: str
    header: Label
    kind: Kind = Kind.TEXT
    required: bool = False
    max_length: int | None = None
    choices: type[TextChoices] | None = None
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    decimal_places: int | None = None
    example: Any = None
    help_text: Label = ""
    # Personal data (name, ID, phone, address): masked on export unless the caller may unmask.
    personal: bool = False
    # Sensitive data (health, vulnerability): redacted entirely on export unless unmasked.
    sensitive: bool = False
    # How a personal value is masked; by default chosen from the kind (ID, phone, name).
    masker: Callable[[str], str] | None = None

    def __post_init__(self) -> None:
        if self.kind in (Kind.CHOICE, Kind.CHOICES) and self.choices is None:
            raise ValueError(f"column {self.key!r}: a {self.kind} column needs `choices`")

    def mask(self, value: str) -> str:
        if self.masker is not None:
            return self.masker(value)
        if self.kind == Kind.ID_NUMBER:
            return pii.mask_id_number(value)
        if self.kind == Kind.PHONE:
            return pii.mask_phone(value)
        return pii.mask_name(value)


# A row rule across columns: the typed row in, {column key: message(s)} out (empty when valid).
# Use the key "" for a message that belongs to the row rather than one column.
RowValidator = Callable[[Mapping[str, Any]], Mapping[str, Label | Sequence[Label]]]


@dataclass(frozen=True, slots=True)
class LedgerSpec:
    name: str
    sheet_title: Label
    columns: tuple[Column, ...]
    # Columns whose values together must be unique within one file (e.g. the ID number).
    key: tuple[str, ...] = ()
    row_validator: RowValidator | None = None

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"ledger {self.name!r}: duplicate column keys")
        unknown = set(self.key) - set(keys)
        if unknown:
            raise ValueError(f"ledger {self.name!r}: key names unknown columns {sorted(unknown)}")

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def has_personal_data(self) -> bool:
        """True when an export of this ledger must be permission-gated and logged."""
        return any(c.personal or c.sensitive for c in self.columns)

    def example_row(self) -> dict[str, Any]:
        return {c.key: c.example for c in self.columns}


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in one row; `row_number` is the row as Excel shows it, `column_key` is empty
    for a problem with the whole row."""

    row_number: int
    column_key: str
    header: str
    message: str

    def __str__(self) -> str:
        if self.header:
            return _("Row %(row)s, “%(header)s”: %(message)s") % {
                "row": self.row_number,
                "header": self.header,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row_number, "message": self.message}


@dataclass(frozen=True, slots=True)
class ParsedRow:
    number: int
    values: dict[str, Any]


@dataclass(slots=True)
class ParseResult:
    """Good rows are kept even when others fail (the batch rule); an apply must refuse when
    `error_count` is not zero. Only the first `errors` are kept (see `max_errors` of `parse`)."""

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_with_errors: int = 0
    example_row_skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> int:
        """How many errors were counted but not kept."""
        return self.error_count - len(self.errors)

    def values(self) -> list[dict[str, Any]]:
        return [row.values for row in self.rows]
