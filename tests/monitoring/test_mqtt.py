"""MQTT against the machine's Mosquitto at 127.0.0.1:1883: readings stored in batches with the
rules evaluated, malformed messages dead-lettered (never a crash), a flood of 20,000 messages with
nothing lost, reconnection after the connection drops (messages sent meanwhile arrive), a
database hiccup retried. Each test uses a topic of its own, so parallel runs do not mix.

A missing broker fails these tests (it does not skip them): install and start `mosquitto`."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import paho.mqtt.client as paho
import pytest
from django.core.management import call_command
from django.db import OperationalError
from paho.mqtt.enums import CallbackAPIVersion

from resigrid.alerts.models import Alert
from resigrid.core.probe import answers
from resigrid.monitoring import mqtt, services
from resigrid.monitoring.models import DeadLetter, Reading, Rule
from resigrid.monitoring.mqtt import ReadingSubscriber
from tests.monitoring.conftest import Station

pytestmark = pytest.mark.django_db(transaction=True)

HOST, PORT = "127.0.0.1", 1883


@pytest.fixture(autouse=True)
def broker() -> None:
    if not answers(HOST, PORT):
        pytest.fail(
            f"No MQTT broker at {HOST}:{PORT}. The monitoring tests run against a real "
            "Mosquitto: `apt-get install mosquitto` and start it (CI must provide it)."
        )


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def wait_until(predicate, timeout: float = 30.0, what: str = "", detail=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}" + (f": {detail()}" if detail else ""))


@contextmanager
def running(prefix: str, port: int = PORT, **options: Any) -> Iterator[ReadingSubscriber]:
    options.setdefault("client_id", f"{prefix}-sub")
    options.setdefault("clean_session", True)
    subscriber = ReadingSubscriber(
        host=HOST,
        port=port,
        topic=f"{prefix}/sensors/+/readings",
        flush_seconds=0.05,
        username="",
        **options,
    )
    stop = threading.Event()
    thread = threading.Thread(target=subscriber.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert subscriber.subscribed.wait(10), "the subscriber did not subscribe"
        yield subscriber
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the subscriber did not stop"


@contextmanager
def publisher(client_id: str = "") -> Iterator[paho.Client]:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_queued_messages_set(0)
    client.connect(HOST, PORT)
    client.loop_start()
    try:
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


def publish_all(
    messages: Sequence[tuple[str, bytes | str]], qos: int = 1, received=None, window: int = 900
) -> None:
    """Publish as fast as the broker takes them; with `received` (how many the subscriber has
    got so far), never more than `window` ahead of it: Mosquitto drops what overflows its
    per-client queue (`max_queued_messages`, 1,000 by default), whoever the subscriber is, so
    a test on a busy machine must not outrun it."""
    with publisher() as client:
        infos = []
        for i, (topic, payload) in enumerate(messages):
            if received is not None:
                deadline = time.monotonic() + 30
                while i - received() >= window and time.monotonic() < deadline:
                    time.sleep(0.001)
            infos.append(client.publish(topic, payload, qos=qos))
        for info in infos:
            info.wait_for_publish(30)


def reading(at: dt.datetime, value: Any) -> str:
    return json.dumps({"at": at.isoformat(), "value": value})


def test_readings_are_stored_and_the_rule_fires(station: Station, prefix: str) -> None:
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    topic = f"{prefix}/sensors/WL-001/readings"
    with running(prefix) as subscriber:
        publish_all(
            [
                (topic, reading(now - dt.timedelta(minutes=3), 2.1)),
                (
                    topic,
                    json.dumps(
                        [
                            {"at": (now - dt.timedelta(minutes=2)).isoformat(), "value": 2.6},
                            {"at": (now - dt.timedelta(minutes=1)).isoformat(), "value": 3.4},
                        ]
                    ),
                ),
                (topic, json.dumps({"value": 3.5})),  # no time: when it arrived
            ]
        )
        wait_until(lambda: subscriber.stats.handled == 3, what="3 messages")
    assert (subscriber.stats.stored, subscriber.stats.dead, subscriber.stats.fired) == (4, 0, 1)
    values = list(Reading.objects.order_by("at").values_list("value", flat=True))
    assert values == [2.1, 2.6, 3.4, 3.5]
    assert Reading.objects.order_by("at").last().at >= now  # type: ignore[union-attr]
    alert = Alert.objects.get()
    assert (alert.source, alert.level, alert.state) == ("sensor", "orange", "draft")


def test_malformed_messages_become_dead_letters(station: Station, prefix: str) -> None:
    now = dt.datetime.now(dt.UTC)
    good = f"{prefix}/sensors/WL-001/readings"
    with running(prefix) as subscriber:
        publish_all(
            [
                (good, "{not json"),
                (good, b"\xff\xfe\x00garbage"),
                (good, json.dumps({"at": now.isoformat()})),  # no value
                (good, json.dumps([])),
                (good, json.dumps(["3.2"])),
                (f"{prefix}/sensors/NOPE/readings", reading(now, 1.0)),
                (good, reading(now, "high")),
                (good, reading(now, 99)),  # outside [−1, 10]
                (good, reading(now + dt.timedelta(days=2), 1.0)),
                (good, reading(now, 1.5)),  # and a good one still gets through
            ]
        )
        wait_until(lambda: subscriber.stats.handled == 10, what="10 messages")
        assert subscriber.connected.is_set()
    assert list(Reading.objects.values_list("value", flat=True)) == [1.5]
    errors = sorted(
        e.split(":")[0] + ":" + e.split(":")[1]
        for e in DeadLetter.objects.values_list("error", flat=True)
    )
    assert errors == sorted(
        [
            "payload: not JSON (Expecting property name enclosed in double quotes",
            "payload: not JSON ('utf-8' codec can't decode byte 0xff in position 0",
            'payload: expected {"at"',
            "payload: an empty list",
            'payload: expected {"at"',
            "sensor: unknown_sensor",
            "value: not_numeric",
            "value: out_of_range",
            "at: future",
        ]
    )
    letter = DeadLetter.objects.get(error__startswith="sensor")
    assert (letter.source, letter.topic) == ("mqtt", f"{prefix}/sensors/NOPE/readings")
    assert json.loads(letter.payload)["value"] == 1.0


def test_a_flood_of_20000_messages_loses_nothing(station: Station, admin_user, prefix: str) -> None:
    codes = [f"F{i:02d}" for i in range(20)]
    for i, code in enumerate(codes):
        services.create_sensor(
            actor=admin_user,
            data=services.SensorData(
                code=code, kind="rainfall", name=code, lon=120.01 + i * 0.004, lat=30.02
            ),
        )
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    messages: list[tuple[str, str]] = []
    bad = 0
    for n in range(20_000):
        code = codes[n % 20]
        at = start + dt.timedelta(seconds=n)
        if n % 97 == 0:
            messages.append((f"{prefix}/sensors/NOPE{n}/readings", reading(at, 1.0)))
            bad += 1
        elif n % 89 == 0:
            messages.append((f"{prefix}/sensors/{code}/readings", "{broken"))
            bad += 1
        else:
            messages.append((f"{prefix}/sensors/{code}/readings", reading(at, n % 50)))
    began = time.monotonic()
    with running(prefix) as subscriber:
        publish_all(messages, received=lambda: subscriber.stats.messages)
        wait_until(
            lambda: subscriber.stats.handled == 20_000,
            timeout=180,
            what="the flood",
            detail=lambda: subscriber.stats,
        )
    took = time.monotonic() - began
    assert subscriber.stats.messages == 20_000
    assert (subscriber.stats.stored, subscriber.stats.dead) == (20_000 - bad, bad)
    assert Reading.objects.count() == 20_000 - bad
    assert DeadLetter.objects.count() == bad
    assert took < 180  # the speed itself is measured in bench/bench_readings.py


class Proxy:
    """A TCP proxy in front of the broker whose connections can be cut."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection((HOST, PORT))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            for s in self.sockets:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()

    def close(self) -> None:
        self.server.close()
        self.cut()


def test_reconnects_and_gets_what_was_sent_meanwhile(station: Station, prefix: str) -> None:
    proxy = Proxy()
    topic = f"{prefix}/sensors/WL-001/readings"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    client_id = f"{prefix}-persistent"
    try:
        with running(prefix, port=proxy.port, client_id=client_id, clean_session=False) as sub:
            publish_all([(topic, reading(now - dt.timedelta(minutes=3), 1.0))])
            wait_until(lambda: sub.stats.handled == 1, what="the first message")
            proxy.cut()
            wait_until(lambda: not sub.connected.is_set(), what="the disconnection")
            # Sent while the subscriber is away: the broker keeps them for its session.
            publish_all(
                [
                    (topic, reading(now - dt.timedelta(minutes=2), 2.0)),
                    (topic, reading(now - dt.timedelta(minutes=1), 3.0)),
                ]
            )
            wait_until(lambda: sub.stats.handled == 3, timeout=20, what="the messages sent away")
            assert sub.stats.connects >= 2
    finally:
        proxy.close()
        with publisher(client_id):  # a clean session with the same id drops the kept one
            pass
    assert list(Reading.objects.order_by("at").values_list("value", flat=True)) == [1.0, 2.0, 3.0]


def test_a_killed_receiver_is_started_again_and_gets_what_was_kept(
    station: Station, prefix: str
) -> None:
    topic = f"{prefix}/sensors/WL-001/readings"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    client_id = f"{prefix}-kept"
    try:
        with running(prefix, client_id=client_id, clean_session=False) as sub:
            publish_all([(topic, reading(now - dt.timedelta(minutes=2), 1.0))])
            wait_until(lambda: sub.stats.handled == 1, what="the first message")
            first = sub.receiver_pid
            assert first is not None
            os.kill(first, signal.SIGKILL)
            wait_until(lambda: not sub.subscribed.is_set(), what="the receiver's end")
            publish_all([(topic, reading(now - dt.timedelta(minutes=1), 2.0))])  # nobody there
            wait_until(lambda: sub.stats.handled == 2, timeout=20, what="the kept message")
            assert sub.receiver_pid != first
    finally:
        with publisher(client_id):
            pass
    assert list(Reading.objects.order_by("at").values_list("value", flat=True)) == [1.0, 2.0]


def test_a_database_error_is_retried_without_loss(
    station: Station, prefix: str, monkeypatch
) -> None:
    calls = {"n": 0}
    real = mqtt.store

    def flaky(messages, pattern):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(messages, pattern)

    monkeypatch.setattr(mqtt, "store", flaky)
    now = dt.datetime.now(dt.UTC)
    with running(prefix) as subscriber:
        publish_all([(f"{prefix}/sensors/WL-001/readings", reading(now, 1.0))])
        wait_until(lambda: subscriber.stats.handled == 1, what="the retried message")
    assert (subscriber.stats.db_retries, Reading.objects.count()) == (1, 1)


def test_a_bug_in_storing_dead_letters_the_batch_and_goes_on(
    station: Station, prefix: str, monkeypatch
) -> None:
    real = mqtt.store

    def buggy(messages, pattern):
        if any(b"boom" in m.payload for m in messages):
            raise RuntimeError("boom")
        return real(messages, pattern)

    monkeypatch.setattr(mqtt, "store", buggy)
    now = dt.datetime.now(dt.UTC)
    topic = f"{prefix}/sensors/WL-001/readings"
    with running(prefix) as subscriber:
        publish_all([(topic, json.dumps({"value": 1, "note": "boom"}))])
        wait_until(lambda: subscriber.stats.handled == 1, what="the bad message")
        publish_all([(topic, reading(now, 2.0))])
        wait_until(lambda: subscriber.stats.handled == 2, what="the next message")
    assert list(DeadLetter.objects.values_list("error", flat=True)) == [
        "internal: RuntimeError('boom')"
    ]
    assert list(Reading.objects.values_list("value", flat=True)) == [2.0]


def test_the_command_runs_until_sigterm(station: Station, prefix: str, capsys) -> None:
    now = dt.datetime.now(dt.UTC)
    topic = f"{prefix}/sensors/WL-001/readings"

    def drive() -> None:
        try:
            time.sleep(1.0)  # connected and subscribed by then
            publish_all([(topic, reading(now, 1.25))])
            time.sleep(1.0)  # stored by then (50 ms batches)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    driver = threading.Thread(target=drive)
    driver.start()
    call_command(
        "mqtt_readings",
        topic=f"{prefix}/sensors/+/readings",
        client_id=f"{prefix}-cmd",
        clean_session=True,
        flush_ms=50,
        report_seconds=0.5,
    )
    driver.join()
    out = capsys.readouterr().out
    assert f"Subscribed to {prefix}/sensors/+/readings at 127.0.0.1:1883" in out
    assert "stored=1" in out.splitlines()[-1]
    assert list(Reading.objects.values_list("value", flat=True)) == [1.25]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back
