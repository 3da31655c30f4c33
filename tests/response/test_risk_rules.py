"""Risk rating rules: exact on every boundary, monotone, validated configuration."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resigrid.response.risk_rules import (
    DEFAULT_MATRIX,
    LEC_C,
    LEC_E,
    LEC_L,
    Band,
    Colour,
    LecBands,
    MatrixBands,
    ReviewCadence,
    RiskRuleError,
    add_months,
    days_overdue,
    is_overdue,
    next_review,
    rate_lec,
    rate_matrix,
    residual_risk,
    severity,
)

levels = st.integers(1, 5)


@pytest.mark.parametrize(
    ("risk", "band"),
    [
        (1, Band.LOW),
        (3, Band.LOW),
        (4, Band.GENERAL),
        (9, Band.GENERAL),
        (10, Band.LARGE),
        (16, Band.LARGE),
        (17, Band.LARGE),  # not a product of two levels; below the major cut point
        (19, Band.LARGE),
        (20, Band.MAJOR),
        (25, Band.MAJOR),
    ],
)
def test_matrix_default_boundaries(risk, band):
    assert DEFAULT_MATRIX.band(risk) is band


def test_matrix_every_cell():
    grid = [[rate_matrix(l_, s).band for s in range(1, 6)] for l_ in range(1, 6)]
    short = {Band.LOW: "L", Band.GENERAL: "G", Band.LARGE: "O", Band.MAJOR: "R"}
    rows = ["".join(short[b] for b in row) for row in grid]
    assert rows == ["LLLGG", "LGGGO", "LGGOO", "GGOOR", "GOORR"]
    r = rate_matrix(4, 5)
    assert (r.likelihood, r.severity, r.risk, r.band) == (4, 5, 20, Band.MAJOR)
    assert r.band.colour is Colour.RED
    assert rate_matrix(1, 3).band.colour is Colour.BLUE
    assert rate_matrix(3, 3).band.colour is Colour.YELLOW
    assert rate_matrix(2, 5).band.colour is Colour.ORANGE
    assert Band.MAJOR.value == "major"


def test_severity_is_the_worst_consequence():
    assert severity(2, 4, 1) == 4
    assert severity(5, 1, 1) == 5
    assert severity(1, 1, 3) == 3


@pytest.mark.parametrize("bad", [0, 6, -1, 2.0, True, "3", None])
def test_levels_must_be_1_to_5(bad):
    with pytest.raises(RiskRuleError) as err:
        rate_matrix(bad, 3)
    assert err.value.code == "risk.level"
    with pytest.raises(RiskRuleError):
        severity(1, bad, 1)


def test_custom_matrix_cut_points():
    bands = MatrixBands(general_from=5, large_from=12, major_from=15)
    assert [bands.band(r) for r in (4, 5, 11, 12, 14, 15)] == [
        Band.LOW,
        Band.GENERAL,
        Band.GENERAL,
        Band.LARGE,
        Band.LARGE,
        Band.MAJOR,
    ]
    assert rate_matrix(3, 5, bands).band is Band.MAJOR


@pytest.mark.parametrize(
    "cuts",
    [(4, 4, 20), (10, 4, 20), (1, 10, 20), (4, 10, 26), (4, 10, 10), (4.0, 10, 20)],
)
def test_matrix_cut_points_validated(cuts):
    with pytest.raises(RiskRuleError) as err:
        MatrixBands(*cuts)
    assert err.value.code == "risk.matrix_cuts"


def test_matrix_risk_out_of_range():
    with pytest.raises(RiskRuleError) as err:
        DEFAULT_MATRIX.band(26)
    assert err.value.code == "risk.value"


@given(levels, levels, levels, levels)
def test_matrix_is_monotone(l1, s1, l2, s2):
    a, b = rate_matrix(l1, s1), rate_matrix(max(l1, l2), max(s1, s2))
    assert b.risk >= a.risk
    assert b.band.rank >= a.band.rank


@given(st.tuples(st.integers(2, 25), st.integers(2, 25), st.integers(2, 25)), levels, levels)
def test_matrix_custom_bands_monotone(cuts, l_, s):
    g, lg, mj = sorted(cuts)
    if not g < lg < mj:
        return
    bands = MatrixBands(g, lg, mj)
    r = l_ * s
    lower = bands.band(r - 1) if r > 1 else Band.LOW
    assert bands.band(r).rank >= lower.rank


@pytest.mark.parametrize(
    ("l_", "e", "c", "d", "band"),
    [
        ("10", "1", "7", "70", Band.GENERAL),  # exactly 70: yellow ("< 70 蓝")
        ("1", "10", "7", "70", Band.GENERAL),
        ("0.5", "10", "7", "35", Band.LOW),
        ("3", "3", "7", "63", Band.LOW),
        ("1", "1", "100", "100", Band.GENERAL),
        ("6", "3", "7", "126", Band.GENERAL),
        ("3", "6", "15", "270", Band.LARGE),
        ("6", "6", "7", "252", Band.LARGE),
        ("10", "3", "7", "210", Band.LARGE),
        ("6", "10", "7", "420", Band.MAJOR),
        ("10", "10", "100", "10000", Band.MAJOR),
        ("0.1", "0.5", "1", "0.05", Band.LOW),
        ("0.2", "10", "100", "200", Band.LARGE),
        ("0.1", "10", "100", "100", Band.GENERAL),
    ],
)
def test_lec_exact(l_, e, c, d, band):
    r = rate_lec(l_, e, c)
    assert r.danger == Decimal(d)
    assert r.band is band


def test_lec_boundaries_with_custom_values():
    bands = LecBands()
    assert bands.band(Decimal("69.99")) is Band.LOW
    assert bands.band(Decimal("70")) is Band.GENERAL
    assert bands.band(Decimal("159.99")) is Band.GENERAL
    assert bands.band(Decimal("160")) is Band.LARGE
    assert bands.band(Decimal("320")) is Band.LARGE
    assert bands.band(Decimal("320.01")) is Band.MAJOR


def test_lec_floats_are_exact():
    r = rate_lec(0.1, 10, 100)
    assert r.danger == Decimal("100")
    assert rate_lec(Decimal("0.5"), 0.5, 40).danger == Decimal("10")


def test_lec_reachable_boundaries():
    # With the standard values only 70 sits on a cut point; 160 and 320 are never products.
    products = {(a * b * c).normalize() for a, b, c in itertools.product(LEC_L, LEC_E, LEC_C)}
    assert Decimal("70") in products
    assert Decimal("160") not in products
    assert Decimal("320") not in products


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("7", "1", "1"), "likelihood"),
        (("10", "4", "1"), "exposure"),
        (("10", "1", "50"), "consequence"),
        (("x", "1", "1"), "likelihood"),
        (("nan", "1", "1"), "likelihood"),
    ],
)
def test_lec_factors_validated(args, field):
    with pytest.raises(RiskRuleError) as err:
        rate_lec(*args)
    assert err.value.code == "risk.lec_factor"
    assert err.value.params["field"] == field


@pytest.mark.parametrize(
    "cuts", [("0", "160", "320"), ("160", "70", "320"), ("70", "320", "160"), ("70", "inf", "inf")]
)
def test_lec_cut_points_validated(cuts):
    with pytest.raises(RiskRuleError) as err:
        LecBands(*(Decimal(c) for c in cuts))
    assert err.value.code == "risk.lec_cuts"


@given(
    st.sampled_from(LEC_L),
    st.sampled_from(LEC_E),
    st.sampled_from(LEC_C),
    st.sampled_from(LEC_L),
    st.sampled_from(LEC_E),
    st.sampled_from(LEC_C),
)
def test_lec_is_monotone(l1, e1, c1, l2, e2, c2):
    a = rate_lec(l1, e1, c1)
    b = rate_lec(max(l1, l2), max(e1, e2), max(c1, c2))
    assert b.danger >= a.danger
    assert b.band.rank >= a.band.rank


def test_residual_risk():
    inherent = rate_matrix(4, 5)
    res = residual_risk(inherent, 2, 5)
    assert (res.residual.risk, res.residual.band, res.reduction) == (10, Band.LARGE, 10)
    assert residual_risk(inherent, 4, 5).reduction == 0
    with pytest.raises(RiskRuleError) as err:
        residual_risk(inherent, 5, 1)
    assert err.value.code == "risk.residual_higher"
    with pytest.raises(RiskRuleError):
        residual_risk(rate_matrix(2, 2), 2, 3)


def test_review_cadence_and_overdue():
    last = date(2026, 1, 31)
    assert next_review(last, Band.MAJOR) == date(2026, 2, 28)
    assert next_review(last, Band.LARGE) == date(2026, 2, 28)
    assert next_review(last, Band.GENERAL) == date(2026, 7, 31)
    assert next_review(date(2027, 12, 31), Band.LOW) == date(2028, 6, 30)
    assert next_review(date(2028, 1, 31), Band.MAJOR) == date(2028, 2, 29)  # leap year
    assert not is_overdue(last, Band.MAJOR, date(2026, 2, 28))  # due today: not yet overdue
    assert is_overdue(last, Band.MAJOR, date(2026, 3, 1))
    assert days_overdue(last, Band.MAJOR, date(2026, 3, 1)) == 1
    assert days_overdue(last, Band.LOW, date(2026, 3, 1)) == 0
    custom = ReviewCadence(major_months=1, large_months=2, general_months=3, low_months=12)
    assert next_review(date(2026, 5, 15), Band.LOW, custom) == date(2027, 5, 15)
    assert next_review(date(2026, 5, 15), Band.LARGE, custom) == date(2026, 7, 15)


@pytest.mark.parametrize(
    "months", [(0, 1, 6, 6), (1, 1, 6, 1.5), (2, 1, 6, 6), (1, 1, 7, 6), (True, 1, 6, 6)]
)
def test_cadence_validated(months):
    with pytest.raises(RiskRuleError) as err:
        ReviewCadence(*months)
    assert err.value.code in {"risk.cadence", "risk.cadence_order"}


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 120))
def test_add_months_properties(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day
    assert later >= day
