"""Alerts through notify's hooks, end to end: each email carries its recipient's signed link
(read back from a real SMTP server) which acknowledges exactly that recipient; the SMS to a
resident carries theirs; delivery times come back (email sent, SMS receipt), earliest wins."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.alerts.hooks import ack_url
from resigrid.alerts.models import Recipient
from resigrid.core.pii import decrypt
from resigrid.notify import links
from resigrid.notify.models import Delivery
from resigrid.notify.rules import receipt_signature
from resigrid.notify.worker import run_once
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published
from tests.notify.fakehttp import SmsGateway, fake_http, sms_gateway
from tests.notify.smtp import SmtpServer, smtp_server

__all__ = ["fake_http", "sms_gateway", "smtp_server"]

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)
LINK = re.compile(r"https://grid\.example\.org/alerts/ack/([A-Za-z0-9_.\-]+)/")


@pytest.fixture
def mailboxes(world: World, settings: Any) -> World:
    settings.SITE_URL = "https://grid.example.org"
    settings.NOTIFY_DEFAULT_CHANNELS = ["email"]
    for user, address in (
        (world.resident, "resident@example.org"),
        (world.carer_user, "carer@example.org"),
        (world.worker11, "gw11@example.org"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    return world


def test_each_email_carries_its_own_link_which_acknowledges_only_that_recipient(
    mailboxes: World, smtp_server: SmtpServer
) -> None:
    world = mailboxes
    with time_machine.travel(T0, tick=False):
        alert = published(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert run_once(worker="w1", limit=50).sent == 3
    tokens: dict[str, str] = {}
    for mail in smtp_server.received:
        found = LINK.findall(mail.text)
        assert len(found) == 1, mail.text
        assert f"Confirm you received it: {ack_url(found[0])}" in mail.text
        tokens[mail.rcpt_tos[0]] = found[0]
    assert sorted(tokens) == ["carer@example.org", "gw11@example.org", "resident@example.org"]
    assert len(set(tokens.values())) == 3
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        r = Client().post(
            "/api/alerts/ack",
            {"token": tokens["carer@example.org"]},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    acknowledged = Recipient.objects.filter(alert=alert, acknowledged_at__isnull=False)
    assert list(acknowledged.values_list("user__username", "ack_channel")) == [("carer", "link")]


def test_only_the_alert_itself_carries_links(mailboxes: World, smtp_server: SmtpServer) -> None:
    """A cancellation goes to the same people, without acknowledgement links."""
    from resigrid.alerts import services

    world = mailboxes
    alert = published(world)
    run_once(worker="w1", limit=50)
    smtp_server.received.clear()
    services.cancel(actor=world.street, alert_id=alert.pk, note="解除")
    assert run_once(worker="w1", limit=50).sent == 3
    assert [LINK.findall(m.text) for m in smtp_server.received] == [[], [], []]


def test_email_sent_sets_delivered_only_when_earlier(
    mailboxes: World, smtp_server: SmtpServer
) -> None:
    world = mailboxes
    with time_machine.travel(T0, tick=False):
        alert = published(world)
    carer = Recipient.objects.get(alert=alert, user=world.carer_user)
    assert carer.delivered_at == T0  # the inbox row was written at publication
    # Pretend the inbox was not counted: the email's sending time then is the delivery time.
    Recipient.objects.filter(pk=carer.pk).update(delivered_at=None)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        run_once(worker="w1", limit=50)
    carer.refresh_from_db()
    resident = Recipient.objects.get(alert=alert, user=world.resident)
    assert (carer.delivered_at, resident.delivered_at) == (T0 + dt.timedelta(minutes=2), T0)


def test_sms_carries_the_link_and_its_receipt_sets_delivered(
    world: World, sms_gateway: SmsGateway, settings: Any
) -> None:
    settings.NOTIFY_DEFAULT_CHANNELS = ["sms"]
    with time_machine.travel(T0, tick=False):
        alert = published(world)
        run_once(worker="w1", limit=50)
    texts = {m["to"]: m["text"] for m in sms_gateway.sent}
    # The residents with a phone and no account: 王小妹, 张党员 (grid 11) and 李四 (grid 21).
    assert sorted(texts) == ["13912345678", "13912345679", "13912345680"]
    young = Recipient.objects.get(alert=alert, person=world.young)
    token = LINK.findall(texts["13912345678"])
    assert len(token) == 1
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        r = Client().post("/api/alerts/ack", {"token": token[0]}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert list(
        Recipient.objects.filter(alert=alert, acknowledged_at__isnull=False).values_list(
            "person__name", flat=True
        )
    ) == ["王小妹"]
    assert young.delivered_at is None  # sent is not delivered: the receipt says
    (row,) = [
        d for d in Delivery.objects.filter(channel="sms") if decrypt(d.address_enc) == "13912345678"
    ]
    item = {
        "message_id": row.external_id,
        "client_ref": f"{row.pk}-20260701040000",
        "status": "delivered",
        "at": "2026-07-01T04:00:07Z",
    }
    body = json.dumps(item).encode()
    stamp = str(int(time.time()))
    for _ in range(2):  # a repeated receipt changes nothing
        r = Client().post(
            "/notify/sms/receipts",
            body,
            content_type="application/json",
            headers={
                "X-Resigrid-Timestamp": stamp,
                "X-Resigrid-Signature": "sha256="
                + receipt_signature("receipt-secret", stamp, body),
            },
        )
        assert r.status_code == 200, r.content
    young.refresh_from_db()
    assert young.delivered_at == T0 + dt.timedelta(seconds=7)
    others = Recipient.objects.filter(alert=alert, person__isnull=False).exclude(pk=young.pk)
    assert set(others.values_list("delivered_at", flat=True)) == {None}


def test_a_failing_hook_does_not_stop_the_message(
    mailboxes: World, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(delivery: Any) -> str | None:
        raise RuntimeError("boom")

    monkeypatch.setitem(links._links, "alert", broken)
    published(mailboxes)
    assert run_once(worker="w1", limit=50).sent == 3
    assert [LINK.findall(m.text) for m in smtp_server.received] == [[], [], []]
