"""WeCom and DingTalk robots against the fake server: what goes on the wire, the answers that
count as failures (errcode under HTTP 200, 429/5xx, timeouts, 4xx), rate-limit answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest
import time_machine

from resigrid.notify.models import Delivery, Robot, RobotSlot
from resigrid.notify.robots import EPOCH
from resigrid.notify.services import enqueue
from resigrid.notify.worker import run_once
from tests.factories import Tree
from tests.notify.fakehttp import Answer, FakeHttpServer
from tests.notify.helpers import DING_SECRET, DINGTALK_PATH, T0, WECOM_PATH, S, dingtalk, state
from tests.notify.helpers import wecom as make_wecom

pytestmark = pytest.mark.django_db


def post(robot: Robot, subject: str = "暴雨红色预警", body: str = "请立即转移。") -> int:
    enqueue(topic="alert.published", subject=subject, body=body, url="/alerts/1/", robots=[robot])
    return Delivery.objects.latest("id").pk


@time_machine.travel(T0, tick=False)
def test_wecom_text_on_the_wire(tree: Tree, fake_http: FakeHttpServer) -> None:
    robot = make_wecom(tree, fake_http)
    pk = post(robot)
    stats = run_once(worker="w1", limit=10)
    assert (stats.claimed, stats.sent) == (1, 1)
    (request,) = fake_http.requests
    assert (request.method, request.path, request.query) == ("POST", WECOM_PATH, {"key": ["k1"]})
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "msgtype": "text",
        "text": {"content": "暴雨红色预警\n\n请立即转移。\n\nhttps://grid.example.org/alerts/1/"},
    }
    ref = f"{pk}-20261102080000"
    assert (request.headers["idempotency-key"], request.headers["x-resigrid-delivery"]) == (
        ref,
        ref,
    )
    row = Delivery.objects.get(pk=pk)
    assert (row.channel, row.robot_id, row.status, row.attempts, row.sent_at) == (
        "wecom",
        robot.pk,
        "sent",
        1,
        T0,
    )


@time_machine.travel(T0, tick=False)
def test_wecom_markdown_and_long_text_cut_to_the_limit(
    tree: Tree, fake_http: FakeHttpServer
) -> None:
    robot = make_wecom(tree, fake_http, message_format="markdown")
    post(robot, body="雨" * 3000)
    run_once(worker="w1", limit=10)
    sent = fake_http.requests[0].json
    content = sent["markdown"]["content"]
    assert sent["msgtype"] == "markdown"
    assert content.startswith("**暴雨红色预警**\n\n雨雨")
    link = "https://grid.example.org/alerts/1/"
    assert content.endswith(f"…\n\n[{link}]({link})")
    assert 4090 <= len(content.encode()) <= 4096


@time_machine.travel(T0, tick=False)
def test_errcode_under_http_200_is_a_failure_and_retried(
    tree: Tree, fake_http: FakeHttpServer
) -> None:
    pk = post(make_wecom(tree, fake_http))
    fake_http.script("POST", WECOM_PATH, Answer(json={"errcode": 40008, "errmsg": "invalid"}))
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 30 * S, False, "")
    assert Delivery.objects.get(pk=pk).last_error == "WeCom: errcode 40008: invalid"
    with time_machine.travel(T0 + 30 * S, tick=False):
        assert run_once(worker="w1", limit=10).sent == 1
    assert state(pk) == ("sent", 2, T0 + 30 * S, False, "")
    assert len(fake_http.requests) == 2


@pytest.mark.parametrize(
    ("answer", "error", "wait"),
    [
        (Answer(status=503, body=b"busy"), "WeCom: HTTP 503: busy", 30),
        (
            Answer(status=429, body=b"slow", headers={"Retry-After": "120"}),
            "WeCom: HTTP 429: slow",
            120,
        ),
        (Answer(body=b"<html>proxy</html>"), "WeCom: answer is not JSON: <html>proxy</html>", 30),
        (Answer(json=[1]), "WeCom: answer is not a JSON object: [1]", 30),
    ],
)
@time_machine.travel(T0, tick=False)
def test_server_trouble_is_retried(
    tree: Tree, fake_http: FakeHttpServer, answer: Answer, error: str, wait: int
) -> None:
    pk = post(make_wecom(tree, fake_http))
    fake_http.script("POST", WECOM_PATH, answer)
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + wait * S, False, "")
    assert Delivery.objects.get(pk=pk).last_error == error


@time_machine.travel(T0, tick=False)
def test_a_refused_request_is_given_up(tree: Tree, fake_http: FakeHttpServer) -> None:
    pk = post(make_wecom(tree, fake_http))
    fake_http.script("POST", WECOM_PATH, Answer(status=404, body=b"no such robot"))
    assert run_once(worker="w1", limit=10).dead == 1
    assert state(pk) == ("dead", 1, T0, False, "")
    assert Delivery.objects.count() == 1  # a robot has no fallback


@time_machine.travel(T0, tick=False)
def test_no_answer_in_time_is_retried_as_uncertain(tree: Tree, fake_http: FakeHttpServer) -> None:
    pk = post(make_wecom(tree, fake_http))
    fake_http.script("POST", WECOM_PATH, Answer(delay=1.5))
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 30 * S, True, "")
    assert Delivery.objects.get(pk=pk).last_error == "WeCom: no answer in 1 s"
    with time_machine.travel(T0 + 30 * S, tick=False):
        assert run_once(worker="w1", limit=10).sent == 1
    assert state(pk) == ("sent", 2, T0 + 30 * S, False, "")


@time_machine.travel(T0, tick=False)
def test_nothing_listening_is_retried(tree: Tree, fake_http: FakeHttpServer) -> None:
    pk = post(make_wecom(tree, fake_http))
    fake_http.stop()
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 30 * S, False, "")
    assert Delivery.objects.get(pk=pk).last_error.startswith("WeCom: cannot connect:")


@time_machine.travel(T0, tick=False)
def test_wecom_rate_limit_answer_cools_the_robot_down(
    tree: Tree, fake_http: FakeHttpServer
) -> None:
    robot = make_wecom(tree, fake_http)
    first, second = post(robot), post(robot)
    fake_http.script(
        "POST", WECOM_PATH, Answer(json={"errcode": 45009, "errmsg": "api freq out of limit"})
    )
    stats = run_once(worker="w1", limit=10)
    assert (stats.retry, stats.deferred) == (1, 1)
    assert state(first) == ("retry", 1, T0 + 60 * S, False, "")
    # The second waits for the cooled-down slots without losing an attempt.
    assert state(second) == ("pending", 0, T0 + 60 * S, False, "")
    assert set(RobotSlot.objects.values_list("used_at", flat=True)) == {T0}
    assert len(fake_http.requests) == 1
    with time_machine.travel(T0 + 60 * S, tick=False):
        assert run_once(worker="w1", limit=10).sent == 2


def expected_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documented Python example, verbatim in spirit."""
    string_to_sign = f"{timestamp}\n{secret}".encode()
    code = hmac.new(secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(code))


@time_machine.travel(T0, tick=False)
def test_dingtalk_signed_text_on_the_wire(tree: Tree, fake_http: FakeHttpServer) -> None:
    robot = dingtalk(tree, fake_http)
    post(robot)
    assert run_once(worker="w1", limit=10).sent == 1
    (request,) = fake_http.requests
    stamp = str(int(T0.timestamp() * 1000))
    assert request.path == DINGTALK_PATH
    assert request.param("access_token") == "t1"
    assert request.param("timestamp") == stamp == "1793606400000"
    raw = dict(pair.split("=", 1) for pair in request.raw_query.split("&"))
    assert raw["sign"] == expected_sign(DING_SECRET, stamp)
    assert request.json == {
        "msgtype": "text",
        "text": {"content": "暴雨红色预警\n\n请立即转移。\n\nhttps://grid.example.org/alerts/1/"},
    }


@time_machine.travel(T0, tick=False)
def test_dingtalk_markdown_has_a_title(tree: Tree, fake_http: FakeHttpServer) -> None:
    post(dingtalk(tree, fake_http, message_format="markdown"))
    run_once(worker="w1", limit=10)
    assert fake_http.requests[0].json == {
        "msgtype": "markdown",
        "markdown": {
            "title": "暴雨红色预警",
            "text": "**暴雨红色预警**\n\n请立即转移。\n\n"
            "[https://grid.example.org/alerts/1/](https://grid.example.org/alerts/1/)",
        },
    }


@time_machine.travel(T0, tick=False)
def test_dingtalk_too_fast_throttles_ten_minutes(tree: Tree, fake_http: FakeHttpServer) -> None:
    robot = dingtalk(tree, fake_http)
    pk = post(robot)
    fake_http.script(
        "POST",
        DINGTALK_PATH,
        Answer(json={"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
    )
    assert run_once(worker="w1", limit=10).retry == 1
    assert state(pk) == ("retry", 1, T0 + 600 * S, False, "")
    assert Delivery.objects.get(pk=pk).last_error == (
        "DingTalk: errcode 130101: send too fast, exceed 20 times per minute"
    )
    assert set(RobotSlot.objects.values_list("used_at", flat=True)) == {T0 + 540 * S}


@time_machine.travel(T0, tick=False)
def test_switched_off_robot_is_given_up(tree: Tree, fake_http: FakeHttpServer) -> None:
    robot = make_wecom(tree, fake_http)
    pk = post(robot)
    robot.active = False
    robot.save()
    assert run_once(worker="w1", limit=10).dead == 1
    assert Delivery.objects.get(pk=pk).last_error == f"robot {robot.pk} is switched off"
    assert fake_http.requests == []


@time_machine.travel(T0, tick=False)
def test_credentials_are_encrypted_at_rest(tree: Tree, fake_http: FakeHttpServer) -> None:
    robot = dingtalk(tree, fake_http, token="secret-token-1234")
    stored = type(robot).objects.values("webhook_enc", "secret_enc", "webhook_hint").get()
    assert stored["webhook_enc"].startswith("v1:") and "secret-token" not in stored["webhook_enc"]
    assert stored["secret_enc"].startswith("v1:") and DING_SECRET not in stored["secret_enc"]
    assert stored["webhook_hint"] == f"{fake_http.base}{DINGTALK_PATH}?…1234"
    assert robot.secret() == DING_SECRET
    assert EPOCH < T0 and RobotSlot.objects.filter(robot=robot).count() == 20
