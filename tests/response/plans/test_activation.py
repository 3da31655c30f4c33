"""activation_for: what activating a plan at a level hands to the incident."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resigrid.core.errors import ValidationFailed
from resigrid.registers.choices import ResponseLevel
from resigrid.response.plans.activation import (
    BulletinSpec,
    CommandRoleSpec,
    NeedSpec,
    TaskSpec,
    activation_for,
)
from tests.response.plans.conftest import World

pytestmark = pytest.mark.django_db


def test_level_two_gives_exact_content(world: World) -> None:
    got = activation_for(world.plan, ResponseLevel.II)
    assert got.plan_id == world.plan.pk
    assert (got.plan_title, got.plan_version, got.level) == ("防汛应急预案", 1, ResponseLevel.II)
    assert got.criteria == "橙色暴雨预警"
    assert got.roles == (
        CommandRoleSpec(code="chief", name="总指挥", duties="", unit_id=None),
        CommandRoleSpec(code="rescue", name="抢险救援组", duties="", unit_id=world.volunteers.pk),
        CommandRoleSpec(code="medical", name="医疗救护组", duties="", unit_id=None),
    )
    assert got.tasks == (
        # no owner on the template: the nearest natural/respond duty (the street's) leads
        TaskSpec("巡查易涝点", "", world.office.pk, 30, "respond"),
        TaskSpec("转移低洼住户", "", world.office.pk, 60, "respond"),
        TaskSpec("发放沙袋", "", world.property1.pk, 90, "respond"),
        # recover phase: community 1's own recover duty
        TaskSpec("清淤消杀", "", world.property1.pk, 1440, "recover"),
    )
    assert got.needs == (  # by item category, then code
        NeedSpec(world.tent.pk, Decimal("20.00"), "顶"),
        NeedSpec(world.water.pk, Decimal("4500.00"), "L"),
    )
    assert got.bulletins == (BulletinSpec("启动响应", "{area}于{time}启动{level}响应。"),)


def test_level_four_leaves_out_level_two_parts(world: World) -> None:
    got = activation_for(world.plan, "4")
    assert [r.code for r in got.roles] == ["chief", "rescue", "watch"]
    assert [t.title for t in got.tasks] == ["巡查易涝点", "转移低洼住户"]
    assert got.needs == (NeedSpec(world.water.pk, Decimal("3000.00"), "L"),)  # tents: factor 0


def test_level_not_defined(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        activation_for(world.plan, ResponseLevel.I)
    assert err.value.field == "level"
    assert "防汛应急预案" in str(err.value)


def test_unknown_level(world: World) -> None:
    with pytest.raises(ValidationFailed):
        activation_for(world.plan, "7")


def test_task_without_owner_names_the_task(world: World) -> None:
    world.respond.active = False
    world.respond.save()
    with pytest.raises(ValidationFailed) as err:
        activation_for(world.plan, ResponseLevel.II)
    assert err.value.field == "tasks"
    assert "巡查易涝点" in str(err.value)


def test_inactive_duty_falls_back_to_nearest_active(world: World) -> None:
    """A task tied to a duty that was since replaced takes the replacement's lead unit."""
    from resigrid.registers.models import Duty

    world.respond.active = False
    world.respond.save()
    Duty.objects.create(
        hazard_class="natural", area=world.tree.community1, lead_unit=world.property1
    )
    got = activation_for(world.plan, ResponseLevel.IV)
    assert {t.owner_unit_id for t in got.tasks} == {world.property1.pk}
