"""The demo's plans part on the test tree: hazard duties for the three phases, a complete flood
plan that activates at every level with every task owned, a public-health plan; idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resigrid.registers import reads
from resigrid.registers.models import Duty
from resigrid.resources.models import Item
from resigrid.response.plans.activation import activation_for
from resigrid.response.plans.models import Plan
from resigrid.web.demo import response_plans
from resigrid.web.demo.orgs_resources import CATALOGUE
from tests.factories import Tree

pytestmark = pytest.mark.django_db


def _seed(tree: Tree) -> dict[str, int]:
    return response_plans.seed(
        seed=7, street_id=tree.street.pk, community_ids=[tree.community1.pk, tree.community2.pk]
    )


def test_demo_plans(tree: Tree) -> None:
    Item.objects.bulk_create(
        Item(code=code, name=name, category=cat, uom=uom)
        for code, name, cat, uom, _t, _m in CATALOGUE
    )
    counts = _seed(tree)
    assert (counts["plans"], counts["hazard_duties"], counts["plan_tasks"]) == (2, 6, 16)
    for phase in ("prevent", "respond", "recover"):
        assert reads.duties_for_hazard("natural", tree.grid11, phase) is not None
    flood = Plan.objects.get(title="防汛应急预案")
    assert [(lv.level, lv.alert_level) for lv in flood.levels.order_by("level")] == [
        ("1", "red"),
        ("2", "orange"),
        ("3", "yellow"),
        ("4", "blue"),
    ]
    roles = "总指挥 副总指挥 综合协调组 抢险救援组 转移安置组 物资保障组 医疗救护组 宣传报道组"
    assert [r.name for r in flood.roles.order_by("sort")] == roles.split()
    for level in "1234":
        got = activation_for(flood, level)
        assert got.tasks and all(t.owner_unit_id for t in got.tasks)
    two = activation_for(flood, "2")
    assert len(two.tasks) == 11 and len(two.bulletins) == 2
    sandbags = Item.objects.get(code="R002")
    assert [n.per_thousand for n in two.needs if n.item_id == sandbags.pk] == [Decimal("750.00")]
    tents = Item.objects.get(code="T001")
    assert tents.pk not in {n.item_id for n in activation_for(flood, "4").needs}
    health = Plan.objects.get(hazard_class="public_health")
    assert len(activation_for(health, "3").tasks) == 4
    assert _seed(tree) == {}  # a second run adds nothing
    assert Duty.objects.for_hazards().count() == 6
