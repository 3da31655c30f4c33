"""Robots' 20 messages a minute, shared by every worker through the slot rows; a killed worker
loses nothing and, where the service cannot tell a resend, the duplicate is bounded and marked."""

from __future__ import annotations

import pytest
import time_machine

from resigrid.notify import worker as worker_module
from resigrid.notify.channels import SendResult
from resigrid.notify.models import Delivery, Robot, RobotSlot
from resigrid.notify.robots import acquire_slot
from resigrid.notify.services import enqueue
from resigrid.notify.worker import Outcome, claim, deliver, run_once
from tests.factories import Tree
from tests.notify.fakehttp import FakeHttpServer
from tests.notify.helpers import T0, WECOM_PATH, S, dingtalk, state, wecom

pytestmark = pytest.mark.django_db


def posts(robot: Robot, n: int) -> list[int]:
    for i in range(n):
        enqueue(topic="t", subject=f"第{i}条", robots=[robot])
    return list(Delivery.objects.order_by("id").values_list("id", flat=True))


def test_twenty_a_minute_the_rest_wait_without_losing_attempts(
    tree: Tree, fake_http: FakeHttpServer
) -> None:
    robot = wecom(tree, fake_http)
    with time_machine.travel(T0, tick=False) as clock:
        ids = posts(robot, 25)
        stats = run_once(worker="w1", limit=100)
        assert (stats.claimed, stats.sent, stats.deferred) == (25, 20, 5)
        assert [state(pk) for pk in ids[20:]] == [("pending", 0, T0 + 60 * S, False, "")] * 5
        assert Delivery.objects.get(pk=ids[20]).last_error == (
            f"robot {robot.pk}: 20 sends a minute used"
        )
        assert len(fake_http.requests) == 20

        clock.move_to(T0 + 59 * S)
        assert run_once(worker="w2", limit=100).claimed == 0
        clock.move_to(T0 + 60 * S)
        stats = run_once(worker="w2", limit=100)
        assert (stats.claimed, stats.sent, stats.deferred) == (5, 5, 0)
    assert [r.json["text"]["content"] for r in fake_http.requests] == [
        f"第{i}条" for i in range(25)
    ]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_limits_are_per_robot(tree: Tree, fake_http: FakeHttpServer) -> None:
    a, b = wecom(tree, fake_http, key="a"), dingtalk(tree, fake_http, token="b")
    with time_machine.travel(T0, tick=False):
        for i in range(21):
            enqueue(topic="t", subject=f"{i}", robots=[a, b])
        stats = run_once(worker="w1", limit=100)
    assert (stats.sent, stats.deferred) == (40, 2)


def test_the_window_slides(tree: Tree, fake_http: FakeHttpServer, settings: object) -> None:
    robot = wecom(tree, fake_http)
    taken = []
    for second in [0, 10, 20, 30, 40, 50, 59, 60, 61, 70]:
        with time_machine.travel(T0 + second * S, tick=False):
            for _ in range(3):
                taken.append((second, acquire_slot(robot_id=robot.pk)))
    granted = [s for s, wait in taken if wait is None]
    # 20 in the first minute (0–59 s); from 60 s each slot frees exactly 60 s after its use.
    assert (
        granted
        == [0] * 3
        + [10] * 3
        + [20] * 3
        + [30] * 3
        + [40] * 3
        + [50] * 3
        + [59] * 2
        + [60] * 3
        + [61] * 0
        + [70] * 3
    )
    assert dict(taken)[61] == T0 + 61 * S + 9 * S  # the 10 s slots are next


def test_raised_limit_adds_slots(tree: Tree, fake_http: FakeHttpServer, settings: object) -> None:
    robot = wecom(tree, fake_http)
    settings.NOTIFY_ROBOT_RATE_LIMIT = 22  # type: ignore[attr-defined]
    with time_machine.travel(T0, tick=False):
        waits = [acquire_slot(robot_id=robot.pk) for _ in range(23)]
    assert waits.count(None) == 22 and waits[-1] == T0 + 60 * S
    assert RobotSlot.objects.filter(robot=robot).count() == 22


def test_killed_worker_lease_runs_out_then_sent_exactly_once(
    tree: Tree, fake_http: FakeHttpServer
) -> None:
    robot = wecom(tree, fake_http)
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = posts(robot, 1)
        assert [d.pk for d in claim(worker="killed", limit=10, now=T0)] == [pk]
        clock.move_to(T0 + 60 * S)
        assert run_once(worker="w2", limit=10).claimed == 0
        clock.move_to(T0 + 61 * S)
        stats = run_once(worker="w2", limit=10)
        assert (stats.claimed, stats.sent) == (1, 1)
        assert state(pk) == ("sent", 2, T0, False, "")
        clock.move_to(T0 + 200 * S)
        assert deliver(pk, "killed") == Outcome.SKIPPED
    assert len(fake_http.requests) == 1


def test_crash_after_posting_posts_again_with_the_same_idempotency_key(
    tree: Tree, fake_http: FakeHttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one duplicate left: killed between the service's answer and recording it. Robots
    cannot be asked what they received, so the next worker posts again (at least once), under
    the same Idempotency-Key, and the row says it was uncertain until then."""

    def killed(row: Delivery, result: SendResult) -> Outcome:
        raise SystemExit("killed")

    robot = wecom(tree, fake_http)
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = posts(robot, 1)
        monkeypatch.setattr(worker_module, "_mark_sent", killed)
        with pytest.raises(SystemExit):
            run_once(worker="w1", limit=10)
        monkeypatch.undo()
        assert state(pk) == ("pending", 1, T0, False, "w1")
        clock.move_to(T0 + 61 * S)
        claimed = claim(worker="w2", limit=10, now=T0 + 61 * S)
        assert [(d.pk, d.uncertain) for d in claimed] == [(pk, True)]
        assert deliver(pk, "w2") == Outcome.SENT
    keys = [r.headers["idempotency-key"] for r in fake_http.to("POST", WECOM_PATH)]
    assert keys == [f"{pk}-20261102080000"] * 2
    assert state(pk) == ("sent", 2, T0, False, "")
