"""Area code rules (pure)."""

from __future__ import annotations

import pytest

from resigrid.areas.codes import Level, child_code, code_errors, parent_code, prefix


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330106000000000", Level.DISTRICT),
        ("330106001000000", Level.STREET),
        ("330106001002000", Level.COMMUNITY),
        ("330106001002003", Level.GRID),
    ],
)
def test_valid_codes(code: str, level: Level) -> None:
    assert code_errors(code, level) == []


def test_wrong_length() -> None:
    assert code_errors("33010600100200", Level.GRID) == ["The code must have 15 digits; 14 given."]


def test_digits_only() -> None:
    assert code_errors("33010600100200A", Level.GRID) == ["The code must contain digits only."]
    assert code_errors("", Level.GRID) == ["The code must contain digits only."]


def test_trailing_digits_must_be_zero_for_the_level() -> None:
    assert code_errors("330106001002003", Level.COMMUNITY) == [
        "A Community code has only its first 12 digits set; the rest must be zeros."
    ]


def test_last_significant_block_not_zero() -> None:
    assert code_errors("330106001000000", Level.GRID) == [
        "The last three significant digits must not be 000."
    ]
    assert code_errors("330106000000000", Level.STREET) == [
        "The last three significant digits must not be 000."
    ]


def test_district_needs_a_county_code() -> None:
    assert code_errors("330100000000000", Level.DISTRICT) == [
        "The first six digits must be a county-level division code (GB/T 2260)."
    ]


def test_parent_and_child_codes() -> None:
    assert parent_code("330106001002003", Level.GRID) == "330106001002000"
    assert parent_code("330106001000000", Level.STREET) == "330106000000000"
    assert parent_code("330106000000000", Level.DISTRICT) is None
    assert child_code("330106001002000", Level.COMMUNITY, 7) == "330106001002007"
    assert prefix("330106001002000", Level.COMMUNITY) == "330106001002"
    with pytest.raises(ValueError, match="between 1 and 999"):
        child_code("330106001002000", Level.COMMUNITY, 1000)


def test_ancestor_codes_list_the_levels_above_district_first() -> None:
    from resigrid.areas.codes import ancestor_codes

    assert ancestor_codes("330106001001001") == [
        "330106000000000",
        "330106001000000",
        "330106001001000",
    ]
    assert ancestor_codes("330106001001000") == ["330106000000000", "330106001000000"]
    assert ancestor_codes("330106001000000") == ["330106000000000"]
    assert ancestor_codes("330106000000000") == []
