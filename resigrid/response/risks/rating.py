"""The rating rules of `resigrid.response.risk_rules` with the configured cut points, and their
errors as translated, field-named `ValidationFailed`.

Settings (all optional; the defaults are those of `risk_rules`):
- ``RISK_MATRIX_CUTS = {"general_from": 4, "large_from": 10, "major_from": 20}``
- ``RISK_LEC_CUTS = {"yellow_from": "70", "orange_from": "160", "red_above": "320"}``
- ``RISK_REVIEW_MONTHS = {"major": 1, "large": 1, "general": 6, "low": 6}``
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed
from resigrid.response import risk_rules as rules
from resigrid.response.risk_rules import Band, LecBands, MatrixBands, ReviewCadence, RiskRuleError
from resigrid.response.risks.models import Method


def matrix_bands() -> MatrixBands:
    cuts = getattr(settings, "RISK_MATRIX_CUTS", None) or {}
    return MatrixBands(**cuts) if cuts else rules.DEFAULT_MATRIX


def lec_bands() -> LecBands:
    cuts = getattr(settings, "RISK_LEC_CUTS", None) or {}
    return LecBands(**{k: Decimal(str(v)) for k, v in cuts.items()}) if cuts else rules.DEFAULT_LEC


def cadence() -> ReviewCadence:
    months = getattr(settings, "RISK_REVIEW_MONTHS", None) or {}
    if not months:
        return rules.DEFAULT_CADENCE
    return ReviewCadence(**{f"{k}_months": int(v) for k, v in months.items()})


def next_due(reviewed_on: dt.date, band: str) -> dt.date:
    return rules.next_review(reviewed_on, Band(band), cadence())


# Translated names of the rule inputs, by the form/API field they come from.
FIELD_NAMES = {
    "likelihood": "likelihood",
    "harm": "harm",
    "affected scale": "scale",
    "property loss": "property_loss",
    "severity": "residual_severity",
}


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _level_message() -> str:
    return _("Choose a whole number from 1 to 5.")


@dataclass(frozen=True)
class Factors:
    """The raw inputs of a rating; which ones count depends on the method."""

    method: str
    likelihood: Any = None
    harm: Any = None
    scale: Any = None
    property_loss: Any = None
    lec_l: Any = None
    lec_e: Any = None
    lec_c: Any = None
    residual_likelihood: Any = None
    residual_severity: Any = None
    residual_lec_l: Any = None
    residual_lec_e: Any = None
    residual_lec_c: Any = None

    @property
    def has_residual(self) -> bool:
        values: tuple[Any, ...] = (
            (self.residual_lec_l, self.residual_lec_e, self.residual_lec_c)
            if self.method == Method.LEC
            else (self.residual_likelihood, self.residual_severity)
        )
        return any(v not in (None, "") for v in values)


@dataclass(frozen=True)
class Rated:
    """A checked rating, ready to store on a `RiskPoint` (see `fields`)."""

    method: str
    score: Decimal
    band: str
    residual_score: Decimal | None
    residual_band: str
    fields: dict[str, Any]
    factors: dict[str, Any]

    @property
    def current_band(self) -> str:
        return self.residual_band or self.band

    @property
    def current_score(self) -> Decimal:
        return self.residual_score if self.residual_score is not None else self.score


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise _fail(field, _level_message())
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    elif value in (None, ""):
        raise _fail(field, _("This field is required."))
    else:
        raise _fail(field, _level_message())
    if not 1 <= number <= 5:
        raise _fail(field, _level_message())
    return number


def _decimal(value: Any, allowed: tuple[Decimal, ...], field: str) -> Decimal:
    if value in (None, ""):
        raise _fail(field, _("This field is required."))
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number not in allowed:
        raise _fail(
            field,
            _("Choose one of %(values)s.") % {"values": ", ".join(str(a) for a in allowed)},
        )
    return number


def _matrix(f: Factors) -> Rated:
    values = {
        "likelihood": _int(f.likelihood, "likelihood"),
        "harm": _int(f.harm, "harm"),
        "scale": _int(f.scale, "scale"),
        "property_loss": _int(f.property_loss, "property_loss"),
    }
    bands = matrix_bands()
    s = rules.severity(values["harm"], values["scale"], values["property_loss"])
    inherent = rules.rate_matrix(values["likelihood"], s, bands)
    fields: dict[str, Any] = {
        **values,
        "severity": s,
        "lec_l": None,
        "lec_e": None,
        "lec_c": None,
        "residual_lec_l": None,
        "residual_lec_e": None,
        "residual_lec_c": None,
        "residual_likelihood": None,
        "residual_severity": None,
    }
    residual_score: Decimal | None = None
    residual_band = ""
    if f.has_residual:
        rl = _int(f.residual_likelihood, "residual_likelihood")
        rs = _int(f.residual_severity, "residual_severity")
        try:
            after = rules.residual_risk(inherent, rl, rs, bands).residual
        except RiskRuleError as exc:
            field = "residual_likelihood" if rl > inherent.likelihood else "residual_severity"
            raise _fail(field, _residual_message()) from exc
        residual_score, residual_band = Decimal(after.risk), after.band.value
        fields.update(residual_likelihood=rl, residual_severity=rs)
    factors = {
        k: fields[k]
        for k in ("likelihood", "harm", "scale", "property_loss", "severity")
        + (("residual_likelihood", "residual_severity") if f.has_residual else ())
    }
    return Rated(
        method=Method.MATRIX,
        score=Decimal(inherent.risk),
        band=inherent.band.value,
        residual_score=residual_score,
        residual_band=residual_band,
        fields=fields,
        factors=factors,
    )


def _residual_message() -> str:
    return _("Controls cannot raise the likelihood or the severity above the inherent rating.")


def _lec(f: Factors) -> Rated:
    bands = lec_bands()
    l_ = _decimal(f.lec_l, rules.LEC_L, "lec_l")
    e = _decimal(f.lec_e, rules.LEC_E, "lec_e")
    c = _decimal(f.lec_c, rules.LEC_C, "lec_c")
    inherent = rules.rate_lec(l_, e, c, bands)
    fields: dict[str, Any] = {
        "likelihood": None,
        "harm": None,
        "scale": None,
        "property_loss": None,
        "severity": None,
        "residual_likelihood": None,
        "residual_severity": None,
        "lec_l": l_,
        "lec_e": e,
        "lec_c": c,
        "residual_lec_l": None,
        "residual_lec_e": None,
        "residual_lec_c": None,
    }
    residual_score: Decimal | None = None
    residual_band = ""
    if f.has_residual:
        after = {
            "residual_lec_l": _decimal(f.residual_lec_l, rules.LEC_L, "residual_lec_l"),
            "residual_lec_e": _decimal(f.residual_lec_e, rules.LEC_E, "residual_lec_e"),
            "residual_lec_c": _decimal(f.residual_lec_c, rules.LEC_C, "residual_lec_c"),
        }
        for name, before in (("residual_lec_l", l_), ("residual_lec_e", e), ("residual_lec_c", c)):
            if after[name] > before:
                raise _fail(name, _("Controls cannot raise a factor above the inherent rating."))
        rated = rules.rate_lec(
            after["residual_lec_l"], after["residual_lec_e"], after["residual_lec_c"], bands
        )
        residual_score, residual_band = rated.danger, rated.band.value
        fields.update(after)
    factors = {k: str(v) for k, v in fields.items() if k.startswith(("lec", "residual_lec"))}
    factors = {k: v for k, v in factors.items() if v != "None"}
    return Rated(
        method=Method.LEC,
        score=inherent.danger,
        band=inherent.band.value,
        residual_score=residual_score,
        residual_band=residual_band,
        fields=fields,
        factors=factors,
    )


def rate(f: Factors) -> Rated:
    """Check and rate; `ValidationFailed` names the first field at fault."""
    if f.method not in Method.values:
        raise _fail("method", _("Choose the 5×5 matrix or LEC."))
    return _lec(f) if f.method == Method.LEC else _matrix(f)


def factors_of(risk: Any) -> Factors:
    """The stored factors of a risk point (to re-rate it with some of them changed)."""
    return Factors(
        method=risk.method,
        likelihood=risk.likelihood,
        harm=risk.harm,
        scale=risk.scale,
        property_loss=risk.property_loss,
        lec_l=risk.lec_l,
        lec_e=risk.lec_e,
        lec_c=risk.lec_c,
        residual_likelihood=risk.residual_likelihood,
        residual_severity=risk.residual_severity,
        residual_lec_l=risk.residual_lec_l,
        residual_lec_e=risk.residual_lec_e,
        residual_lec_c=risk.residual_lec_c,
    )
