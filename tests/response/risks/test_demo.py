"""The demo's risk register seeds on the test tree: every hazard class, points inside their
grids, overdue reviews, one escalation; a second run writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Point, shape

from resigrid.accounts.roles import Role
from resigrid.cases.models import Case
from resigrid.response.risks import reads
from resigrid.response.risks.models import RiskPoint
from resigrid.web.demo import response_risks
from tests.factories import Tree, UserFactory, bind

pytestmark = pytest.mark.django_db


def test_seed(tree: Tree, categories: Any) -> None:
    street = UserFactory(username="street")
    bind(street, tree.street, Role.STREET_STAFF)
    ids = [tree.community1.pk, tree.community2.pk]
    counts = response_risks.seed(seed=7, street_id=tree.street.pk, community_ids=ids)
    assert counts["risk_points"] == len(response_risks.RISKS) == RiskPoint.objects.count()
    assert counts["risk_escalations"] == 1 and Case.objects.count() == 1
    risks = list(RiskPoint.objects.select_related("area"))
    assert {r.hazard_class for r in risks} == {
        "natural",
        "accident",
        "public_health",
        "social_security",
    }
    assert {r.band for r in risks} == {"low", "general", "large", "major"}
    for r in risks:
        assert r.lon is not None and r.lat is not None
        assert r.area.boundary and shape(r.area.boundary).covers(Point(r.lon, r.lat)), r.name
    assert [r.name for r, _ in reads.overdue(street)] == [
        "邻里矛盾纠纷积累",
        "老旧小区电动车充电（楼道飞线）",
        "养老机构传染病聚集风险",
    ]
    assert RiskPoint.objects.get(name="燃气管道老化").status == "escalated"
    assert response_risks.seed(seed=7, street_id=tree.street.pk, community_ids=ids) == {}
