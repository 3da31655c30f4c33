"""The hook registry (resigrid.notify.links): a per-recipient link added to the email, a
delivered hook told in the same transaction as the row is marked sent, and a failing hook that
neither stops the message nor undoes its record."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.notify import links
from resigrid.notify.models import Delivery
from resigrid.notify.services import enqueue
from resigrid.notify.worker import run_once
from tests.notify.smtp import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> list[links.DeliveryEvent]:
    seen: list[links.DeliveryEvent] = []
    monkeypatch.setattr(links, "_links", {"test.": lambda d: f"https://x.example/{d.pk}"})
    monkeypatch.setattr(links, "_delivered", {"test.": seen.append})
    return seen


def test_link_and_delivered_hooks(
    alice: User, smtp_server: SmtpServer, hooks: list[links.DeliveryEvent]
) -> None:
    enqueue(topic="test.one", subject="甲", body="正文", users=[alice])
    enqueue(topic="other", subject="乙", body="正文", users=[alice])
    assert run_once(worker="w1", limit=10).sent == 2
    rows = {d.message.topic: d for d in Delivery.objects.filter(channel="email")}
    texts = {m.message["Subject"]: m.text for m in smtp_server.received}
    assert (
        texts["甲"] == f"正文\n\nConfirm you received it: https://x.example/{rows['test.one'].pk}\n"
    )
    assert texts["乙"] == "正文\n"
    assert [(e.delivery_id, e.channel, e.user_id, e.delivered_at) for e in hooks] == [
        (rows["test.one"].pk, "email", alice.pk, rows["test.one"].sent_at)
    ]


def test_a_failing_delivered_hook_keeps_the_row_sent(
    alice: User, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(links, "_delivered", {"test.": broken})
    enqueue(topic="test.one", subject="甲", users=[alice])
    assert run_once(worker="w1", limit=10).sent == 1
    assert Delivery.objects.get(channel="email").status == "sent"
    assert len(smtp_server.received) == 1
