"""Services: rights, bad input named by field, nothing written when refused, a log row for each
change."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.registers import services
from resigrid.registers.choices import Phase
from resigrid.registers.models import Category, Deadline, Duty, DutyQuerySet, RegisterChange
from resigrid.registers.reads import StageMinutes
from tests.registers.conftest import Registers, changes


def refused(field: str, call: Any, **kwargs: Any) -> str:
    """Run a service expecting ValidationFailed on `field`; returns the message."""
    before = (Category.objects.count(), Deadline.objects.count(), Duty.objects.count(), changes())
    with pytest.raises(ValidationFailed) as info:
        call(**kwargs)
    assert info.value.field == field, info.value.message
    assert list(info.value.errors) == [field]
    after = (Category.objects.count(), Deadline.objects.count(), Duty.objects.count(), changes())
    assert after == before
    return str(info.value.message)


# Categories ---------------------------------------------------------------------------------


def test_create_category_writes_a_log_row(reg: Registers, district_editor: User) -> None:
    c = services.create_category(
        actor=district_editor, code=" 01.03 ", name=" 道路不洁 ", kind="event", parent=reg.c01
    )
    assert (c.code, c.name, c.parent, c.active) == ("01.03", "道路不洁", reg.c01, True)
    log = RegisterChange.objects.get()
    assert (log.subject, log.action, log.actor, log.object_id) == (
        "category",
        "created",
        district_editor,
        c.pk,
    )
    assert log.changes == {"code": "01.03", "name": "道路不洁", "kind": "event", "parent": "01"}


@pytest.mark.parametrize(
    ("code", "parent", "kind", "field", "message"),
    [
        ("01.01", "c01", "event", "code", "A category with the code 01.01 already exists."),
        ("1.3", "c01", "event", "code", None),
        ("01.03.04.05", "c01", "event", "code", None),
        ("01.00", "c01", "event", "code", "No level of a category code may be 00."),
        ("02.05", "c01", "event", "parent", "The parent of 02.05 must be 02, not 01."),
        ("01.03", None, "event", "parent", "The category 01.03 belongs under 01."),
        (
            "07",
            "c01",
            "event",
            "parent",
            "07 is a top-level code; it cannot have a parent category.",
        ),
        (
            "01.03",
            "c01",
            "facility",
            "kind",
            "A subcategory has the kind of its parent (Event (事件)).",
        ),
        ("01.03", "c01", "thing", "kind", "Unknown kind of category: thing."),
    ],
)
def test_create_category_bad_input(
    reg: Registers,
    district_editor: User,
    code: str,
    parent: str | None,
    kind: str,
    field: str,
    message: str | None,
) -> None:
    msg = refused(
        field,
        services.create_category,
        actor=district_editor,
        code=code,
        name="名称",
        kind=kind,
        parent=getattr(reg, parent) if parent else None,
    )
    if message:
        assert msg == message


def test_category_name_required_and_inactive_parent(reg: Registers, district_editor: User) -> None:
    call = services.create_category
    refused("name", call, actor=district_editor, code="03", name="  ", kind="event")
    Category.objects.filter(pk=reg.c02.pk).update(active=False)
    msg = refused(
        "parent",
        call,
        actor=district_editor,
        code="02.02",
        name="x",
        kind="facility",
        parent=reg.c02,
    )
    assert msg == "The parent category 02 is inactive."


@pytest.mark.parametrize("persona", ["street_admin", "community_admin", "department", "outsider"])
def test_only_editors_of_the_whole_tree_change_categories(
    reg: Registers, request: pytest.FixtureRequest, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        services.create_category(actor=user, code="03", name="街面秩序", kind="event")
    with pytest.raises(PermissionDeniedError):
        services.update_category(actor=user, category=reg.c01, changes={"name": "x"})
    with pytest.raises(PermissionDeniedError):
        services.deactivate_category(actor=user, category=reg.c0101)
    with pytest.raises(PermissionDeniedError):
        services.set_deadline(
            actor=user,
            category=reg.c01,
            priority="urgent",
            accept_minutes=1,
            dispatch_minutes=1,
            handle_minutes=1,
            verify_minutes=1,
        )
    assert (Category.objects.count(), Deadline.objects.count(), changes()) == (5, 0, 0)
    assert Category.objects.get(pk=reg.c01.pk).name == "市容环境"


def test_update_category(reg: Registers, district_editor: User) -> None:
    update = services.update_category
    c = update(actor=district_editor, category=reg.c0102, changes={"code": "01.05", "name": "乱堆"})
    assert (c.code, c.name) == ("01.05", "乱堆")
    assert RegisterChange.objects.get().changes == {
        "code": ["01.02", "01.05"],
        "name": ["乱堆物料", "乱堆"],
    }
    msg = refused("code", update, actor=district_editor, category=reg.c01, changes={"code": "09"})
    assert msg == "A category with subcategories keeps its code."
    msg = refused(
        "code", update, actor=district_editor, category=reg.c0101, changes={"code": "01.05"}
    )
    assert msg == "A category with the code 01.05 already exists."
    msg = refused(
        "parent",
        update,
        actor=district_editor,
        category=reg.c01,
        changes={"code": "01.01.01", "parent": reg.c0101},
    )
    assert msg == "A category cannot be placed under itself or its subcategories."
    refused("colour", update, actor=district_editor, category=reg.c01, changes={"colour": "red"})
    # Moving a leaf to another top category: new code and parent together.
    c = update(
        actor=district_editor,
        category=reg.c0101,
        changes={"code": "02.09", "parent": reg.c02, "kind": "facility"},
    )
    assert (c.code, c.parent, c.kind) == ("02.09", reg.c02, "facility")


def test_new_kind_of_a_top_category_passes_to_its_subtree(
    reg: Registers, district_editor: User
) -> None:
    services.update_category(actor=district_editor, category=reg.c01, changes={"kind": "facility"})
    kinds = dict(Category.objects.values_list("code", "kind"))
    assert kinds == {
        "01": "facility",
        "01.01": "facility",
        "01.02": "facility",
        "02": "facility",
        "02.01": "facility",
    }
    refused(
        "kind",
        services.update_category,
        actor=district_editor,
        category=reg.c0101,
        changes={"kind": "event"},
    )


def test_deactivate_and_reactivate(reg: Registers, district_editor: User) -> None:
    msg = refused("active", services.deactivate_category, actor=district_editor, category=reg.c01)
    assert msg == "Deactivate its active subcategories first: 01.01, 01.02."
    for c in (reg.c0101, reg.c0102, reg.c01):
        services.deactivate_category(actor=district_editor, category=c)
    assert not Category.objects.filter(code__startswith="01", active=True).exists()
    services.deactivate_category(actor=district_editor, category=reg.c01)  # no change, no log
    assert changes() == 3
    msg = refused("parent", services.reactivate_category, actor=district_editor, category=reg.c0101)
    assert msg == "The parent category 01 is inactive."
    services.reactivate_category(actor=district_editor, category=reg.c01)
    services.reactivate_category(actor=district_editor, category=reg.c0101)
    assert list(Category.objects.active().values_list("code", flat=True)) == [
        "01",
        "01.01",
        "02",
        "02.01",
    ]
    assert list(Category.objects.leaves().values_list("code", flat=True)) == ["01.01", "02.01"]


# Time limits --------------------------------------------------------------------------------


def test_set_and_clear_deadlines(reg: Registers, district_editor: User) -> None:
    row = services.set_deadline(
        actor=district_editor,
        category=reg.c01,
        priority="urgent",
        accept_minutes=10,
        dispatch_minutes=20,
        handle_minutes=120,
        verify_minutes=60,
    )
    assert (row.accept_minutes, row.handle_minutes) == (10, 120)
    services.set_deadlines(
        actor=district_editor,
        category=reg.c01,
        limits={"urgent": StageMinutes(10, 20, 90, 60), "high": StageMinutes(1, 2, 3, 4)},
    )
    assert sorted(Deadline.objects.values_list("priority", "handle_minutes")) == [
        ("high", 3),
        ("urgent", 90),
    ]
    assert RegisterChange.objects.order_by("pk").last().changes == {  # type: ignore[union-attr]
        "urgent": [[10, 20, 120, 60], [10, 20, 90, 60]],
        "high": [None, [1, 2, 3, 4]],
    }
    services.clear_deadline(actor=district_editor, category=reg.c01, priority="high")
    assert list(Deadline.objects.values_list("priority", flat=True)) == ["urgent"]
    assert changes() == 3


@pytest.mark.parametrize(
    ("minutes", "field", "message"),
    [
        ((0, 1, 1, 1), "accept_minutes", "The time allowed must be at least one minute."),
        ((1, -5, 1, 1), "dispatch_minutes", "The time allowed must be at least one minute."),
        ((1, 1, 10**9, 1), "handle_minutes", "The time allowed must not exceed 366 days."),
    ],
)
def test_bad_minutes(
    reg: Registers,
    district_editor: User,
    minutes: tuple[int, int, int, int],
    field: str,
    message: str,
) -> None:
    a, d, h, v = minutes
    kwargs = {"accept_minutes": a, "dispatch_minutes": d, "handle_minutes": h, "verify_minutes": v}
    msg = refused(
        field,
        services.set_deadline,
        actor=district_editor,
        category=reg.c01,
        priority="urgent",
        **kwargs,
    )
    assert msg == message


def test_bad_priority_and_batch_field_names(reg: Registers, district_editor: User) -> None:
    refused(
        "priority",
        services.set_deadlines,
        actor=district_editor,
        category=reg.c01,
        limits={"someday": StageMinutes(1, 1, 1, 1)},
    )
    # One bad value in a batch: nothing of the batch is written.
    refused(
        "normal.verify",
        services.set_deadlines,
        actor=district_editor,
        category=reg.c01,
        limits={"urgent": StageMinutes(1, 1, 1, 1), "normal": StageMinutes(1, 1, 1, 0)},
    )


# Duties -------------------------------------------------------------------------------------


def test_street_admin_sets_a_duty_in_a_community(reg: Registers, street_admin: User) -> None:
    duty = services.create_duty(
        actor=street_admin,
        category=reg.c01,
        area=reg.tree.community1,
        lead_unit=reg.property1,
        support_units=[reg.team, reg.city, reg.team],
        tasks=" 清理 ",
    )
    assert (duty.lead_unit, duty.phase, duty.tasks) == (reg.property1, "respond", "清理")
    assert list(duty.support_units.order_by("pk")) == [reg.city, reg.team]
    log = RegisterChange.objects.get()
    assert (log.subject, log.action, log.area, log.actor) == (
        "duty",
        "created",
        reg.tree.community1,
        street_admin,
    )
    assert log.changes["support_units"] == ["街道执法队", "区城管局"]


def test_duty_bad_input(reg: Registers, street_admin: User) -> None:
    t = reg.tree
    base: dict[str, Any] = {
        "actor": street_admin,
        "category": reg.c01,
        "area": t.community1,
        "lead_unit": reg.property1,
    }
    msg = refused("support_units", services.create_duty, **base, support_units=[reg.property1])
    assert msg == "The lead unit 东湖物业 cannot also be a support unit."
    msg = refused("lead_unit", services.create_duty, **(base | {"lead_unit": reg.far}))
    assert msg == "光明执法队 works in 光明街道, which is neither 东湖社区 nor above or below it."
    # A unit of the neighbouring community is neither above nor below community 1.
    refused("support_units", services.create_duty, **base, support_units=[reg.property2])
    refused("phase", services.create_duty, **base, phase="someday")
    refused("tasks", services.create_duty, **base, tasks="x" * 4001)
    Category.objects.filter(pk=reg.c02.pk).update(active=False)
    refused("category", services.create_duty, **(base | {"category": reg.c02}))
    services.create_duty(**base)
    msg = refused("category", services.create_duty, **(base | {"lead_unit": reg.team}))
    assert msg == (
        "东湖社区 already has an active duty for 01 市容环境 in the Respond phase; "
        "change that one or deactivate it first."
    )
    # Another phase is another rule.
    services.create_duty(**base, phase=Phase.PREVENT)
    assert Duty.objects.count() == 2


def test_a_concurrent_duplicate_is_caught_by_the_constraint(
    reg: Registers, street_admin: User
) -> None:
    base: dict[str, Any] = {"actor": street_admin, "category": reg.c01, "area": reg.tree.street}
    services.create_duty(**base, lead_unit=reg.team)
    # As if another request had written the rule between our check and our insert.
    with mock.patch.object(DutyQuerySet, "active", lambda self: self.none()):
        refused("category", services.create_duty, **base, lead_unit=reg.city)
    assert Duty.objects.get().lead_unit == reg.team


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker", "department", "outsider"])
def test_without_edit_duties_nothing_is_written(
    reg: Registers, request: pytest.FixtureRequest, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        services.create_duty(
            actor=user, category=reg.c01, area=reg.tree.community1, lead_unit=reg.property1
        )
    assert (Duty.objects.count(), changes()) == (0, 0)


def test_outside_the_street_admins_scope_nothing_is_written(
    reg: Registers, street_admin: User
) -> None:
    for area, lead in ((reg.street2, reg.far), (reg.tree.district, reg.city)):
        with pytest.raises(PermissionDeniedError) as info:
            services.create_duty(actor=street_admin, category=reg.c01, area=area, lead_unit=lead)
        assert str(info.value.message).startswith("You may not change the responsibility list")
    duty = reg.duty(reg.c01, reg.street2, reg.far)
    with pytest.raises(PermissionDeniedError):
        services.update_duty(actor=street_admin, duty=duty, changes={"tasks": "x"})
    with pytest.raises(PermissionDeniedError):
        services.deactivate_duty(actor=street_admin, duty=duty)
    assert (Duty.objects.get().tasks, Duty.objects.get().active, changes()) == ("", True, 0)


def test_update_deactivate_reactivate_duty(reg: Registers, street_admin: User) -> None:
    t = reg.tree
    duty = reg.duty(reg.c01, t.street, reg.team, [reg.city])
    services.update_duty(
        actor=street_admin,
        duty=duty,
        changes={"lead_unit": reg.city, "support_units": [reg.team], "tasks": "新"},
    )
    duty.refresh_from_db()
    assert (duty.lead_unit, list(duty.support_units.all()), duty.tasks) == (
        reg.city,
        [reg.team],
        "新",
    )
    assert RegisterChange.objects.get().changes == {
        "lead_unit": ["街道执法队", "区城管局"],
        "support_units": [["区城管局"], ["街道执法队"]],
        "tasks": ["", "新"],
    }
    refused("support_units", services.update_duty, actor=street_admin, duty=duty,
            changes={"support_units": [reg.city]})  # fmt: skip
    refused("area", services.update_duty, actor=street_admin, duty=duty, changes={"area": t.grid11})
    services.deactivate_duty(actor=street_admin, duty=duty, reason="调整")
    newer = reg.duty(reg.c01, t.street, reg.team)
    msg = refused("category", services.reactivate_duty, actor=street_admin, duty=duty)
    assert msg.startswith("和平街道 already has an active duty for 01 市容环境")
    refused("active", services.update_duty, actor=street_admin, duty=duty, changes={"tasks": "x"})
    services.deactivate_duty(actor=street_admin, duty=newer)
    services.reactivate_duty(actor=street_admin, duty=duty)
    assert list(Duty.objects.active()) == [duty]
    assert list(RegisterChange.objects.order_by("pk").values_list("action", flat=True)) == [
        "updated",
        "deactivated",
        "deactivated",
        "reactivated",
    ]
    assert RegisterChange.objects.filter(action="deactivated").order_by("pk").first().changes == {  # type: ignore[union-attr]
        "active": [True, False],
        "reason": "调整",
    }
