"""Risk rating rules of the risk register (风险清单): pure, no Django, no database.

Two methods, one four-level scale (`Band`: 重大 红 / 较大 橙 / 一般 黄 / 低 蓝):

- 5×5 matrix. Likelihood L 1–5 (1 基本不可能 … 5 极有可能); severity S = the worst of harm,
  affected scale and property loss, each 1–5; R = L × S (1–25). Default bands by R: 1–3 low,
  4–9 general, 10–16 large, 20–25 major — a band starts at its cut point and runs to the next
  one's start minus one (R never takes 17–19 or any other non-product value). Cut points are
  configurable (`MatrixBands`) because sources differ.
- LEC (作业条件危险性评价法) for work hazards. D = L × E × C with L ∈ {10, 6, 3, 1, 0.5, 0.2,
  0.1}, E ∈ {10, 6, 3, 2, 1, 0.5}, C ∈ {100, 40, 15, 7, 3, 1}. Bands as written in the usual
  table ("D > 320 红, 160–320 橙, 70–160 黄, < 70 蓝"): red D > 320; orange 160 ≤ D ≤ 320;
  yellow 70 ≤ D < 160; blue D < 70. With the standard factor values only the 70 boundary is
  reachable (D = 70 is 10 × 1 × 7: yellow); 160 and 320 are not products of them. D is computed
  in exact decimal arithmetic, so 0.1 × 10 × 70-style products never land a hair off a boundary.

Residual risk is the same rating after controls, which may lower L or S but never raise them.
Review cadence: major and large risks monthly, the others at least every six months (REFERENCE:
双重预防); the next review is that many calendar months after the last one (clamped to the
month's end, e.g. 31 Jan + 1 month = 28/29 Feb) and a review is overdue the day after it is due.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class RiskRuleError(ValueError):
    """Bad input to a rating rule; ``code`` and ``params`` let the platform translate it."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


class Band(StrEnum):
    """Risk level, lowest first. Chinese names: 低, 一般, 较大, 重大."""

    LOW = "low"
    GENERAL = "general"
    LARGE = "large"
    MAJOR = "major"

    @property
    def colour(self) -> Colour:
        return _COLOURS[self]

    @property
    def rank(self) -> int:
        return _ORDER.index(self)


class Colour(StrEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


_ORDER = (Band.LOW, Band.GENERAL, Band.LARGE, Band.MAJOR)
_COLOURS = {
    Band.LOW: Colour.BLUE,
    Band.GENERAL: Colour.YELLOW,
    Band.LARGE: Colour.ORANGE,
    Band.MAJOR: Colour.RED,
}


def _level(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RiskRuleError(
            "risk.level", f"The {what} must be a whole number from 1 to 5.", field=what
        )
    return value


# --- 5×5 matrix -------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixBands:
    """Where each band above "low" starts on R = L × S (1–25); low covers 1 up to the first."""

    general_from: int = 4
    large_from: int = 10
    major_from: int = 20

    def __post_init__(self) -> None:
        cuts = (self.general_from, self.large_from, self.major_from)
        if not all(isinstance(c, int) and not isinstance(c, bool) for c in cuts) or not (
            2 <= self.general_from < self.large_from < self.major_from <= 25
        ):
            raise RiskRuleError(
                "risk.matrix_cuts",
                "Matrix cut points must be whole numbers that increase, from 2 to 25 "
                f"(got {cuts}).",
            )

    def band(self, risk: int) -> Band:
        if isinstance(risk, bool) or not isinstance(risk, int) or not 1 <= risk <= 25:
            raise RiskRuleError("risk.value", "R must be a whole number from 1 to 25.")
        if risk >= self.major_from:
            return Band.MAJOR
        if risk >= self.large_from:
            return Band.LARGE
        if risk >= self.general_from:
            return Band.GENERAL
        return Band.LOW


DEFAULT_MATRIX = MatrixBands()


def severity(harm: int, scale: int, property_loss: int) -> int:
    """S is the worst of the three consequences."""
    return max(
        _level(harm, "harm"),
        _level(scale, "affected scale"),
        _level(property_loss, "property loss"),
    )


@dataclass(frozen=True)
class MatrixRating:
    likelihood: int
    severity: int
    risk: int
    band: Band


def rate_matrix(
    likelihood: int, severity_level: int, bands: MatrixBands = DEFAULT_MATRIX
) -> MatrixRating:
    l_ = _level(likelihood, "likelihood")
    s = _level(severity_level, "severity")
    return MatrixRating(likelihood=l_, severity=s, risk=l_ * s, band=bands.band(l_ * s))


# --- LEC ------------------------------------------------------------------------------------

LEC_L = (Decimal("10"), Decimal("6"), Decimal("3"), Decimal("1"), Decimal("0.5"), Decimal("0.2"),
         Decimal("0.1"))  # fmt: skip
LEC_E = (Decimal("10"), Decimal("6"), Decimal("3"), Decimal("2"), Decimal("1"), Decimal("0.5"))
LEC_C = (Decimal("100"), Decimal("40"), Decimal("15"), Decimal("7"), Decimal("3"), Decimal("1"))


@dataclass(frozen=True)
class LecBands:
    """Blue below ``yellow_from``; yellow from it up to (not incl.) ``orange_from``; orange from
    there up to and including ``red_above``; red above that."""

    yellow_from: Decimal = Decimal("70")
    orange_from: Decimal = Decimal("160")
    red_above: Decimal = Decimal("320")

    def __post_init__(self) -> None:
        cuts = (self.yellow_from, self.orange_from, self.red_above)
        if not all(isinstance(c, Decimal) and c.is_finite() for c in cuts) or not (
            0 < self.yellow_from < self.orange_from <= self.red_above
        ):
            raise RiskRuleError(
                "risk.lec_cuts",
                f"LEC cut points must be positive and increase (got {[str(c) for c in cuts]}).",
            )

    def band(self, d: Decimal) -> Band:
        if d > self.red_above:
            return Band.MAJOR
        if d >= self.orange_from:
            return Band.LARGE
        if d >= self.yellow_from:
            return Band.GENERAL
        return Band.LOW


DEFAULT_LEC = LecBands()


@dataclass(frozen=True)
class LecRating:
    likelihood: Decimal
    exposure: Decimal
    consequence: Decimal
    danger: Decimal  # D
    band: Band


def _factor(value: Decimal | float | str, allowed: tuple[Decimal, ...], what: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        d = Decimal("NaN")
    if not d.is_finite() or d not in allowed:
        choices = ", ".join(str(a) for a in allowed)
        raise RiskRuleError("risk.lec_factor", f"The {what} must be one of {choices}.", field=what)
    return d


def rate_lec(
    likelihood: Decimal | float | str,
    exposure: Decimal | float | str,
    consequence: Decimal | float | str,
    bands: LecBands = DEFAULT_LEC,
) -> LecRating:
    """Factors as Decimal, int, str ("0.5") or float (read through its shortest repr, 0.1 →
    Decimal("0.1"), so the product is exact)."""
    l_ = _factor(likelihood, LEC_L, "likelihood")
    e = _factor(exposure, LEC_E, "exposure")
    c = _factor(consequence, LEC_C, "consequence")
    d = (l_ * e * c).normalize()
    return LecRating(likelihood=l_, exposure=e, consequence=c, danger=d, band=bands.band(d))


# --- residual risk ------------------------------------------------------------------------


@dataclass(frozen=True)
class Residual:
    inherent: MatrixRating
    residual: MatrixRating
    reduction: int = field(init=False)  # R points removed by the controls

    def __post_init__(self) -> None:
        object.__setattr__(self, "reduction", self.inherent.risk - self.residual.risk)


def residual_risk(
    inherent: MatrixRating,
    likelihood_after: int,
    severity_after: int,
    bands: MatrixBands = DEFAULT_MATRIX,
) -> Residual:
    """The rating after controls; controls may lower L or S, never raise them."""
    after = rate_matrix(likelihood_after, severity_after, bands)
    if after.likelihood > inherent.likelihood or after.severity > inherent.severity:
        raise RiskRuleError(
            "risk.residual_higher",
            "Controls cannot raise the likelihood or the severity above the inherent rating.",
        )
    return Residual(inherent=inherent, residual=after)


# --- review cadence -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCadence:
    """Months between reviews per band (REFERENCE: 重大/较大 monthly, others ≤ six months)."""

    major_months: int = 1
    large_months: int = 1
    general_months: int = 6
    low_months: int = 6

    def __post_init__(self) -> None:
        months = (self.major_months, self.large_months, self.general_months, self.low_months)
        if not all(isinstance(m, int) and not isinstance(m, bool) and m >= 1 for m in months):
            raise RiskRuleError(
                "risk.cadence", "Review intervals must be whole numbers of months, at least 1."
            )
        if not self.major_months <= self.large_months <= self.general_months <= self.low_months:
            raise RiskRuleError(
                "risk.cadence_order", "A higher band cannot be reviewed less often than a lower."
            )

    def months(self, band: Band) -> int:
        return {
            Band.MAJOR: self.major_months,
            Band.LARGE: self.large_months,
            Band.GENERAL: self.general_months,
            Band.LOW: self.low_months,
        }[band]


DEFAULT_CADENCE = ReviewCadence()


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(last_review: date, band: Band, cadence: ReviewCadence = DEFAULT_CADENCE) -> date:
    """When the risk must be reviewed again (pass the current band: residual if assessed)."""
    return add_months(last_review, cadence.months(band))


def days_overdue(
    last_review: date, band: Band, today: date, cadence: ReviewCadence = DEFAULT_CADENCE
) -> int:
    """0 on or before the due date, else the number of days past it."""
    return max(0, (today - next_review(last_review, band, cadence)).days)


def is_overdue(
    last_review: date, band: Band, today: date, cadence: ReviewCadence = DEFAULT_CADENCE
) -> bool:
    return days_overdue(last_review, band, today, cadence) > 0
