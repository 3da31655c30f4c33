"""The pure routing rule: nearest area first, then nearest category; None without a rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.registers import routing, rules

ids = st.integers(min_value=1, max_value=12)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[int, int, str]], list[int], list[int]]:
    categories = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    areas = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    # Rules on the chains and off them (other categories, other areas), one per (category, area).
    keys = draw(st.lists(st.tuples(ids, ids), max_size=25, unique=True))
    return [(c, a, f"{c}@{a}") for c, a in keys], categories, areas


def reference(
    rules_: list[tuple[int, int, str]], categories: list[int], areas: list[int]
) -> str | None:
    applicable = [
        (areas.index(a), categories.index(c), rule)
        for c, a, rule in rules_
        if c in categories and a in areas
    ]
    return min(applicable)[2] if applicable else None


@settings(max_examples=300, deadline=None)  # pure and fast; no deadline on a loaded machine
@given(cases())
def test_pick_is_nearest_area_then_nearest_category(
    case: tuple[list[tuple[int, int, str]], list[int], list[int]],
) -> None:
    rules_, categories, areas = case
    assert routing.pick(rules_, categories, areas) == reference(rules_, categories, areas)


@settings(max_examples=300, deadline=None)  # pure and fast; no deadline on a loaded machine
@given(cases())
def test_pick_ignores_rules_off_the_chains(
    case: tuple[list[tuple[int, int, str]], list[int], list[int]],
) -> None:
    rules_, categories, areas = case
    on_chains = [r for r in rules_ if r[0] in categories and r[1] in areas]
    assert routing.pick(rules_, categories, areas) == routing.pick(on_chains, categories, areas)
    if not on_chains:
        assert routing.pick(rules_, categories, areas) is None


def test_community_rule_for_the_parent_category_beats_the_street_rule_for_the_leaf() -> None:
    # category chain: leaf 2 → top 1; area chain: community 20 → street 10
    found = routing.pick([(2, 10, "street-leaf"), (1, 20, "community-top")], [2, 1], [20, 10])
    assert found == "community-top"


def test_same_area_nearest_category_wins() -> None:
    assert routing.pick([(1, 10, "top"), (2, 10, "leaf")], [2, 1], [20, 10]) == "leaf"
    assert routing.pick([], [2, 1], [20, 10]) is None


def test_category_codes() -> None:
    assert [rules.code_error(c) is None for c in ("01", "01.02", "01.02.03")] == [True] * 3
    bad = ("1", "001", "01.", "01.2", "01.02.03.04", "a1", "01-02", "00", "01.00", "")
    assert all(rules.code_error(c) for c in bad)
    assert rules.parent_code("01.02.03") == "01.02"
    assert rules.parent_code("01") is None
    assert rules.ancestor_codes("01.02.03") == ["01.02.03", "01.02", "01"]
    assert (rules.hours(30), rules.hours(1440), rules.hours(90), rules.hours(20)) == (
        "0.5",
        "24",
        "1.5",
        "0.33",
    )
