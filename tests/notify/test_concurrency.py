"""Two workers claiming at the same moment on PostgreSQL never get the same row."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from resigrid.notify.models import Delivery
from resigrid.notify.services import enqueue
from resigrid.notify.worker import claim

pytestmark = pytest.mark.django_db(transaction=True)


def race(now: dt.datetime, limit: int) -> dict[str, list[int]]:
    """Workers w1 and w2 claim at the same instant, each on its own connection."""
    barrier = threading.Barrier(2)
    got: dict[str, list[int]] = {}
    lock = threading.Lock()

    def work(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            ids = [d.pk for d in claim(worker=name, limit=limit, now=now)]
        finally:
            connections.close_all()  # each thread has its own connection; close it
        with lock:
            got[name] = ids

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return got


def test_two_workers_claim_disjoint_batches() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across connections: run with DATABASE_URL (PostgreSQL)")
    enqueue(topic="t", subject="s", emails=[f"u{i}@example.org" for i in range(50)])
    now = timezone.now()
    rounds = 20
    for round_ in range(rounds):
        Delivery.objects.update(lease_until=None, leased_by="")
        got = race(now, limit=30)
        first, second = got["w1"], got["w2"]
        assert set(first).isdisjoint(second), f"round {round_}"
        assert len(first) + len(second) == 50
        assert max(len(first), len(second)) <= 30
        leased = dict(Delivery.objects.values_list("id", "leased_by"))
        assert {pk for pk, by in leased.items() if by == "w1"} == set(first)
        assert {pk for pk, by in leased.items() if by == "w2"} == set(second)
    # Every round counted exactly one attempt on every row.
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {rounds}


def test_robot_slots_are_shared_by_concurrent_workers(tree: object) -> None:
    """Eight workers racing for one robot's slots at the same instant: exactly 20 sends."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across connections: run with DATABASE_URL (PostgreSQL)")
    from resigrid.notify.robots import acquire_slot, create_robot
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True)
    robot = create_robot(
        actor=root,
        area=tree.community1,  # type: ignore[attr-defined]
        name="群",
        kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )
    now = timezone.now()
    barrier = threading.Barrier(8)
    granted: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            mine = sum(acquire_slot(robot_id=robot.pk, now=now) is None for _ in range(10))
        finally:
            connections.close_all()
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(granted) == 20 and len(granted) == 8
