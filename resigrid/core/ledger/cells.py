"""Cell conversion both ways: what a person typed into Excel → a typed value, and back.

`Converter` is built once per parse (label lookups in every language are computed up front) and
then converts cell values with plain dictionary look-ups, so 100,000 rows stay cheap.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from resigrid.core import pii
from resigrid.core.errors import ValidationFailed
from resigrid.core.ledger.spec import Column, Kind, Label, LedgerSpec

# OWASP CSV/formula injection: a text starting with one of these is run by a spreadsheet.
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]")
_DATE_STRING = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE_WORDS = {"是", "yes", "y", "true", "1", "√", "✓"}
_FALSE_WORDS = {"否", "no", "n", "false", "0", "×", "✗"}
# Django's own catalogue already translates these two ("是" / "否").
_lazy_yes = gettext_lazy("Yes")
_lazy_no = gettext_lazy("No")


class CellError(Exception):
    """A value that cannot be converted; the message is already translated."""


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translations(label: Label) -> set[str]:
    """A lazy label rendered in every configured language."""
    out = set()
    for code in language_codes():
        with translation.override(code):
            out.add(str(label))
    return out


def normalise_label(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def yes_label() -> str:
    return str(_lazy_yes)


def no_label() -> str:
    return str(_lazy_no)


def escape_text(value: str) -> str:
    """Export protection: prefix a text a spreadsheet would run with a single quote."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_DANGEROUS_START):
        return "'" + value
    return value


def unescape_text(value: str) -> str:
    """Undo `escape_text`, so that an exported ledger imports back unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(_DANGEROUS_START):
        return value[1:]
    return value


class Converter:
    def __init__(self, spec: LedgerSpec) -> None:
        self.spec = spec
        self._choice_maps: dict[str, dict[str, str]] = {}
        self._choice_hint: dict[str, str] = {}
        for col in spec.columns:
            if col.choices is None:
                continue
            lookup: dict[str, str] = {}
            for value, label in zip(col.choices.values, col.choices.labels, strict=True):
                lookup[normalise_label(value)] = value
                for text in translations(label):
                    lookup[normalise_label(text)] = value
            self._choice_maps[col.key] = lookup
            self._choice_hint[col.key] = "、".join(str(label) for label in col.choices.labels)
        self._methods = {kind: getattr(self, f"_to_{kind.value}") for kind in Kind}
        self._true = set(_TRUE_WORDS) | {normalise_label(t) for t in translations(_lazy_yes)}
        self._false = set(_FALSE_WORDS) | {normalise_label(t) for t in translations(_lazy_no)}

    def convert(self, col: Column, raw: Any) -> Any:
        """The typed value of one cell, None for an empty cell; raises CellError."""
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "":
                raw = None
        if raw is None:
            if col.required:
                raise CellError(_("This column is required."))
            return [] if col.kind == Kind.CHOICES else None
        return self._methods[col.kind](col, raw)

    def _to_text(self, col: Column, raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # a house number typed as a number
        if isinstance(raw, datetime | date):
            raw = raw.isoformat()
        text = unescape_text(str(raw))
        if col.max_length is not None and len(text) > col.max_length:
            raise CellError(
                _("At most %(max)s characters (this has %(length)s).")
                % {"max": col.max_length, "length": len(text)}
            )
        return text

    def _to_int(self, col: Column, raw: Any) -> int:
        if isinstance(raw, bool):
            raise CellError(_("Not a whole number."))
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw):
            raw = int(raw)
        if not isinstance(raw, int):
            raise CellError(_("Not a whole number."))
        self._check_range(col, raw)
        return raw

    def _to_decimal(self, col: Column, raw: Any) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
            raise CellError(_("Not a number."))
        try:
            # str() of a float is its shortest round-trip form: 0.1 stays 0.1, not 0.1000…055
            value = Decimal(str(raw))
        except InvalidOperation:
            raise CellError(_("Not a number.")) from None
        if not value.is_finite():
            raise CellError(_("Not a number."))
        if col.decimal_places is not None and -value.as_tuple().exponent > col.decimal_places:  # type: ignore[operator]
            raise CellError(
                _("At most %(places)s decimal places.") % {"places": col.decimal_places}
            )
        self._check_range(col, value)
        return value

    def _check_range(self, col: Column, value: int | Decimal) -> None:
        if col.min_value is not None and value < col.min_value:
            raise CellError(_("Must be at least %(min)s.") % {"min": col.min_value})
        if col.max_value is not None and value > col.max_value:
            raise CellError(_("Must be at most %(max)s.") % {"max": col.max_value})

    def _to_date(self, col: Column, raw: Any) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            match = _DATE_STRING.match(raw)
            if match:
                try:
                    return date(*(int(part) for part in match.groups()))
                except ValueError:
                    pass
        raise CellError(_("Not a date: use YYYY-MM-DD, for example 2024-03-05."))

    def _to_bool(self, col: Column, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        word = normalise_label(str(int(raw)) if isinstance(raw, int | float) else str(raw))
        if word in self._true:
            return True
        if word in self._false:
            return False
        raise CellError(_("Answer %(yes)s or %(no)s.") % {"yes": yes_label(), "no": no_label()})

    def _choice(self, col: Column, text: str) -> str:
        value = self._choice_maps[col.key].get(normalise_label(text))
        if value is None:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": self._choice_hint[col.key]}
            )
        return value

    def _to_choice(self, col: Column, raw: Any) -> str:
        return self._choice(col, str(raw))

    def _to_choices(self, col: Column, raw: Any) -> list[str]:
        out: list[str] = []
        for part in _LIST_SEPARATORS.split(str(raw)):
            if part.strip():
                value = self._choice(col, part)
                if value not in out:
                    out.append(value)
        return out

    def _to_id_number(self, col: Column, raw: Any) -> str:
        if isinstance(raw, int | float):
            raise CellError(
                _(
                    "The ID number was stored as a number and Excel dropped digits: "
                    "format the column as text and type it again."
                )
            )
        try:
            return pii.normalise_id_number(str(raw), field=col.key)
        except ValidationFailed as failure:
            raise CellError(str(failure.message)) from None

    def _to_phone(self, col: Column, raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        try:
            return pii.normalise_phone(str(raw), field=col.key)
        except ValidationFailed as failure:
            raise CellError(str(failure.message)) from None


def render(col: Column, value: Any, *, unmask: bool) -> Any:
    """The cell value written for a typed value (export and the template's example row)."""
    if value is None or value == []:
        return None
    if col.sensitive and not unmask:
        return "***"
    if col.kind == Kind.BOOL:
        return yes_label() if value else no_label()
    if col.kind == Kind.CHOICE and col.choices is not None:
        return escape_text(str(_label_of(col, value)))
    if col.kind == Kind.CHOICES and col.choices is not None:
        values = [value] if isinstance(value, str) else value  # one choice given alone
        return escape_text("、".join(str(_label_of(col, v)) for v in values))
    if isinstance(value, datetime | date | int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if col.personal and not unmask:
        text = col.mask(text)
    return escape_text(text)


def _label_of(col: Column, value: Any) -> Label:
    if col.choices is None:
        return str(value)
    try:
        return col.choices(value).label
    except ValueError:
        return str(value)
