"""The same CAP message imported twice at the same moment on PostgreSQL: one alert, one
duplicate (the unique key decides, not the check before it)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from resigrid.alerts.cap.importer import import_cap
from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.models import Alert
from tests.alerts.cap_helpers import cap
from tests.alerts.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def race(data: bytes, callers: list[tuple[Any, Any]]) -> list[Any]:
    """Each (user, area) imports `data` on its own connection at the same instant; the results
    or the exceptions, in completion order."""
    barrier = threading.Barrier(len(callers))
    out: list[Any] = []
    lock = threading.Lock()

    def work(user: Any, area: Any) -> None:
        try:
            barrier.wait(timeout=10)
            result: Any = import_cap(actor=user, data=data, area=area)
        except Exception as exc:  # reported to the test
            result = exc
        finally:
            connections.close_all()
        with lock:
            out.append(result)

    threads = [threading.Thread(target=work, args=c) for c in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return out


def test_simultaneous_imports_make_one_alert(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: run with DATABASE_URL (PostgreSQL)")
    callers = [(world.street, world.tree.street), (world.secretary, world.tree.community1)]
    for round_ in range(5):
        results = race(cap(identifier=f"race-{round_}"), callers)
        assert sorted(r.outcome for r in results) == ["created", "duplicate"], f"round {round_}"
        assert len({r.alert_id for r in results}) == 1
    assert Alert.objects.count() == 5
    assert CapImport.objects.count() == 5
