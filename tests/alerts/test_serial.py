"""Identifiers: two alerts of one issuer published in the same second get serials 1 and 2 —
also when the two publications run at once on two PostgreSQL connections."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from resigrid.alerts import rules, services
from resigrid.alerts.models import Alert
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db(transaction=True)

NOON = dt.datetime(2026, 7, 1, 4, 0, 0, 300000, tzinfo=dt.UTC)  # 12:00:00.3 in Beijing


def test_next_serial() -> None:
    prefix = "33010600100000_20260701120000_"
    assert rules.next_serial(prefix, []) == 1
    taken = [prefix + "1", prefix + "3", prefix + "x", "33010600100000_20260701120001_9"]
    assert rules.next_serial(prefix, taken) == 4
    with pytest.raises(ValueError):
        rules.identifier(division="330106", body="00100000", sent=NOON, serial=0)


def test_concurrent_publications_in_one_second_get_distinct_serials(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two connections at once: run with DATABASE_URL (PostgreSQL)")
    alerts = [draft(world, headline=f"暴雨红色预警 {i}") for i in range(2)]
    for alert in alerts:
        services.approve(actor=world.approver, alert_id=alert.pk)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(pk: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.publish(actor=world.street, alert_id=pk)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(NOON, tick=False):
        threads = [threading.Thread(target=publish, args=(a.pk,)) for a in alerts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    identifiers = sorted(
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).values_list("identifier", flat=True)
    )
    assert identifiers == [
        "33010600100000_20260701120000_1",
        "33010600100000_20260701120000_2",
    ]
