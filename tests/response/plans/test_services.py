"""Plan services: validation naming the field, nothing half written, the freeze of versions an
incident used, revision keeping the old version intact, and the permission on the plan's area."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.incidents.models import Incident
from resigrid.response.plans import parts, services
from resigrid.response.plans.activation import activation_for
from resigrid.response.plans.models import Plan, PlanLevel, ResourceNeed, TaskTemplate
from tests.response.plans.conftest import World

pytestmark = pytest.mark.django_db


def refused(fn: Any, field: str, text: str, **kwargs: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        fn(**kwargs)
    assert err.value.field == field, err.value.message
    assert text in str(err.value.message)


def test_create_plan(world: World, planner: User) -> None:
    t = world.tree
    plan = services.create_plan(
        actor=planner, title=" 台风应急预案 ", hazard_class="natural", area=t.community1
    )
    assert (plan.title, plan.version, plan.active, plan.created_by) == (
        "台风应急预案",
        1,
        True,
        planner,
    )
    refused(
        services.create_plan,
        "title",
        "already has an active plan",
        actor=planner,
        title="防汛应急预案",
        hazard_class="natural",
        area=t.community1,
    )
    refused(
        services.create_plan,
        "hazard_class",
        "Unknown hazard class",
        actor=planner,
        title="x",
        hazard_class="meteor",
        area=t.community1,
    )
    refused(
        services.create_plan,
        "title",
        "required",
        actor=planner,
        title="  ",
        hazard_class="natural",
        area=t.community1,
    )
    with pytest.raises(PermissionDeniedError):
        services.create_plan(actor=planner, title="x", hazard_class="natural", area=t.community2)
    assert Plan.objects.count() == 2


def test_levels(world: World, planner: User) -> None:
    plan = world.plan
    save = parts.save_level
    row = save(
        actor=planner,
        plan=plan,
        data={"level": "1", "criteria": "红色", "alert_level": "red", "trigger_value": "100"},
    )
    assert (row.level, row.trigger_value) == ("1", Decimal("100.00"))
    refused(
        save,
        "level",
        "already defines this level",
        actor=planner,
        plan=plan,
        data={"level": "2", "criteria": "x"},
    )
    refused(
        save,
        "alert_level",
        "has this warning colour",
        actor=planner,
        plan=plan,
        data={"level": "3", "criteria": "x", "alert_level": "orange"},
    )
    refused(
        save,
        "level",
        "Unknown response level",
        actor=planner,
        plan=plan,
        data={"level": "5", "criteria": "x"},
    )
    refused(
        save, "criteria", "required", actor=planner, plan=plan, data={"level": "3", "criteria": ""}
    )
    refused(
        save,
        "trigger_value",
        "Enter a number",
        actor=planner,
        plan=plan,
        data={"level": "3", "criteria": "x", "trigger_value": "lots"},
    )
    refused(
        save,
        "colour",
        "Unknown field",
        actor=planner,
        plan=plan,
        data={"level": "3", "criteria": "x", "colour": 1},
    )
    # Editing a row keeps the fields not given.
    row = save(actor=planner, plan=plan, row=row, data={"criteria": "红色预警"})
    assert (row.level, row.alert_level, row.criteria) == ("1", "red", "红色预警")
    assert PlanLevel.objects.filter(plan=plan).count() == 3


def test_roles(world: World, planner: User) -> None:
    plan, save = world.plan, parts.save_role
    row = save(
        actor=planner,
        plan=plan,
        data={"code": "supplies", "name": "物资保障组", "unit": world.office.pk},
    )
    assert row.unit == world.office
    refused(
        save, "code", "already used", actor=planner, plan=plan, data={"code": "chief", "name": "x"}
    )
    refused(
        save,
        "code",
        "already used",
        actor=planner,
        plan=plan,
        data={"code": "medical", "name": "x", "level": "2"},
    )
    save(actor=planner, plan=plan, data={"code": "medical", "name": "医疗组", "level": "3"})
    refused(
        save,
        "code",
        "lower-case letters",
        actor=planner,
        plan=plan,
        data={"code": "总指挥", "name": "x"},
    )
    refused(
        save, "name", "At most 60", actor=planner, plan=plan, data={"code": "x", "name": "长" * 61}
    )
    far = world.tree.community2
    from resigrid.orgs.models import Unit

    stranger = Unit.objects.create(kind="property", name="西湖物业", area=far)
    refused(
        save,
        "unit",
        "serves",
        actor=planner,
        plan=plan,
        data={"code": "y", "name": "y", "unit": stranger.pk},
    )


def test_tasks(world: World, planner: User) -> None:
    plan, save = world.plan, parts.save_task
    data = {"title": "巡逻", "due_offset_minutes": 10}
    row = save(actor=planner, plan=plan, data=data | {"duty": world.respond.pk})
    assert (row.duty, row.owner_unit) == (world.respond, None)
    # Picking a unit on edit clears the duty.
    row = save(actor=planner, plan=plan, row=row, data={"owner_unit": world.property1.pk})
    assert (row.duty, row.owner_unit) == (None, world.property1)
    refused(
        save,
        "due_offset_minutes",
        "from 0 to 43200",
        actor=planner,
        plan=plan,
        data=data | {"due_offset_minutes": -5},
    )
    refused(
        save,
        "due_offset_minutes",
        "whole number",
        actor=planner,
        plan=plan,
        data=data | {"due_offset_minutes": "soon"},
    )
    refused(save, "due_offset_minutes", "required", actor=planner, plan=plan, data={"title": "x"})
    refused(
        save,
        "title",
        "required",
        actor=planner,
        plan=plan,
        data={"title": "", "due_offset_minutes": 1},
    )
    refused(
        save,
        "owner_unit",
        "not both",
        actor=planner,
        plan=plan,
        data=data | {"duty": world.respond.pk, "owner_unit": world.office.pk},
    )
    refused(
        save,
        "duty",
        "for another phase",
        actor=planner,
        plan=plan,
        data=data | {"duty": world.recover.pk},
    )
    refused(
        save, "phase", "Unknown phase", actor=planner, plan=plan, data=data | {"phase": "panic"}
    )
    from resigrid.registers.models import Duty

    health = Duty.objects.create(
        hazard_class=HazardClass.PUBLIC_HEALTH, area=world.tree.street, lead_unit=world.office
    )
    refused(
        save, "duty", "No active duty", actor=planner, plan=plan, data=data | {"duty": health.pk}
    )
    assert TaskTemplate.objects.filter(plan=plan).count() == 5


def test_needs(world: World, planner: User) -> None:
    from resigrid.resources.models import Item

    plan, save = world.plan, parts.save_need
    food = Item.objects.create(code="F1", name="方便面", category="food", uom="箱")
    row = save(
        actor=planner,
        plan=plan,
        data={"item": food.pk, "per_thousand": "60", "level_factors": {"1": 2, "4": "0.5"}},
    )
    assert (row.per_thousand, row.level_factors) == (Decimal("60.00"), {"1": "2", "4": "0.5"})
    refused(
        save,
        "item",
        "already has a need",
        actor=planner,
        plan=plan,
        data={"item": world.water.pk, "per_thousand": "1"},
    )
    for bad, text in [
        ("0", "greater than 0"),
        ("-3", "greater than 0"),
        ("2000000", "at most 1000000"),
        ("1.234", "two decimal places"),
        ("NaN", "Enter a number"),
        ("x", "Enter a number"),
    ]:
        refused(
            save,
            "per_thousand",
            text,
            actor=planner,
            plan=plan,
            row=row,
            data={"per_thousand": bad},
        )
    refused(
        save,
        "level_factors",
        "Unknown response level",
        actor=planner,
        plan=plan,
        row=row,
        data={"level_factors": {"9": 1}},
    )
    refused(
        save,
        "level_factors",
        "from 0 to 100",
        actor=planner,
        plan=plan,
        row=row,
        data={"level_factors": {"1": 1000}},
    )
    refused(
        save,
        "item",
        "No such item",
        actor=planner,
        plan=plan,
        data={"item": 999999, "per_thousand": "1"},
    )
    row.refresh_from_db()
    assert row.per_thousand == Decimal("60.00")
    assert ResourceNeed.objects.filter(plan=plan).count() == 3


def test_bulletins(world: World, planner: User) -> None:
    plan, save = world.plan, parts.save_bulletin
    row = save(
        actor=planner,
        plan=plan,
        data={"title": "转移通知", "body": "{area}居民请于{time}前转移。{{注意}}"},
    )
    assert row.body.endswith("{{注意}}")
    refused(
        save,
        "body",
        "Unknown placeholder {name}",
        actor=planner,
        plan=plan,
        data={"title": "x", "body": "{name}你好"},
    )
    refused(
        save,
        "body",
        "Malformed placeholder",
        actor=planner,
        plan=plan,
        data={"title": "x", "body": "{area"},
    )
    refused(
        save,
        "body",
        "Malformed placeholder",
        actor=planner,
        plan=plan,
        data={"title": "x", "body": "{area!r}"},
    )
    refused(save, "body", "required", actor=planner, plan=plan, data={"title": "x", "body": " "})


def test_delete_and_permissions(
    world: World, planner: User, other_planner: User, grid_worker: User
) -> None:
    level = world.plan.levels.get(level="4")
    for user in (other_planner, grid_worker):
        with pytest.raises(PermissionDeniedError):
            parts.delete_part(actor=user, part=level)
        with pytest.raises(PermissionDeniedError):
            parts.save_level(actor=user, plan=world.plan, data={"level": "1", "criteria": "x"})
    parts.delete_part(actor=planner, part=level)
    assert list(world.plan.levels.values_list("level", flat=True)) == ["2"]


def test_revise_keeps_the_old_version_intact(world: World, planner: User) -> None:
    old = world.plan
    before = activation_for(old, ResponseLevel.II)
    incident = Incident.objects.create(
        title="暴雨",
        hazard_class="natural",
        area=world.tree.community1,
        level="2",
        plan=old,
        plan_level="2",
        opened_by=planner,
    )
    # The version the incident activated is frozen.
    with pytest.raises(ConflictError) as err:
        parts.save_task(actor=planner, plan=old, row=world.t_patrol, data={"due_offset_minutes": 5})
    assert err.value.state == "in_use"
    with pytest.raises(ConflictError):
        services.update_plan(actor=planner, plan=old, changes={"title": "新"})
    new = services.revise_plan(actor=planner, plan=old)
    old.refresh_from_db()
    assert (old.active, new.active, new.version, new.revised_from) == (False, True, 2, old)
    assert activation_for(new, ResponseLevel.II).tasks == before.tasks
    # Change the new version: the old one (and the incident's link) stay as they were.
    patrol = new.task_templates.get(title="巡查易涝点")
    parts.save_task(actor=planner, plan=new, row=patrol, data={"due_offset_minutes": 5})
    parts.save_need(
        actor=planner, plan=new, row=new.needs.get(item=world.water), data={"per_thousand": "10"}
    )
    parts.delete_part(actor=planner, part=new.levels.get(level="4"))
    assert activation_for(old, ResponseLevel.II) == before
    assert activation_for(new, ResponseLevel.II).tasks[0].due_offset_minutes == 5
    incident.refresh_from_db()
    assert incident.plan_id == old.pk
    # Only the active version can be revised or edited.
    with pytest.raises(ConflictError):
        services.revise_plan(actor=planner, plan=old)
    with pytest.raises(ConflictError) as err:
        parts.save_level(actor=planner, plan=old, data={"level": "1", "criteria": "x"})
    assert err.value.state == "inactive"
    assert Plan.objects.count() == 2
