"""Sweep services: the snapshot, scope, outcomes and what each one opens, idempotency, the
per-grid counts and the overdue escalation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.notify.models import Delivery, Message
from resigrid.people.models import Person
from resigrid.response.incidents.models import IncidentLog, IncidentTask, TaskOrigin
from resigrid.response.sweeps import reads, services, summary
from resigrid.response.sweeps.models import Sweep, SweepAttempt, SweepContact
from tests.factories import Tree
from tests.response.sweeps.conftest import Area1

NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)


def start(area1: Area1, actor: User, **kw: object) -> Sweep:
    return services.start_sweep(
        actor=actor,
        incident=area1.incident,
        area=kw.pop("area", area1.tree.community1),  # type: ignore[arg-type]
        deadline=kw.pop("deadline", timezone.now() + dt.timedelta(hours=4)),  # type: ignore[arg-type]
    )


def contact(sweep: Sweep, person: Person) -> SweepContact:
    return SweepContact.objects.select_related("grid", "sweep").get(sweep=sweep, person=person)


@pytest.fixture
def sweep(area1: Area1, community_admin: User, grid_worker: User, carer_user: User) -> Sweep:
    return start(area1, community_admin)


def test_start_snapshots_exactly_the_current_vulnerable_persons(
    sweep: Sweep, area1: Area1, grid_worker: User, carer_user: User
) -> None:
    rows = {
        c.person_id: (c.grid_id, c.assigned_to_id, c.outcome)
        for c in SweepContact.objects.filter(sweep=sweep)
    }
    assert rows == {
        area1.a.pk: (area1.tree.grid11.pk, grid_worker.pk, ""),
        area1.b.pk: (area1.tree.grid11.pk, carer_user.pk, ""),  # the paired carer first
        area1.c.pk: (area1.tree.grid12.pk, None, ""),  # no grid worker on grid 12
    }
    log = IncidentLog.objects.get(incident=area1.incident, action="sweep_started")
    assert log.data["persons"] == 3 and log.data["sweep"] == sweep.pk


def test_start_refuses_bad_input_and_writes_nothing(
    area1: Area1, community_admin: User, grid_worker: User, outsider: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        start(area1, grid_worker)  # a grid worker sweeps their grid, not the community
    with pytest.raises(PermissionDeniedError):
        start(area1, outsider)
    with pytest.raises(ValidationFailed) as exc:
        start(area1, community_admin, deadline=timezone.now() - dt.timedelta(minutes=1))
    assert exc.value.field == "deadline"
    with pytest.raises(ValidationFailed) as exc:
        start(area1, community_admin, deadline=timezone.now() + dt.timedelta(days=8))
    assert exc.value.field == "deadline"
    with pytest.raises((ValidationFailed, PermissionDeniedError)):
        start(area1, community_admin, area=area1.tree.grid21)  # outside the incident's area
    assert Sweep.objects.count() == 0 and SweepContact.objects.count() == 0


def test_a_second_overlapping_open_sweep_is_a_conflict(
    area1: Area1, community_admin: User, grid_worker: User
) -> None:
    start(area1, community_admin)
    with pytest.raises(ConflictError):
        start(area1, community_admin)
    with pytest.raises(ConflictError):
        start(area1, grid_worker, area=area1.tree.grid11)  # inside the open one
    assert Sweep.objects.count() == 1


def test_grid_worker_may_sweep_their_own_grid(area1: Area1, grid_worker: User) -> None:
    sweep = start(area1, grid_worker, area=area1.tree.grid11)
    assert set(sweep.contacts.values_list("person_id", flat=True)) == {area1.a.pk, area1.b.pk}


def test_scope_of_the_contact_list(
    sweep: Sweep,
    area1: Area1,
    grid_worker: User,
    community_admin: User,
    street_admin: User,
    outsider: User,
) -> None:
    def names(user: User) -> set[str]:
        return set(reads.contacts_for(user, sweep).values_list("person__name", flat=True))

    assert names(grid_worker) == {"张奶奶", "李爷爷"}
    assert names(community_admin) == {"张奶奶", "李爷爷", "赵阿姨"}
    assert names(street_admin) == set()  # counts only above the community
    assert names(outsider) == set()


def test_safe_records_an_attempt_and_opens_nothing(
    sweep: Sweep, area1: Area1, grid_worker: User
) -> None:
    c = services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="safe", method="visit"
    )
    assert (c.outcome, c.method, c.by_id, c.attempts) == ("safe", "visit", grid_worker.pk, 1)
    assert c.at is not None
    assert SweepAttempt.objects.filter(contact=c).count() == 1
    assert IncidentTask.objects.count() == 0 and Message.objects.count() == 0


def test_needs_help_opens_one_task_without_health_details(
    sweep: Sweep, area1: Area1, grid_worker: User
) -> None:
    c = services.record_outcome(
        actor=grid_worker,
        contact=contact(sweep, area1.a),
        outcome="needs_help",
        method="phone",
        note="药快吃完了",
        key="k1",
    )
    task = IncidentTask.objects.get()
    assert c.help_task_id == task.pk
    assert (task.origin, task.area_id, task.incident_id, task.state) == (
        TaskOrigin.SWEEP,
        area1.tree.grid11.pk,
        area1.incident.pk,
        "open",
    )
    assert "张奶奶" in task.detail and "药快吃完了" in task.detail and "1号楼 101" in task.detail
    assert "Oxygen" in task.detail or "氧" in task.detail
    assert "心衰" not in task.detail  # no health notes
    assert "chronic" not in task.detail.lower() and "Chronic" not in task.detail
    # The same tap again (same key) records nothing more.
    again = services.record_outcome(
        actor=grid_worker,
        contact=contact(sweep, area1.a),
        outcome="needs_help",
        method="phone",
        note="药快吃完了",
        key="k1",
    )
    assert again.attempts == 1
    assert SweepAttempt.objects.count() == 1 and IncidentTask.objects.count() == 1
    # A later attempt that still needs help keeps the one open task.
    services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="needs_help", method="visit"
    )
    assert SweepAttempt.objects.count() == 2 and IncidentTask.objects.count() == 1


def test_unreachable_escalates_to_the_community_once(
    sweep: Sweep, area1: Area1, grid_worker: User, community_admin: User
) -> None:
    services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="unreachable", method="phone"
    )
    task = IncidentTask.objects.get()
    assert task.area_id == area1.tree.community1.pk and task.origin == TaskOrigin.SWEEP
    message = Message.objects.get()
    assert message.topic == "sweep.unreachable"
    assert list(
        Delivery.objects.filter(message=message, channel="inbox").values_list("user_id", flat=True)
    ) == [community_admin.pk]
    # A second attempt later, still unreachable: history grows, no second escalation.
    c = services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="unreachable", method="visit"
    )
    assert c.attempts == 2
    assert list(SweepAttempt.objects.filter(contact=c).values_list("method", flat=True)) == [
        "phone",
        "visit",
    ]
    assert IncidentTask.objects.count() == 1 and Message.objects.count() == 1


def test_changing_to_safe_is_logged_and_closes_nothing(
    sweep: Sweep, area1: Area1, grid_worker: User
) -> None:
    services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="needs_help", method="visit"
    )
    c = services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="safe", method="phone"
    )
    assert c.outcome == "safe"
    assert IncidentTask.objects.get().state == "open"
    log = IncidentLog.objects.get(action="sweep_outcome_changed")
    assert (log.data["from"], log.data["to"], log.actor_id) == (
        "needs_help",
        "safe",
        grid_worker.pk,
    )


def test_record_refusals(
    sweep: Sweep, area1: Area1, grid_worker: User, community_admin: User, outsider: User
) -> None:
    other_grid = contact(sweep, area1.c)
    with pytest.raises(PermissionDeniedError):
        services.record_outcome(
            actor=grid_worker, contact=other_grid, outcome="safe", method="visit"
        )
    with pytest.raises(PermissionDeniedError):
        services.record_outcome(actor=outsider, contact=other_grid, outcome="safe", method="visit")
    with pytest.raises(ValidationFailed) as exc:
        services.record_outcome(
            actor=community_admin, contact=other_grid, outcome="fine", method="visit"
        )
    assert exc.value.field == "outcome"
    with pytest.raises(ValidationFailed) as exc:
        services.record_outcome(
            actor=community_admin, contact=other_grid, outcome="safe", method="letter"
        )
    assert exc.value.field == "method"
    with pytest.raises(ValidationFailed) as exc:
        services.record_outcome(
            actor=community_admin,
            contact=other_grid,
            outcome="safe",
            method="visit",
            note="x" * 2001,
        )
    assert exc.value.field == "note"
    services.close_sweep(actor=community_admin, sweep=sweep)
    with pytest.raises(ConflictError):
        services.record_outcome(
            actor=community_admin, contact=other_grid, outcome="safe", method="visit"
        )
    assert SweepAttempt.objects.count() == 0


def test_per_grid_counts_are_exact(
    sweep: Sweep, area1: Area1, grid_worker: User, community_admin: User, tree: Tree
) -> None:
    services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.a), outcome="needs_help", method="visit"
    )
    services.record_outcome(
        actor=grid_worker, contact=contact(sweep, area1.b), outcome="unreachable", method="phone"
    )
    got = summary.for_incident(area1.incident)
    assert (got.persons, got.contacted, got.safe, got.needs_help, got.unreachable) == (
        3,
        2,
        0,
        1,
        1,
    )
    assert got.overdue is False
    assert got.by_grid == (
        summary.GridProgress(tree.grid11.pk, "东湖一网格", 2, 2, 1, 1),
        summary.GridProgress(tree.grid12.pk, "东湖二网格", 1, 0, 0, 0),
    )


def test_summary_without_sweep_is_empty(area1: Area1) -> None:
    got = summary.for_incident(area1.incident)
    assert got == summary.SweepSummary(0, 0, 0, 0, 0, False, ())


def test_overdue_is_escalated_once_per_grid(
    area1: Area1, community_admin: User, grid_worker: User, tree: Tree
) -> None:
    with time_machine.travel(NOW, tick=False):
        sweep = start(area1, community_admin, deadline=NOW + dt.timedelta(hours=2))
        services.record_outcome(
            actor=grid_worker, contact=contact(sweep, area1.a), outcome="safe", method="visit"
        )
        assert services.escalate_all_overdue() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=2, minutes=1), tick=False):
        assert summary.for_incident(area1.incident).overdue is True
        assert services.escalate_all_overdue() == 2  # grid 11 (李爷爷) and grid 12 (赵阿姨)
        assert services.escalate_all_overdue() == 0
        sweep.refresh_from_db()
        assert services.escalate_overdue(sweep=sweep) == 0
    tasks = IncidentTask.objects.order_by("area__code")
    assert [(t.area_id, t.origin) for t in tasks] == [
        (tree.grid11.pk, TaskOrigin.SWEEP),
        (tree.grid12.pk, TaskOrigin.SWEEP),
    ]
    assert "1" in tasks[0].title
    assert IncidentLog.objects.filter(action="sweep_overdue").count() == 1
    grid11_message = Message.objects.get(source=f"incidents.incidenttask:{tasks[0].pk}")
    assert set(
        Delivery.objects.filter(message=grid11_message, channel="inbox").values_list(
            "user_id", flat=True
        )
    ) == {community_admin.pk, grid_worker.pk}


def test_the_sweeps_sweep_command_escalates_overdue_sweeps(
    area1: Area1, community_admin: User, grid_worker: User, tree: Tree
) -> None:
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(NOW, tick=False):
        start(area1, community_admin, deadline=NOW + dt.timedelta(hours=2))
    out = StringIO()
    with time_machine.travel(NOW + dt.timedelta(hours=2, minutes=1), tick=False):
        call_command("sweeps_sweep", stdout=out)
        call_command("sweeps_sweep", stdout=out)
    assert out.getvalue().split() == ["escalation_tasks=2", "escalation_tasks=0"]
