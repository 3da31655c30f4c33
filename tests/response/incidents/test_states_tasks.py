"""The state machine, task actions and decisions: each move logged, invalid moves refused with
nothing written."""

from __future__ import annotations

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.response.incidents import activate, services, task_actions, workflow
from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
from tests.response.incidents.conftest import World, published_alert

pytestmark = pytest.mark.django_db


def _activated(world: World) -> Incident:
    incident = services.open_incident(actor=world.street, alert_id=published_alert(world.tree).pk)
    activate.activate_plan(
        actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
    )
    return incident


def _actions(incident: Incident) -> list[str]:
    return list(IncidentLog.objects.filter(incident=incident).values_list("action", flat=True))


def test_workflow_table() -> None:
    assert workflow.moves("active") == ["stabilise"]
    assert workflow.moves("stabilised") == ["flare_up", "recover"]
    assert workflow.moves("recovery") == ["close"]
    assert workflow.moves("closed") == []
    assert workflow.next_state("active", "close") is None
    assert workflow.severity("1") == 4
    assert workflow.severity("4") == 1


def test_the_full_life_of_an_incident(world: World) -> None:
    incident = _activated(world)
    for action in ("stabilise", "flare_up", "stabilise", "recover"):
        services.transition(actor=world.street, incident_id=incident.pk, action=action)
    incident.refresh_from_db()
    assert incident.state == "recovery"
    # Three plan tasks still open: closing needs a note.
    with pytest.raises(ValidationFailed) as err:
        services.transition(actor=world.street, incident_id=incident.pk, action="close")
    assert err.value.field == "note"
    assert str(err.value.message).startswith("3 task(s) from the plan are still open")
    incident.refresh_from_db()
    assert incident.state == "recovery"
    services.transition(
        actor=world.street, incident_id=incident.pk, action="close", note="转入常态管理"
    )
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert incident.closed_at is not None
    assert list(IncidentTask.objects.order_by().values_list("state", "outcome").distinct()) == [
        ("cancelled", "转入常态管理")
    ]
    assert _actions(incident)[-5:] == ["stabilise", "flare_up", "stabilise", "recover", "close"]
    close = IncidentLog.objects.get(incident=incident, action="close")
    assert (
        close.note,
        close.data["from"],
        close.data["to"],
        len(close.data["tasks_cancelled"]),
    ) == (
        "转入常态管理",
        "recovery",
        "closed",
        3,
    )


def test_closing_without_open_plan_tasks_needs_no_note(world: World) -> None:
    incident = _activated(world)
    for task in IncidentTask.objects.all():
        task_actions.complete_task(actor=world.street, task_id=task.pk, outcome="完成")
    for action in ("stabilise", "recover", "close"):
        services.transition(actor=world.street, incident_id=incident.pk, action=action)
    incident.refresh_from_db()
    assert incident.state == "closed"


@pytest.mark.parametrize("action", ["close", "recover", "flare_up", "explode"])
def test_invalid_moves_are_conflicts(world: World, action: str) -> None:
    incident = _activated(world)
    before = IncidentLog.objects.count()
    with pytest.raises(ConflictError) as err:
        services.transition(actor=world.street, incident_id=incident.pk, action=action)
    assert str(err.value.message) == f"An incident that is “Active” cannot do “{action}”."
    assert err.value.state == "active"
    assert IncidentLog.objects.count() == before


def test_a_closed_incident_takes_no_more_decisions(world: World) -> None:
    incident = _activated(world)
    for action in ("stabilise", "recover"):
        services.transition(actor=world.street, incident_id=incident.pk, action=action)
    services.transition(actor=world.street, incident_id=incident.pk, action="close", note="结束")
    with pytest.raises(ConflictError):
        services.decide(actor=world.street, incident_id=incident.pk, what="再开会")
    with pytest.raises(ConflictError):
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="4"
        )


def test_task_actions_are_logged(world: World) -> None:
    incident = _activated(world)
    patrol, evacuate, sandbags = IncidentTask.objects.order_by("pk")
    task_actions.assign_task(actor=world.street, task_id=patrol.pk, assignee=world.worker)
    # The assignee completes their own task (without command rights).
    task_actions.complete_task(actor=world.worker, task_id=patrol.pk, outcome="3处积水已报")
    task_actions.cancel_task(actor=world.street, task_id=sandbags.pk, note="沙袋已由区里发放")
    patrol.refresh_from_db()
    sandbags.refresh_from_db()
    assert (patrol.state, patrol.outcome, patrol.assignee_id) == (
        "done",
        "3处积水已报",
        world.worker.pk,
    )
    assert patrol.done_at is not None
    assert (sandbags.state, sandbags.outcome) == ("cancelled", "沙袋已由区里发放")
    rows = list(
        IncidentLog.objects.filter(incident=incident, action__startswith="task_")
        .exclude(action="task_created")
        .values_list("action", "actor_id", "data")
    )
    assert rows == [
        (
            "task_assigned",
            world.street.pk,
            {
                "task": patrol.pk,
                "before": {"assignee": None, "unit": world.team.pk},
                "assignee": world.worker.pk,
                "unit": world.team.pk,
            },
        ),
        ("task_done", world.worker.pk, {"task": patrol.pk, "title": "巡查易涝点"}),
        ("task_cancelled", world.street.pk, {"task": sandbags.pk, "title": "发放沙袋"}),
    ]
    # A finished task cannot move again; nothing written.
    before = IncidentLog.objects.count()
    with pytest.raises(ConflictError):
        task_actions.complete_task(actor=world.street, task_id=patrol.pk, outcome="again")
    with pytest.raises(ConflictError):
        task_actions.cancel_task(actor=world.street, task_id=sandbags.pk, note="again")
    assert IncidentLog.objects.count() == before
    evacuate.refresh_from_db()
    assert evacuate.state == "open"


def test_task_actions_check_rights_and_input(
    world: World, outsider: User, department: User
) -> None:
    _activated(world)
    task = IncidentTask.objects.order_by("pk").first()
    assert task is not None
    with pytest.raises(ValidationFailed) as err:
        task_actions.complete_task(actor=world.street, task_id=task.pk, outcome="   ")
    assert err.value.field == "outcome"
    with pytest.raises(ValidationFailed) as err:
        task_actions.cancel_task(actor=world.street, task_id=task.pk, note="")
    assert err.value.field == "note"
    with pytest.raises(NotFoundError):
        task_actions.complete_task(actor=outsider, task_id=task.pk, outcome="x")
    with pytest.raises(PermissionDeniedError):
        task_actions.complete_task(actor=department, task_id=task.pk, outcome="x")
    with pytest.raises(NotFoundError):
        task_actions.complete_task(actor=world.street, task_id=999999, outcome="x")
    task.refresh_from_db()
    assert task.state == "open"


def test_add_task_by_command(world: World) -> None:
    incident = _activated(world)
    task = task_actions.add_task(
        actor=world.street,
        incident_id=incident.pk,
        title="抽排3号车库",
        area=world.tree.grid11,
        owner_unit=world.property1,
    )
    assert (task.origin, task.area_id, task.owner_unit_id, task.state) == (
        "command",
        world.tree.grid11.pk,
        world.property1.pk,
        "open",
    )
    outside = services.open_incident(
        actor=world.street, title="西湖积水", area=world.tree.community2
    )
    with pytest.raises(ValidationFailed) as err:
        task_actions.add_task(
            actor=world.street, incident_id=outside.pk, title="x", area=world.tree.grid11
        )
    assert err.value.field == "area"


def test_decisions_are_logged_with_who_what_why(world: World) -> None:
    incident = _activated(world)
    row = services.decide(
        actor=world.street,
        incident_id=incident.pk,
        what="关闭东湖地下车库",
        why="水位超过30厘米",
    )
    assert (row.action, row.actor_id, row.note, row.data) == (
        "decision",
        world.street.pk,
        "关闭东湖地下车库",
        {"why": "水位超过30厘米"},
    )
    before = IncidentLog.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.decide(actor=world.street, incident_id=incident.pk, what=" ")
    assert err.value.field == "what"
    with pytest.raises(ValidationFailed):
        services.decide(actor=world.street, incident_id=incident.pk, what="x" * 4001)
    with pytest.raises(NotFoundError):
        services.decide(actor=world.worker, incident_id=incident.pk, what="越权")
    assert IncidentLog.objects.count() == before
