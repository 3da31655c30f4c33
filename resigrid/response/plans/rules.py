"""Checks on the values of a plan's parts: pure (no database), each returns the cleaned values
or raises ValidationFailed naming the field."""

from __future__ import annotations

import re
import string
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from resigrid.alerts.choices import Level as AlertLevel
from resigrid.registers.audit import clean_text, fail
from resigrid.registers.choices import Phase, ResponseLevel

MAX_DUE_MINUTES = 30 * 24 * 60  # a task due more than 30 days after activation is a typo
MAX_PER_THOUSAND = Decimal("1000000")
MAX_FACTOR = Decimal("100")
MAX_TRIGGER = Decimal("9999999999")
PLACEHOLDERS = frozenset({"area", "level", "time"})
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


def level_or_all(value: Any, field: str = "level") -> str:
    text = "" if value is None else str(value)
    if text and text not in ResponseLevel.values:
        raise fail(field, _("Unknown response level: %(level)s.") % {"level": text})
    return text


def whole(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
        if isinstance(value, float | Decimal) and number != value:
            raise ValueError
    except (TypeError, ValueError):
        raise fail(field, _("Enter a whole number.")) from None
    if not low <= number <= high:
        raise fail(
            field, _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
    return number


def decimal(value: Any, field: str, *, low: Decimal, high: Decimal, strict_low: bool) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise fail(field, _("Enter a number.")) from None
    if not number.is_finite():
        raise fail(field, _("Enter a number."))
    too_low = number <= low if strict_low else number < low
    if too_low or number > high:
        message = (
            _("Enter a number greater than %(low)s and at most %(high)s.")
            if strict_low
            else _("Enter a number from %(low)s to %(high)s.")
        )
        raise fail(field, message % {"low": low, "high": high})
    if number != number.quantize(Decimal("0.01")):
        raise fail(field, _("At most two decimal places are allowed."))
    return number.quantize(Decimal("0.01"))


def clean_level(v: dict[str, Any]) -> dict[str, Any]:
    level = level_or_all(v.get("level"))
    if not level:
        raise fail("level", _("Choose a response level."))
    alert = v.get("alert_level") or ""
    if alert not in AlertLevel.values and alert != "":
        raise fail("alert_level", _("Unknown warning colour: %(value)s.") % {"value": alert})
    trigger = v.get("trigger_value")
    return {
        "level": level,
        "criteria": clean_text("criteria", v.get("criteria"), 2000, required=True),
        "alert_level": alert,
        "trigger_value": None
        if trigger in (None, "")
        else decimal(trigger, "trigger_value", low=Decimal(0), high=MAX_TRIGGER, strict_low=False),
        "trigger_unit": clean_text("trigger_unit", v.get("trigger_unit"), 30),
    }


def clean_role(v: dict[str, Any]) -> dict[str, Any]:
    code = (v.get("code") or "").strip()
    if not CODE_RE.match(code):
        raise fail(
            "code",
            _(
                "Use 1 to 30 lower-case letters, digits, hyphens or underscores, starting with "
                "a letter or digit."
            ),
        )
    return {
        "level": level_or_all(v.get("level")),
        "code": code,
        "name": clean_text("name", v.get("name"), 60, required=True),
        "duties": clean_text("duties", v.get("duties"), 2000),
        "unit": v.get("unit"),
        "sort": whole(v.get("sort") or 0, "sort", 0, 32767),
    }


def clean_task(v: dict[str, Any]) -> dict[str, Any]:
    phase = v.get("phase") or Phase.RESPOND
    if phase not in Phase.values:
        raise fail("phase", _("Unknown phase: %(phase)s.") % {"phase": phase})
    due = v.get("due_offset_minutes")
    if due in (None, ""):
        raise fail("due_offset_minutes", _("This field is required."))
    return {
        "level": level_or_all(v.get("level")),
        "title": clean_text("title", v.get("title"), 120, required=True),
        "detail": clean_text("detail", v.get("detail"), 4000),
        "phase": phase,
        "duty": v.get("duty"),
        "owner_unit": v.get("owner_unit"),
        "due_offset_minutes": whole(due, "due_offset_minutes", 0, MAX_DUE_MINUTES),
        "sort": whole(v.get("sort") or 0, "sort", 0, 32767),
    }


def clean_factors(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise fail("level_factors", _("Give the factors as level → number."))
    out: dict[str, str] = {}
    for key, factor in value.items():
        level = level_or_all(key, "level_factors")
        if not level:
            raise fail("level_factors", _("Choose a response level."))
        number = decimal(factor, "level_factors", low=Decimal(0), high=MAX_FACTOR, strict_low=False)
        out[level] = str(number.normalize()) if number else "0"
    return dict(sorted(out.items()))


def clean_need(v: dict[str, Any]) -> dict[str, Any]:
    if v.get("item") in (None, ""):
        raise fail("item", _("Choose an item."))
    per = v.get("per_thousand")
    if per in (None, ""):
        raise fail("per_thousand", _("This field is required."))
    return {
        "item": v["item"],
        "per_thousand": decimal(
            per, "per_thousand", low=Decimal(0), high=MAX_PER_THOUSAND, strict_low=True
        ),
        "level_factors": clean_factors(v.get("level_factors")),
        "note": clean_text("note", v.get("note"), 200),
    }


def placeholders(body: str) -> set[str]:
    """The {names} a template uses; ValidationFailed when its braces are malformed."""
    names: set[str] = set()
    try:
        for _text, name, spec, conversion in string.Formatter().parse(body):
            if name is None:
                continue
            if spec or conversion or not name.isidentifier():
                raise ValueError(name)
            names.add(name)
    except ValueError:
        raise fail(
            "body",
            _("Malformed placeholder: write {area}, {level} or {time}, and {{ }} for braces."),
        ) from None
    return names


def clean_bulletin(v: dict[str, Any]) -> dict[str, Any]:
    body = clean_text("body", v.get("body"), 4000, required=True)
    unknown = placeholders(body) - PLACEHOLDERS
    if unknown:
        raise fail(
            "body",
            _("Unknown placeholder {%(name)s}: only {area}, {level} and {time} are filled in.")
            % {"name": sorted(unknown)[0]},
        )
    return {
        "level": level_or_all(v.get("level")),
        "title": clean_text("title", v.get("title"), 120, required=True),
        "body": body,
        "sort": whole(v.get("sort") or 0, "sort", 0, 32767),
    }


def fill(body: str, *, area: str, level: str, time: str) -> str:
    """A template's body with its placeholders filled in."""
    return body.format(area=area, level=level, time=time)
