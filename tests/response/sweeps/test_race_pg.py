"""Two taps at once on PostgreSQL, each in its own transaction: the same key records one
attempt and opens one task; two different outcomes are serialised by the row lock."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.response.incidents.models import IncidentTask
from resigrid.response.sweeps import services
from resigrid.response.sweeps.models import SweepAttempt, SweepContact
from tests.response.sweeps.conftest import Area1

pytestmark = pytest.mark.django_db(transaction=True)


def _together(calls: list[dict[str, Any]]) -> list[str]:
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(kwargs: dict[str, Any]) -> None:
        try:
            start.wait(timeout=10)
            services.record_outcome(**kwargs)
            outcome = "ok"
        except Exception as exc:  # any error fails the assertion below
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(kw,)) for kw in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_double_tap_with_one_key_records_once(
    area1: Area1, community_admin: User, grid_worker: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two transactions at once: run with DATABASE_URL (PostgreSQL)")
    sweep = services.start_sweep(
        actor=community_admin,
        incident=area1.incident,
        area=area1.tree.community1,
        deadline=timezone.now() + dt.timedelta(hours=2),
    )
    contact = SweepContact.objects.select_related("grid", "sweep").get(sweep=sweep, person=area1.a)
    tap = {
        "actor": grid_worker,
        "contact": contact,
        "outcome": "needs_help",
        "method": "visit",
        "key": "same-tap",
    }
    assert _together([tap, dict(tap)]) == ["ok", "ok"]
    contact.refresh_from_db()
    assert (contact.attempts, contact.outcome) == (1, "needs_help")
    assert SweepAttempt.objects.count() == 1
    assert IncidentTask.objects.count() == 1
    # Two different taps at once: both recorded, one after the other; still one task.
    other = {**tap, "key": "tap-2", "outcome": "unreachable"}
    third = {**tap, "key": "tap-3", "outcome": "needs_help"}
    assert _together([other, third]) == ["ok", "ok"]
    contact.refresh_from_db()
    assert contact.attempts == 3
    assert SweepAttempt.objects.count() == 3
    assert IncidentTask.objects.filter(origin="sweep").count() == 2  # help + escalation
