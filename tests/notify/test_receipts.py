"""/notify/sms/receipts: signed callbacks only, one receipt per gateway message id, per-item
errors with the good items kept, a failed receipt hands over to the next channel."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.models import User
from resigrid.notify.models import Delivery, SmsReceipt
from resigrid.notify.rules import receipt_signature
from resigrid.notify.services import enqueue, set_preferences
from resigrid.notify.worker import run_once
from tests.notify.fakehttp import SmsGateway
from tests.notify.helpers import T0

pytestmark = pytest.mark.django_db

URL = "/notify/sms/receipts"


SECRET = "receipt-secret"


def call(client: Client, payload: Any, *, secret: str = SECRET, stamp: str = "") -> Any:
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    stamp = stamp or str(int(time.time()))
    return client.post(
        URL,
        body,
        content_type="application/json",
        headers={
            "X-Resigrid-Timestamp": stamp,
            "X-Resigrid-Signature": "sha256=" + receipt_signature(secret, stamp, body),
        },
    )


@pytest.fixture
def sent(sms_gateway: SmsGateway) -> Delivery:
    with time_machine.travel(T0, tick=False):
        enqueue(topic="t", subject="通知", phones=["13800138000"])
        run_once(worker="w1", limit=10)
    return Delivery.objects.get(channel="sms")


def test_delivered_once_repeats_change_nothing(client: Client, sent: Delivery) -> None:
    ref = f"{sent.pk}-20261102080000"
    item = {
        "message_id": "m1",
        "client_ref": ref,
        "status": "delivered",
        "at": "2026-11-02T08:00:05Z",
    }
    r = call(client, item)
    assert (r.status_code, r.json()) == (200, {"recorded": 1, "duplicates": 0, "errors": []})
    sent.refresh_from_db()
    assert (
        sent.delivered_at is not None
        and sent.delivered_at.isoformat() == "2026-11-02T08:00:05+00:00"
    )
    r = call(client, [item, item])
    assert r.json() == {"recorded": 0, "duplicates": 2, "errors": []}
    assert list(SmsReceipt.objects.values_list("message_id", "status", "delivery_id")) == [
        ("m1", "delivered", sent.pk)
    ]


def test_a_later_state_updates_the_receipt(client: Client, sent: Delivery) -> None:
    ref = f"{sent.pk}-20261102080000"
    call(client, {"message_id": "m1", "client_ref": ref, "status": "accepted"})
    assert Delivery.objects.get(pk=sent.pk).delivered_at is None
    call(client, {"message_id": "m1", "client_ref": ref, "status": "delivered"})
    assert SmsReceipt.objects.get().status == "delivered"
    assert Delivery.objects.get(pk=sent.pk).delivered_at is not None


def test_bad_items_are_reported_good_ones_kept(client: Client, sent: Delivery) -> None:
    ref = f"{sent.pk}-20261102080000"
    r = call(
        client,
        [
            "nonsense",
            {"client_ref": ref, "status": "delivered"},
            {"message_id": "m1", "client_ref": ref, "status": "delivered", "at": "yesterday"},
            {"message_id": "m9", "client_ref": "99999-20261102080000", "status": "delivered"},
            {"message_id": "m1", "client_ref": ref, "status": "delivered"},
        ],
    )
    assert r.json() == {
        "recorded": 1,
        "duplicates": 0,
        "errors": [
            {"index": 0, "error": "each receipt must be a JSON object"},
            {"index": 1, "error": "message_id is required"},
            {"index": 2, "error": "at must be an ISO 8601 date and time"},
            {"index": 3, "error": "no SMS delivery for client_ref '99999-20261102080000'"},
        ],
    }
    assert SmsReceipt.objects.count() == 1


@pytest.mark.parametrize("case", ["wrong secret", "stale", "unsigned"])
def test_unsigned_or_stale_callbacks_are_refused(client: Client, sent: Delivery, case: str) -> None:
    item = {"message_id": "m1", "client_ref": f"{sent.pk}-20261102080000", "status": "delivered"}
    if case == "wrong secret":
        r = call(client, item, secret="guess")
    elif case == "stale":
        r = call(client, item, stamp=str(int(time.time()) - 301))
    else:
        r = client.post(URL, json.dumps(item), content_type="application/json")
    assert (r.status_code, r.json()) == (403, {"detail": "bad or missing signature"})
    assert SmsReceipt.objects.count() == 0
    assert Delivery.objects.get(pk=sent.pk).delivered_at is None


def test_not_json_and_wrong_method(client: Client, sms_gateway: SmsGateway) -> None:
    r = call(client, b"{oops")
    assert (r.status_code, r.json()) == (400, {"detail": "body is not JSON"})
    assert client.get(URL).status_code == 405


def test_failed_receipt_hands_over_to_the_next_channel(
    client: Client, sms_gateway: SmsGateway, alice: User
) -> None:
    set_preferences(user=alice, channels=["sms", "email"], phone="13800138000")
    with time_machine.travel(T0, tick=False):
        enqueue(topic="t", subject="通知", users=[alice])
        run_once(worker="w1", limit=10)
    row = Delivery.objects.get(channel="sms")
    r = call(
        client,
        {
            "message_id": "m1",
            "client_ref": f"{row.pk}-20261102080000",
            "status": "FAILED",
            "error": "absent",
        },
    )
    assert r.json()["recorded"] == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("dead", "gateway receipt: failed absent")
    assert list(
        Delivery.objects.order_by("id").values_list("channel", "user__username", "status")
    ) == [("inbox", "alice", "sent"), ("sms", "alice", "dead"), ("email", "alice", "pending")]
