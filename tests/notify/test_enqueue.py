"""enqueue: one message, one inbox row per user (delivered at once), email rows waiting for a
worker, duplicates folded; rolled back with the change that caused it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from resigrid.accounts.models import User
from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import enqueue
from tests.factories import UserFactory

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@time_machine.travel(T0, tick=False)
def test_rows_exact(alice: User, bob: User) -> None:
    gone = UserFactory(username="gone", email="gone@example.org", is_active=False)
    shared = UserFactory(username="shared", email="ALICE@example.org")
    message = enqueue(
        topic="case.accepted",
        subject="您的报告已受理",
        body="编号 C-1",
        url="/cases/1/",
        source="cases.case:1",
        users=[alice, bob, alice, None, gone, shared],
        emails=["alice@example.org", "", "anon@example.org", "Anon@Example.org"],
    )
    assert Message.objects.count() == 1
    assert (message.topic, message.subject, message.body, message.url, message.source) == (
        "case.accepted",
        "您的报告已受理",
        "编号 C-1",
        "/cases/1/",
        "cases.case:1",
    )
    rows = list(
        Delivery.objects.order_by("id").values_list(
            "channel",
            "user__username",
            "address",
            "status",
            "attempts",
            "next_attempt_at",
            "sent_at",
        )
    )
    assert rows == [
        ("inbox", "alice", "", "sent", 0, T0, T0),
        ("email", "alice", "", "pending", 0, T0, None),
        ("inbox", "bob", "", "sent", 0, T0, T0),
        ("inbox", "shared", "", "sent", 0, T0, T0),  # same address as alice: one email only
        ("email", None, "anon@example.org", "pending", 0, T0, None),
    ]
    assert set(Delivery.objects.values_list("message_id", flat=True)) == {message.pk}


def test_long_subject_is_cut_to_the_column(alice: User) -> None:
    message = enqueue(topic="t", subject="长" * 250, users=[alice])
    message.refresh_from_db()
    assert message.subject == "长" * 200


@pytest.mark.django_db(transaction=True)
def test_rolled_back_with_the_change(alice: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(topic="t", subject="s", users=[alice], emails=["x@example.org"])
        raise RuntimeError("the business change failed")
    assert (Message.objects.count(), Delivery.objects.count()) == (0, 0)
