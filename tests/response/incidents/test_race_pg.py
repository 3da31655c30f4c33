"""Two commanders activate the plan at the same moment on PostgreSQL: one wins, the other gets
a conflict, the tasks exist once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError
from resigrid.response.incidents import activate, services
from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
from tests.response.incidents.conftest import World, published_alert

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    out: list[Any] = []
    lock = threading.Lock()

    def work(call: Any) -> None:
        try:
            barrier.wait(timeout=10)
            result: Any = call()
        except Exception as exc:  # reported to the test
            result = exc
        finally:
            connections.close_all()
        with lock:
            out.append(result)

    threads = [threading.Thread(target=work, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return out


def test_two_commanders_activate_at_once(world: World, commander2: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: run with DATABASE_URL (PostgreSQL)")
    incident = services.open_incident(actor=world.street, alert_id=published_alert(world.tree).pk)

    def by(user: User) -> Any:
        return lambda: activate.activate_plan(
            actor=user, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )

    results = race([by(world.street), by(commander2)])
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "Incident"]
    assert any(isinstance(r, ConflictError) for r in results)
    assert IncidentTask.objects.filter(incident=incident).count() == 3
    assert incident.roster.count() == 3
    assert IncidentLog.objects.filter(incident=incident, action="plan_activated").count() == 1


def test_two_people_open_from_one_alert_at_once(world: World, commander2: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: run with DATABASE_URL (PostgreSQL)")
    alert = published_alert(world.tree)
    results = race(
        [
            lambda: services.open_incident(actor=world.street, alert_id=alert.pk),
            lambda: services.open_incident(actor=commander2, alert_id=alert.pk),
        ]
    )
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "Incident"]
    assert Incident.objects.filter(source_alert=alert).count() == 1
