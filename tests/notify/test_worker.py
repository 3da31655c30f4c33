"""The worker against a real SMTP server on 127.0.0.1: leases, exact backoff, giving up, a killed
worker, never sending a sent row again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.notify import worker as worker_module
from resigrid.notify.channels import _ADAPTERS, SendResult
from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import enqueue
from resigrid.notify.worker import Outcome, claim, deliver, run_once
from tests.notify.smtp import SmtpServer

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)

pytestmark = pytest.mark.django_db


def emails(*addresses: str) -> list[int]:
    enqueue(topic="t", subject="主题", body="正文", emails=addresses)
    return list(
        Delivery.objects.filter(channel="email").order_by("id").values_list("id", flat=True)
    )


def state(pk: int) -> tuple[Any, ...]:
    d = Delivery.objects.get(pk=pk)
    return (d.status, d.attempts, d.next_attempt_at, d.lease_until, d.leased_by)


@time_machine.travel(T0, tick=False)
def test_claim_leases_due_rows_and_skips_leased_ones() -> None:
    a, b, c = emails("a@example.org", "b@example.org", "c@example.org")
    later = emails("d@example.org")[-1]
    Delivery.objects.filter(pk=later).update(next_attempt_at=T0 + 10 * S)

    first = claim(worker="w1", limit=2, now=T0)
    assert [d.pk for d in first] == [a, b]
    assert [(d.attempts, d.lease_until, d.leased_by) for d in first] == [
        (1, T0 + 60 * S, "w1"),
        (1, T0 + 60 * S, "w1"),
    ]
    assert first[0].message.subject == "主题"  # loaded with the row
    assert [d.pk for d in claim(worker="w2", limit=5, now=T0)] == [c]
    assert claim(worker="w3", limit=5, now=T0) == []
    # At the last second of the lease it is still held; the delayed row is due by then.
    assert [d.pk for d in claim(worker="w3", limit=5, now=T0 + 60 * S)] == [later]
    # Once the lease has run out, anyone may take the rows, as a new attempt.
    again = claim(worker="w3", limit=5, now=T0 + 61 * S)
    assert [(d.pk, d.attempts, d.leased_by) for d in again] == [
        (a, 2, "w3"),
        (b, 2, "w3"),
        (c, 2, "w3"),
    ]
    assert claim(worker="w4", limit=0, now=T0 + 61 * S) == []


@time_machine.travel(T0, tick=False)
def test_sent_inbox_and_dead_rows_are_never_claimed(alice: User) -> None:
    enqueue(topic="t", subject="s", users=[alice])  # inbox (sent) + email (pending)
    email_row = Delivery.objects.get(channel="email")
    Delivery.objects.filter(pk=email_row.pk).update(status=Delivery.Status.DEAD)
    assert claim(worker="w", limit=10, now=T0 + 3600 * S) == []


@time_machine.travel(T0, tick=False)
def test_sent_once_then_never_again(smtp_server: SmtpServer) -> None:
    (pk,) = emails("a@example.org")
    stats = run_once(worker="w1", limit=10)
    assert (stats.claimed, stats.sent, stats.retry, stats.dead, stats.skipped) == (1, 1, 0, 0, 0)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts, row.sent_at, row.lease_until, row.leased_by) == (
        "sent",
        1,
        T0,
        None,
        "",
    )
    assert row.external_id == f"<notify.delivery.{pk}.20261102080000000000@grid.example.org>"
    assert len(smtp_server.received) == 1
    # Any worker, any way: nothing more goes out.
    assert deliver(pk, "w1") == Outcome.SKIPPED
    assert deliver(pk, "w2") == Outcome.SKIPPED
    assert run_once(worker="w2", limit=10).claimed == 0
    assert len(smtp_server.received) == 1
    assert Delivery.objects.get(pk=pk).attempts == 1


def test_smtp_down_retries_with_exact_backoff_then_gives_up(smtp_down: SmtpServer) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = emails("a@example.org")
        assert deliver(pk, "w1") == Outcome.RETRY  # unclaimed but due: taken directly
        row = Delivery.objects.get(pk=pk)
        assert (row.status, row.attempts, row.next_attempt_at, row.lease_until, row.leased_by) == (
            "retry",
            1,
            T0 + 30 * S,
            None,
            "",
        )
        assert row.last_error.startswith("SMTP connection: [Errno 111]")
        assert row.last_error.endswith("Connection refused")

        clock.move_to(T0 + 29 * S)
        assert run_once(worker="w1", limit=10).claimed == 0
        assert deliver(pk, "w1") == Outcome.SKIPPED  # not due yet

        clock.move_to(T0 + 30 * S)
        stats = run_once(worker="w2", limit=10)
        assert (stats.claimed, stats.retry) == (1, 1)
        assert state(pk) == ("retry", 2, T0 + 90 * S, None, "")  # 30 s, then 60 s

        clock.move_to(T0 + 89 * S)
        assert run_once(worker="w2", limit=10).claimed == 0
        clock.move_to(T0 + 90 * S)
        stats = run_once(worker="w1", limit=10)
        assert (stats.claimed, stats.dead) == (1, 1)
        assert state(pk) == ("dead", 3, T0 + 90 * S, None, "")

        clock.move_to(T0 + 100_000 * S)
        assert run_once(worker="w1", limit=10).claimed == 0
        assert deliver(pk, "w1") == Outcome.SKIPPED
    assert smtp_down.received == []


def test_smtp_back_up_sends_the_waiting_row(smtp_down: SmtpServer) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = emails("a@example.org")
        assert run_once(worker="w1", limit=10).retry == 1
        smtp_down.start()
        clock.move_to(T0 + 30 * S)
        assert run_once(worker="w1", limit=10).sent == 1
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == ("sent", 2, "", T0 + 30 * S)
    assert len(smtp_down.received) == 1


def test_temporary_refusal_retries_and_permanent_refusal_gives_up(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    smtp_server.handler.data_reply = "451 4.3.0 Try again later"
    with time_machine.travel(T0, tick=False):
        busy, gone = emails("busy@example.org", "gone@example.org")
        stats = run_once(worker="w1", limit=10)
    assert (stats.claimed, stats.retry, stats.dead) == (2, 1, 1)
    assert state(busy) == ("retry", 1, T0 + 30 * S, None, "")
    assert "451" in Delivery.objects.get(pk=busy).last_error
    assert state(gone) == ("dead", 1, T0, None, "")
    assert "550" in Delivery.objects.get(pk=gone).last_error
    assert smtp_server.received == []


@time_machine.travel(T0, tick=False)
def test_recipient_without_address_is_given_up(alice: User, smtp_server: SmtpServer) -> None:
    enqueue(topic="t", subject="s", users=[alice])
    User.objects.filter(pk=alice.pk).update(email="")
    stats = run_once(worker="w1", limit=10)
    assert (stats.claimed, stats.dead) == (1, 1)
    row = Delivery.objects.get(channel="email")
    assert (row.status, row.last_error) == ("dead", "no email address")


@time_machine.travel(T0, tick=False)
def test_a_crashing_adapter_leaves_the_row_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        channel = "email"

        def send(self, delivery: Delivery) -> SendResult:
            raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(_ADAPTERS, "email", Broken())
    (pk,) = emails("a@example.org")
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 30 * S, None, "")
    assert Delivery.objects.get(pk=pk).last_error == "ZeroDivisionError: division by zero"


@time_machine.travel(T0, tick=False)
def test_unknown_channel_is_given_up() -> None:
    message = Message.objects.create(topic="t", subject="s")
    row = Delivery.objects.create(
        message=message, channel="fax", address="010-1234", next_attempt_at=T0
    )
    assert run_once(worker="w1", limit=10).dead == 1
    assert Delivery.objects.get(pk=row.pk).last_error == "no adapter for channel 'fax'"


def test_killed_worker_lease_runs_out_then_sent_exactly_once(smtp_server: SmtpServer) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = emails("a@example.org")
        # The killed worker claimed the row and never came back.
        assert [d.pk for d in claim(worker="killed", limit=10, now=T0)] == [pk]

        clock.move_to(T0 + 60 * S)  # lease still held
        assert run_once(worker="w2", limit=10).claimed == 0
        assert deliver(pk, "w2") == Outcome.SKIPPED
        assert smtp_server.received == []

        clock.move_to(T0 + 61 * S)
        stats = run_once(worker="w2", limit=10)
        assert (stats.claimed, stats.sent) == (1, 1)
        assert state(pk) == ("sent", 2, T0, None, "")

        clock.move_to(T0 + 200 * S)
        assert run_once(worker="w3", limit=10).claimed == 0
        assert deliver(pk, "killed") == Outcome.SKIPPED  # the killed worker wakes up: too late
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_tos == ["a@example.org"]


def test_own_lease_ran_out_unclaimed_is_renewed_and_sent(smtp_server: SmtpServer) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = emails("a@example.org")
        claim(worker="slow", limit=10, now=T0)
        clock.move_to(T0 + 500 * S)  # a long batch: nobody else took it meanwhile
        assert deliver(pk, "slow") == Outcome.SENT
    assert state(pk) == ("sent", 1, T0, None, "")
    assert len(smtp_server.received) == 1


def test_crash_after_sending_resends_with_the_same_message_id(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the SMTP answer and recording it: the next worker sends again (at least
    once), and the copy carries the same Message-ID, so mail systems fold it."""

    def killed(row: Delivery, result: SendResult) -> Outcome:
        raise SystemExit("killed")

    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = emails("a@example.org")
        monkeypatch.setattr(worker_module, "_mark_sent", killed)
        with pytest.raises(SystemExit):
            run_once(worker="w1", limit=10)
        monkeypatch.undo()
        assert state(pk) == ("pending", 1, T0, T0 + 60 * S, "w1")
        clock.move_to(T0 + 61 * S)
        assert run_once(worker="w2", limit=10).sent == 1
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert ids == [f"<notify.delivery.{pk}.20261102080000000000@grid.example.org>"] * 2
    assert Delivery.objects.get(pk=pk).status == "sent"
