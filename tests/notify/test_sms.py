"""The SMS gateway adapter against the fake gateway: the request, failures, and no blind resend
(an attempt that may have arrived is looked up by client_ref before anything is sent again)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import transaction

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.notify import worker as worker_module
from resigrid.notify.channels import SendResult
from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import enqueue, set_preferences
from resigrid.notify.worker import Outcome, claim, deliver, run_once
from tests.notify.fakehttp import Answer, FakeHttpServer, SmsGateway
from tests.notify.helpers import T0, S, state

pytestmark = pytest.mark.django_db

SEND = "/sms/send"
STATUS = "/sms/status"


def sms_to(*phones: str) -> list[int]:
    enqueue(
        topic="alert.published",
        subject="暴雨红色预警",
        body="请立即转移。",
        url="/a/1/",
        phones=phones,
    )
    return list(Delivery.objects.filter(channel="sms").order_by("id").values_list("id", flat=True))


@time_machine.travel(T0, tick=False)
def test_request_on_the_wire(sms_gateway: SmsGateway, fake_http: FakeHttpServer) -> None:
    (pk,) = sms_to("+86 138-0013-8000")
    assert run_once(worker="w1", limit=10).sent == 1
    (request,) = fake_http.requests
    assert (request.method, request.path) == ("POST", SEND)
    assert request.headers["authorization"] == "Bearer gw-key"
    assert request.json == {
        "to": "13800138000",
        "text": "暴雨红色预警\n请立即转移。\nhttps://grid.example.org/a/1/",
        "client_ref": f"{pk}-20261102080000",
    }
    assert request.headers["idempotency-key"] == f"{pk}-20261102080000"
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.external_id, row.attempts, row.uncertain) == ("sent", "m1", 1, False)


def test_phones_are_encrypted_folded_and_checked(sms_gateway: SmsGateway) -> None:
    sms_to("13800138000", "+8613800138000", "", "010-12345678")
    rows = list(Delivery.objects.values_list("address", "address_enc"))
    assert len(rows) == 2 and all(a == "" and e.startswith("v1:") for a, e in rows)
    with pytest.raises(ValidationFailed) as info, transaction.atomic():
        enqueue(topic="t", subject="s", phones=["12345"])
    assert info.value.field == "phones"
    assert (Message.objects.count(), Delivery.objects.count()) == (1, 2)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(json={"error": "balance too low"}), "SMS gateway: balance too low"),
        (Answer(json={"ok": True}), "SMS gateway: no message_id in the answer"),
        (Answer(status=500, body=b"oops"), "SMS gateway: HTTP 500: oops"),
    ],
)
@time_machine.travel(T0, tick=False)
def test_failures_are_retried(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer, answer: Answer, error: str
) -> None:
    (pk,) = sms_to("13800138000")
    fake_http.script("POST", SEND, answer)
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 30 * S, False, "")
    assert Delivery.objects.get(pk=pk).last_error == error


@time_machine.travel(T0, tick=False)
def test_a_malformed_number_is_given_up(sms_gateway: SmsGateway, fake_http: FakeHttpServer) -> None:
    (pk,) = sms_to("13800138000")
    fake_http.script("POST", SEND, Answer(status=422, json={"error": "bad number"}))
    assert run_once(worker="w1", limit=10).dead == 1
    assert state(pk) == ("dead", 1, T0, False, "")


@time_machine.travel(T0, tick=False)
def test_no_gateway_configured_gives_up(settings: Any) -> None:
    (pk,) = sms_to("13800138000")
    assert run_once(worker="w1", limit=10).dead == 1
    assert Delivery.objects.get(pk=pk).last_error == "no SMS gateway configured (NOTIFY_SMS_URL)"


def test_timeout_after_the_gateway_accepted_is_not_sent_again(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    """The gateway took the message but answered too late: the next attempt asks, learns the
    message id, and sends nothing."""
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = sms_to("13800138000")
        fake_http.default = lambda request: (
            Answer(delay=1.5, json={"message_id": sms_gateway(request).json["message_id"]})
            if request.method == "POST"
            else sms_gateway(request)
        )
        assert run_once(worker="w1", limit=10).retry == 1
        assert state(pk) == ("retry", 1, T0 + 30 * S, True, "")
        assert Delivery.objects.get(pk=pk).last_error == "SMS gateway: no answer in 1 s"
        clock.move_to(T0 + 30 * S)
        assert run_once(worker="w1", limit=10).sent == 1
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.external_id, row.uncertain, row.attempts) == ("sent", "m1", False, 2)
    assert [(r.method, r.path) for r in fake_http.requests] == [("POST", SEND), ("GET", STATUS)]
    assert fake_http.requests[1].param("client_ref") == f"{pk}-20261102080000"
    assert len(sms_gateway.sent) == 1


def test_timeout_when_the_gateway_lost_it_sends_once_more(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = sms_to("13800138000")
        fake_http.script("POST", SEND, Answer(delay=1.5, json={"message_id": "lost"}))
        assert run_once(worker="w1", limit=10).retry == 1
        clock.move_to(T0 + 30 * S)
        assert run_once(worker="w1", limit=10).sent == 1
    assert [(r.method, r.path) for r in fake_http.requests] == [
        ("POST", SEND),
        ("GET", STATUS),
        ("POST", SEND),
    ]
    assert Delivery.objects.get(pk=pk).external_id == "m1"
    assert len(sms_gateway.sent) == 1


def test_status_unknown_sends_nothing_and_stays_uncertain(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = sms_to("13800138000")
        Delivery.objects.filter(pk=pk).update(uncertain=True)
        fake_http.script("GET", STATUS, Answer(status=502, body=b"bad gateway"))
        assert run_once(worker="w1", limit=10).retry == 1
        assert state(pk) == ("retry", 1, T0 + 30 * S, True, "")
        assert Delivery.objects.get(pk=pk).last_error == "SMS gateway status: HTTP 502: bad gateway"
        clock.move_to(T0 + 30 * S)
        assert run_once(worker="w1", limit=10).sent == 1
    assert [(r.method, r.path) for r in fake_http.requests] == [
        ("GET", STATUS),
        ("GET", STATUS),
        ("POST", SEND),
    ]


@time_machine.travel(T0, tick=False)
def test_duplicate_client_ref_counts_as_sent(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    (pk,) = sms_to("13800138000")
    sms_gateway.by_ref[f"{pk}-20261102080000"] = "m-earlier"
    assert run_once(worker="w1", limit=10).sent == 1
    assert Delivery.objects.get(pk=pk).external_id == "m-earlier"
    assert sms_gateway.sent == []


def test_killed_worker_before_sending_sends_exactly_once(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = sms_to("13800138000")
        claim(worker="killed", limit=10, now=T0)
        clock.move_to(T0 + 61 * S)
        stats = run_once(worker="w2", limit=10)
        assert (stats.claimed, stats.sent) == (1, 1)
        clock.move_to(T0 + 200 * S)
        assert deliver(pk, "killed") == Outcome.SKIPPED
    assert [(r.method, r.path) for r in fake_http.requests] == [("GET", STATUS), ("POST", SEND)]
    assert len(sms_gateway.sent) == 1


def test_killed_worker_after_sending_sends_nothing_twice(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(row: Delivery, result: SendResult) -> Outcome:
        raise SystemExit("killed")

    with time_machine.travel(T0, tick=False) as clock:
        (pk,) = sms_to("13800138000")
        monkeypatch.setattr(worker_module, "_mark_sent", killed)
        with pytest.raises(SystemExit):
            run_once(worker="w1", limit=10)
        monkeypatch.undo()
        clock.move_to(T0 + 61 * S)
        assert run_once(worker="w2", limit=10).sent == 1
    assert [(r.method, r.path) for r in fake_http.requests] == [("POST", SEND), ("GET", STATUS)]
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.external_id, row.attempts) == ("sent", "m1", 2)
    assert len(sms_gateway.sent) == 1


@time_machine.travel(T0, tick=False)
def test_user_phone_comes_from_the_preference(
    sms_gateway: SmsGateway, fake_http: FakeHttpServer, bob: User
) -> None:
    set_preferences(user=bob, channels=["sms"], phone="13900139000")
    enqueue(topic="t", subject="通知", users=[bob])
    assert run_once(worker="w1", limit=10).sent == 1
    assert fake_http.requests[0].json["to"] == "13900139000"
