"""notify_worker: --once sends one batch; the loop stops when asked."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from resigrid.notify.models import Delivery
from resigrid.notify.services import enqueue
from resigrid.notify.tasks import send_due
from resigrid.notify.worker import run_forever
from tests.notify.smtp import SmtpServer

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@time_machine.travel(T0, tick=False)
def test_once(smtp_server: SmtpServer) -> None:
    enqueue(topic="t", subject="s", emails=["a@example.org", "b@example.org", "c@example.org"])
    out = StringIO()
    call_command("notify_worker", "--once", "--limit", "2", "--worker", "cron-1", stdout=out)
    assert (
        out.getvalue()
        == "cron-1: 2 claimed, 2 sent, 0 to retry, 0 given up, 0 deferred, 0 skipped\n"
    )
    out = StringIO()
    call_command("notify_worker", "--worker", "cron-1", stdout=out)  # --once is the default
    assert (
        out.getvalue()
        == "cron-1: 1 claimed, 1 sent, 0 to retry, 0 given up, 0 deferred, 0 skipped\n"
    )
    assert len(smtp_server.received) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_bad_arguments() -> None:
    with pytest.raises(CommandError, match=r"^--limit must be at least 1\.$"):
        call_command("notify_worker", "--limit", "0")
    with pytest.raises(CommandError, match=r"^--interval must not be negative\.$"):
        call_command("notify_worker", "--loop", "--interval", "-1")
    with pytest.raises(CommandError):
        call_command("notify_worker", "--once", "--loop")


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections between batches
@time_machine.travel(T0, tick=False)
def test_loop_drains_then_waits_until_stopped(smtp_server: SmtpServer) -> None:
    enqueue(topic="t", subject="s", emails=[f"u{i}@example.org" for i in range(5)])
    batches: list[int] = []
    slept: list[float] = []

    def should_stop() -> bool:
        return len(slept) >= 3  # stop during the first idle wait

    def sleep(seconds: float) -> None:
        batches.append(Delivery.objects.filter(status="sent").count())
        slept.append(seconds)

    total = run_forever(worker="w", limit=2, interval=10, should_stop=should_stop, sleep=sleep)
    # Batches of 2, 2 and 1: the short batch means idle; it waits in 0.5 s steps and stops
    # as soon as asked, not after the whole 10 s.
    assert (total.claimed, total.sent) == (5, 5)
    assert slept == [0.5, 0.5, 0.5] and batches == [5, 5, 5]
    assert len(smtp_server.received) == 5


@time_machine.travel(T0, tick=False)
def test_send_due_task(smtp_server: SmtpServer) -> None:
    enqueue(topic="t", subject="s", emails=["a@example.org", "b@example.org"])
    result = send_due.enqueue(limit=10)  # the test settings run tasks at once
    assert result.return_value == {
        "claimed": 2,
        "sent": 2,
        "retry": 0,
        "dead": 0,
        "deferred": 0,
        "skipped": 0,
    }
    assert len(smtp_server.received) == 2
