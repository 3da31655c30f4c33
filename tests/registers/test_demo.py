"""The demo registers: a GB/T 30428-flavoured tree, limits, departments and a responsibility list
under which every leaf category routes somewhere in every grid of the demo street."""

from __future__ import annotations

import pytest

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers import reads
from resigrid.registers.choices import Phase
from resigrid.registers.models import Category, Deadline, Duty
from resigrid.web.demo.builder import build_demo
from resigrid.web.demo.registers import CATEGORIES, DEADLINES, seed_registers


def _seed() -> dict[str, int]:
    return seed_registers(
        seed=7,
        district_id=Area.objects.get(level=Level.DISTRICT).pk,
        street_id=Area.objects.get(level=Level.STREET).pk,
        community_ids=list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True)),
    )


@pytest.fixture
def demo(db: None) -> None:
    build_demo(seed=7, communities=3, grids=6, residents=3000, password="Demo#Pass2026x")
    _seed()


def test_demo_tree_and_limits(demo: None) -> None:
    assert Category.objects.count() == len(CATEGORIES) == 41
    leaves = Category.objects.leaves()
    assert 25 <= leaves.count() <= 40
    assert leaves.count() == 34
    assert list(Category.objects.filter(parent=None).values_list("code", "name")) == [
        ("01", "市容环境"),
        ("02", "设施管理"),
        ("03", "街面秩序"),
        ("04", "突发事件"),
        ("05", "民生服务"),
        ("06", "安全隐患"),
    ]
    assert Category.objects.filter(code__startswith="02", kind="facility").count() == 9
    assert Category.objects.exclude(code__startswith="02").filter(kind="facility").count() == 0
    assert Deadline.objects.count() == len(DEADLINES)
    fire = Category.objects.get(code="04.03")
    assert reads.deadlines_for(fire, "urgent") == reads.StageMinutes(5, 5, 60, 30)
    flood = Category.objects.get(code="04.01")
    assert reads.deadlines_for(flood, "high") == reads.StageMinutes(15, 30, 240, 120)


def test_every_leaf_routes_somewhere_in_every_grid(demo: None) -> None:
    grids = list(Area.objects.filter(level=Level.GRID))
    assert len(grids) == 6
    for leaf in Category.objects.leaves():
        for grid in grids:
            route = reads.route(leaf, grid)
            assert route.lead_unit is not None, (leaf.code, grid.code)
            assert route.lead_unit.pk not in {u.pk for u in route.support_units}
    # Emergencies have prevent and recover rules too (the plans draw on them).
    gas = Category.objects.get(code="04.02")
    assert reads.route(gas, grids[0], Phase.PREVENT).lead_unit.name == "区应急管理局"  # type: ignore[union-attr]
    assert reads.route(gas, grids[0], Phase.RECOVER).lead_unit.name == "区民政局"  # type: ignore[union-attr]
    assert reads.route(gas, grids[0]).lead_unit.name == "区燃气有限公司"  # type: ignore[union-attr]


def test_property_matters_go_to_the_communitys_property_company(demo: None) -> None:
    dispute = Category.objects.get(code="05.04")
    water = Category.objects.get(code="05.01")
    with_property = 0
    for community in Area.objects.filter(level=Level.COMMUNITY):
        grid = Area.objects.filter(parent=community).first()
        assert grid is not None
        lead = reads.route(dispute, grid).lead_unit
        assert lead is not None
        if Unit.objects.filter(area=community, kind=UnitKind.PROPERTY).exists():
            with_property += 1
            assert (lead.kind, lead.area_id) == (UnitKind.PROPERTY, community.pk)
        else:
            assert lead.name == "区住房和城乡建设局"  # the street rule for 05 民生服务
        assert reads.route(water, grid).lead_unit.name == "区水务局"  # type: ignore[union-attr]
    assert with_property >= 1
    case_rules = Duty.objects.for_cases().filter(area__level=Level.COMMUNITY)
    assert case_rules.count() == 4 * with_property


def test_demo_units_and_idempotence(demo: None) -> None:
    district = Area.objects.get(level=Level.DISTRICT)
    assert Unit.objects.filter(area=district).count() == 12
    street_units = Unit.objects.filter(area__level=Level.STREET).values_list("name", flat=True)
    # The street's two teams, and the two units the emergency plans' demo adds.
    assert sorted(street_units) == [
        "和平街道平安建设办公室",
        "和平街道应急管理办公室",
        "和平街道社区卫生服务中心",
        "和平街道综合行政执法队",
    ]
    before = (Category.objects.count(), Deadline.objects.count(), Duty.objects.count())
    first = sorted(
        Duty.objects.for_cases().values_list(
            "category__code", "area__code", "phase", "lead_unit__name"
        )
    )
    assert _seed() == {"register_deadlines": 0, "register_duties": 0}
    assert (Category.objects.count(), Deadline.objects.count(), Duty.objects.count()) == before
    again = Duty.objects.for_cases().values_list(
        "category__code", "area__code", "phase", "lead_unit__name"
    )
    assert sorted(again) == first
