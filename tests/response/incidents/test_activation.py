"""Plan activation: the roster and the tasks with their due times, re-activation at another
level without duplicates, and the unit tests of the roster/task creation from a spec."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.registers.choices import ResponseLevel
from resigrid.response.incidents import activate, services
from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
from resigrid.response.plans.activation import CommandRoleSpec, PlanActivation, TaskSpec
from tests.response.incidents.conftest import NOW, World, published_alert

pytestmark = pytest.mark.django_db


def _incident(world: World) -> Incident:
    return services.open_incident(actor=world.street, alert_id=published_alert(world.tree).pk)


def _roster(incident: Incident) -> list[tuple[str, str, int | None]]:
    return list(incident.roster.order_by("pk").values_list("role_code", "role_name", "unit_id"))


def _tasks(incident: Incident) -> list[tuple[str, str, int | None, dt.datetime | None, str]]:
    return list(
        IncidentTask.objects.filter(incident=incident)
        .order_by("pk")
        .values_list("title", "origin", "owner_unit_id", "due_at", "state")
    )


def test_activation_at_level_ii_creates_the_roster_and_the_tasks(world: World) -> None:
    incident = _incident(world)
    with time_machine.travel(NOW, tick=False):
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    incident.refresh_from_db()
    assert (incident.plan_id, incident.plan_level, incident.level, incident.activated_at) == (
        world.plan.pk,
        "2",
        "2",
        NOW,
    )
    assert _roster(incident) == [
        ("chief", "总指挥", None),
        ("rescue", "抢险救援组", world.team.pk),
        ("medical", "医疗救护组", None),
    ]
    minutes = dt.timedelta(minutes=1)
    assert _tasks(incident) == [
        ("巡查易涝点", "plan", world.team.pk, NOW + 30 * minutes, "open"),
        ("转移低洼住户", "plan", world.office.pk, NOW + 60 * minutes, "open"),
        ("发放沙袋", "plan", world.property1.pk, NOW + 90 * minutes, "open"),
    ]
    row = IncidentLog.objects.filter(incident=incident, action="plan_activated").get()
    task_ids = list(IncidentTask.objects.filter(incident=incident).values_list("pk", flat=True))
    assert (row.actor_id, row.note) == (world.street.pk, "橙色暴雨预警")
    assert row.data == {
        "plan": world.plan.pk,
        "plan_title": "防汛应急预案",
        "plan_version": 1,
        "level": "2",
        "from_level": "",
        "from_plan": None,
        "roles_created": ["chief", "rescue", "medical"],
        "tasks_created": sorted(task_ids),
    }
    assert IncidentLog.objects.filter(incident=incident, action="task_created").count() == 3


def test_lowering_the_level_adds_what_is_missing_and_duplicates_nothing(world: World) -> None:
    incident = _incident(world)
    with time_machine.travel(NOW, tick=False):
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    later = NOW + dt.timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="4"
        )
    assert [r[0] for r in _roster(incident)] == ["chief", "rescue", "medical", "watch"]
    tasks = _tasks(incident)
    assert [t[0] for t in tasks] == ["巡查易涝点", "转移低洼住户", "发放沙袋", "值守"]
    assert tasks[3][3] == later + dt.timedelta(minutes=15)
    row = IncidentLog.objects.filter(incident=incident, action="de_escalated").get()
    assert (row.data["from_level"], row.data["level"], row.data["roles_created"]) == (
        "2",
        "4",
        ["watch"],
    )
    # And back up to II: nothing new, logged as raised.
    with time_machine.travel(later + dt.timedelta(hours=1), tick=False):
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    assert len(_tasks(incident)) == 4
    assert incident.roster.count() == 4
    row = IncidentLog.objects.filter(incident=incident, action="escalated").get()
    assert (row.data["tasks_created"], row.data["roles_created"]) == ([], [])
    incident.refresh_from_db()
    assert (incident.plan_level, incident.level) == ("2", "2")


def test_same_plan_same_level_twice_is_a_conflict(world: World) -> None:
    incident = _incident(world)
    activate.activate_plan(
        actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
    )
    before = IncidentLog.objects.count()
    with pytest.raises(ConflictError) as err:
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    assert str(err.value.message) == (
        "The plan “防汛应急预案” is already activated at Level II (orange) for this incident."
    )
    assert IncidentLog.objects.count() == before


def test_a_level_the_plan_lacks_changes_nothing(world: World) -> None:
    incident = _incident(world)
    with pytest.raises(ValidationFailed) as err:
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="1"
        )
    assert err.value.field == "level"
    incident.refresh_from_db()
    assert (incident.plan_id, incident.plan_level, incident.level) == (None, "", "1")
    assert incident.roster.count() == 0
    assert IncidentTask.objects.count() == 0
    with pytest.raises(ValidationFailed) as err:
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="x"
        )
    assert err.value.field == "level"


def test_a_plan_of_another_area_or_inactive_is_refused(world: World) -> None:
    incident = services.open_incident(
        actor=world.street, title="内涝", area=world.tree.community2, level="3"
    )
    world.plan.area = world.tree.community1
    world.plan.save()
    with pytest.raises(ValidationFailed) as err:
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    assert err.value.field == "plan"
    assert IncidentTask.objects.count() == 0


def test_only_commanders_activate(world: World, department: User) -> None:
    incident = _incident(world)
    with pytest.raises(NotFoundError):  # a grid worker of grid 11 does not see the street's
        activate.activate_plan(
            actor=world.worker, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    with pytest.raises(PermissionDeniedError):  # the district department sees, not commands
        activate.activate_plan(
            actor=department, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    assert incident.roster.count() == 0


def test_apply_activation_from_a_spec(world: World) -> None:
    """The roster/task creation on its own, from a PlanActivation built by hand."""
    incident = _incident(world)
    spec = PlanActivation(
        plan_id=world.plan.pk,
        plan_title="防汛应急预案",
        plan_version=3,
        level=ResponseLevel.III,
        criteria="黄色预警",
        roles=(
            CommandRoleSpec(code="chief", name="总指挥", duties="统一指挥", unit_id=None),
            CommandRoleSpec(
                code="logistics", name="物资保障组", duties="", unit_id=world.office.pk
            ),
        ),
        tasks=(
            TaskSpec(
                title="开放避难场所",
                detail="东湖小学体育馆",
                owner_unit_id=world.property1.pk,
                due_offset_minutes=45,
                phase="respond",
            ),
        ),
        needs=(),
        bulletins=(),
    )
    with time_machine.travel(NOW, tick=False):
        made = activate.apply_activation(actor=world.street, incident=incident, spec=spec)
        again = activate.apply_activation(actor=world.street, incident=incident, spec=spec)
    task = IncidentTask.objects.get()
    assert made == {"roles_created": ["chief", "logistics"], "tasks_created": [task.pk]}
    assert again == {"roles_created": [], "tasks_created": []}
    assert (task.title, task.detail, task.owner_unit_id, task.due_at, task.plan_key) == (
        "开放避难场所",
        "东湖小学体育馆",
        world.property1.pk,
        NOW + dt.timedelta(minutes=45),
        f"{world.plan.pk}:开放避难场所",
    )
    assert list(incident.roster.values_list("role_code", "duties", "unit_id")) == [
        ("chief", "统一指挥", None),
        ("logistics", "", world.office.pk),
    ]


def test_seats_are_assigned_and_logged(world: World) -> None:
    incident = _incident(world)
    activate.activate_plan(
        actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
    )
    chief = incident.roster.get(role_code="chief")
    activate.assign_seat(actor=world.street, member_id=chief.pk, person=world.secretary)
    chief.refresh_from_db()
    assert chief.person_id == world.secretary.pk
    assert chief.assigned_at is not None
    activate.assign_seat(actor=world.street, member_id=chief.pk, person=world.street)
    rows = list(
        IncidentLog.objects.filter(incident=incident, action="seat_assigned").values_list(
            "note", flat=True
        )
    )
    assert rows == ["总指挥: 书记丙", "总指挥: 街道戊"]
    with pytest.raises(NotFoundError):
        activate.assign_seat(actor=world.worker, member_id=chief.pk, person=None)
