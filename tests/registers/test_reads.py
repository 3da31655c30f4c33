"""Reads through the database: time limits inherit up the tree, routing picks the nearest rule,
the explanation says why, the tree and the responsibility list are built in a few queries."""

from __future__ import annotations

from typing import Any

from resigrid.registers import listing, reads
from resigrid.registers.choices import Phase
from resigrid.registers.models import Deadline
from resigrid.registers.reads import StageMinutes
from tests.registers.conftest import Registers


def limits(category: Any, priority: str, *minutes: int) -> Deadline:
    a, d, h, v = minutes
    return Deadline.objects.create(
        category=category,
        priority=priority,
        accept_minutes=a,
        dispatch_minutes=d,
        handle_minutes=h,
        verify_minutes=v,
    )


def test_deadlines_inherit_from_the_nearest_ancestor_then_the_default(
    reg: Registers, settings: Any
) -> None:
    settings.CASE_DEFAULT_DEADLINES = {
        "urgent": (1, 2, 3, 4),
        "high": (5, 6, 7, 8),
        "normal": (9, 10, 11, 12),
    }
    limits(reg.c01, "urgent", 10, 20, 30, 40)
    limits(reg.c0102, "urgent", 11, 21, 31, 41)
    assert reads.deadlines_for(reg.c0101, "urgent") == StageMinutes(10, 20, 30, 40)
    assert reads.deadlines_for(reg.c0102, "urgent") == StageMinutes(11, 21, 31, 41)
    assert reads.deadlines_for(reg.c01, "urgent") == StageMinutes(10, 20, 30, 40)
    assert reads.deadlines_for(reg.c0101, "high") == StageMinutes(5, 6, 7, 8)
    assert reads.deadlines_for(reg.c0201, "normal") == StageMinutes(9, 10, 11, 12)


def test_default_deadlines_come_from_settings(reg: Registers) -> None:
    assert reads.deadlines_for(reg.c0201, "urgent") == StageMinutes(30, 60, 24 * 60, 12 * 60)


def test_chains_take_one_query_each(reg: Registers, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        chain = reads.category_chain(reg.c0101)
    assert [c.code for c in chain] == ["01.01", "01"]
    with django_assert_num_queries(1):
        areas = reads.area_chain(reg.tree.grid11)
    assert [a.code for a in areas] == [
        "330106001001001",
        "330106001001000",
        "330106001000000",
        "330106000000000",
    ]
    with django_assert_num_queries(0):
        assert reads.category_chain(reg.c01) == [reg.c01]


def test_community_rule_beats_street_rule_and_subcategories_inherit(reg: Registers) -> None:
    t = reg.tree
    reg.duty(reg.c01, t.street, reg.team, [reg.city])
    # A street rule for the leaf itself still loses to the community's rule for the parent.
    reg.duty(reg.c0101, t.street, reg.city)
    reg.duty(reg.c01, t.community1, reg.property1, [reg.team])
    r = reads.route(reg.c0101, t.grid11)
    assert (r.lead_unit, r.support_units) == (reg.property1, [reg.team])
    r = reads.route(reg.c0101, t.grid21)  # community 2 has no rule: the street's leaf rule
    assert (r.lead_unit, r.support_units) == (reg.city, [])
    r = reads.route(reg.c0102, t.grid21)  # no leaf rule anywhere: the street's rule for 01
    assert (r.lead_unit, r.support_units) == (reg.team, [reg.city])
    assert r.duty is not None and r.duty.category == reg.c01
    r = reads.route(reg.c0201, t.grid21)
    assert (r.duty, r.lead_unit, r.support_units) == (None, None, [])


def test_route_ignores_inactive_rules_and_other_phases(reg: Registers) -> None:
    t = reg.tree
    reg.duty(reg.c01, t.community1, reg.property1, active=False)
    reg.duty(reg.c01, t.street, reg.team)
    reg.duty(reg.c01, t.district, reg.city, phase=Phase.RECOVER)
    assert reads.route(reg.c0101, t.grid11).lead_unit == reg.team
    assert reads.route(reg.c0101, t.grid11, Phase.RECOVER).lead_unit == reg.city
    assert reads.route(reg.c0101, t.grid11, Phase.PREVENT).lead_unit is None


def test_explain_says_where_the_rule_comes_from(reg: Registers) -> None:
    t = reg.tree
    reg.duty(reg.c01, t.street, reg.team, [reg.city, reg.municipal])
    e = reads.explain(reg.c0101, t.grid11)
    assert (e.inherited_area, e.inherited_category) == (True, True)
    assert e.lines == [
        "From the duty set on 和平街道 for 01 市容环境 (Respond): 街道执法队 leads.",
        "Supporting: 区城管局, 区市政中心.",
        "东湖一网格 has no rule of its own for this category; it inherits from 和平街道.",
        "01.01 暴露垃圾 has no rule of its own there; it falls under 01 市容环境.",
    ]
    e = reads.explain(reg.c01, t.street)
    assert (e.inherited_area, e.inherited_category) == (False, False)
    assert (
        e.text
        == "From the duty set on 和平街道 for 01 市容环境 (Respond): 街道执法队 leads. "
        + ("Supporting: 区城管局, 区市政中心.")
    )
    e = reads.explain(reg.c0201, t.grid11)
    assert e.route.duty is None
    assert e.text == (
        "No duty applies: there is no active rule (Respond) for 02.01 路灯损坏 or its parent "
        "categories on 东湖一网格 or the areas above it."
    )


def test_category_tree_in_two_queries_with_effective_limits(
    reg: Registers, django_assert_num_queries: Any
) -> None:
    limits(reg.c01, "normal", 60, 120, 1440, 720)
    limits(reg.c0102, "normal", 30, 60, 600, 300)
    reg.c0201.active = False
    reg.c0201.save()
    with django_assert_num_queries(2):
        nodes = listing.flatten(listing.category_tree())
    assert [(n.category.code, n.depth, n.parent_code) for n in nodes] == [
        ("01", 1, None),
        ("01.01", 2, "01"),
        ("01.02", 2, "01"),
        ("02", 1, None),
    ]
    by_code = {n.category.code: {d.priority: d for d in n.deadlines} for n in nodes}
    normal = by_code["01.01"]["normal"]
    assert (normal.minutes, normal.source, normal.own) == (
        StageMinutes(60, 120, 1440, 720),
        "01",
        False,
    )
    assert normal.hours == {"accept": "1", "dispatch": "2", "handle": "24", "verify": "12"}
    assert (by_code["01.02"]["normal"].source, by_code["01.02"]["normal"].own) == ("01.02", True)
    assert (by_code["01"]["urgent"].source, by_code["01"]["urgent"].own) == (None, False)
    every = listing.flatten(listing.category_tree(include_inactive=True))
    assert [n.category.code for n in every][-1] == "02.01"


def test_duty_rows_mark_inherited_overridden_and_below(reg: Registers) -> None:
    t = reg.tree
    district = reg.duty(reg.c01, t.district, reg.city)
    street = reg.duty(reg.c01, t.street, reg.team)
    leaf = reg.duty(reg.c0101, t.street, reg.city)
    other = reg.duty(reg.c02, t.street, reg.municipal)
    own = reg.duty(reg.c01, t.community1, reg.property1)
    rows = listing.duty_rows(area=t.community1)
    flags = {r.duty.pk: (r.inherited, r.overridden, r.below) for r in rows}
    assert flags == {
        district.pk: (True, True, False),
        street.pk: (True, True, False),
        own.pk: (False, False, False),
        leaf.pk: (True, False, False),
        other.pk: (True, False, False),
    }
    assert [r.duty.pk for r in rows] == [district.pk, street.pk, own.pk, leaf.pk, other.pk]
    # The street's own list: the community rule only with `below`, and never "overriding".
    from resigrid.registers.models import Duty

    rows = listing.duty_rows(area=t.street, category=reg.c0101, below_qs=Duty.objects.all())
    flags = {r.duty.pk: (r.inherited, r.overridden, r.below) for r in rows}
    assert flags == {
        district.pk: (True, True, False),
        street.pk: (False, False, False),
        own.pk: (False, False, True),
        leaf.pk: (False, False, False),
    }


def test_units_serving_an_area(reg: Registers) -> None:
    names = [u.name for u in listing.units_serving(reg.tree.community1)]
    assert names == ["区城管局", "区市政中心", "街道执法队", "东湖物业"]
    names = [u.name for u in listing.units_serving(reg.tree.street)]
    assert names == ["区城管局", "区市政中心", "街道执法队", "东湖物业", "西湖物业"]
