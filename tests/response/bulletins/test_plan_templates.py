"""A draft prefilled from the plan's bulletin templates, placeholders filled in."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.registers.choices import ResponseLevel
from resigrid.response.bulletins import reads
from resigrid.response.incidents.models import Incident
from resigrid.response.plans import activation
from resigrid.response.plans.models import Plan
from tests.factories import Tree


def test_templates_prefill_the_draft(
    tree: Tree, community_staff: User, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = Plan.objects.create(title="防汛预案", hazard_class="natural", area=tree.community1)
    incident = Incident.objects.create(
        title="内涝",
        hazard_class="natural",
        area=tree.community1,
        level="4",
        opened_by=community_staff,
        plan=plan,
        plan_level="4",
        activated_at=timezone.now(),
    )

    def fake(p: Plan, level: Any) -> activation.PlanActivation:
        assert (p.pk, str(level)) == (plan.pk, "4")
        return activation.PlanActivation(
            plan_id=p.pk,
            plan_title=p.title,
            plan_version=1,
            level=ResponseLevel.IV,
            criteria="",
            roles=(),
            tasks=(),
            needs=(),
            bulletins=(activation.BulletinSpec("{area}防汛通告", "{area}启动{level}响应"),),
        )

    monkeypatch.setattr(activation, "activation_for", fake)
    got = reads.plan_templates(incident)
    assert got == [
        {
            "title": "东湖社区防汛通告",
            "body": f"东湖社区启动{ResponseLevel.IV.label}响应",
        }
    ]
    html = (
        client_for(community_staff)
        .get(f"/response/bulletins/new/?incident={incident.pk}&template=0")
        .content.decode()
    )
    assert 'value="东湖社区防汛通告"' in html and "东湖社区启动" in html
    assert reads.plan_templates(None) == []
