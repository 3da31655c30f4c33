"""Readings over MQTT: a subscriber on `resigrid/sensors/<code>/readings` (the `+` of the topic
pattern is the sensor code) whose payload is a JSON object {"at": …, "value": …} or a list of
them (`at` as for the HTTP endpoint; absent: the time the subscriber received the message).

paho's network thread only puts each message on a queue (and acknowledges it); the subscriber's
own thread stores them in batches (every `flush_seconds` or `batch_size` messages) through the
same ingest service as the HTTP endpoint, with the rules evaluated. A message that cannot be
read, or an item the service refuses (unknown sensor, not a number, out of range, far future…),
becomes a DeadLetter row with the reason; nothing is dropped silently and nothing raises out of
the loop. When the database is unreachable the batch is kept and retried with backoff; when the
broker goes away paho reconnects with backoff (1 s doubling to 60 s) and the subscription is
renewed. With a fixed client id and `clean_session=False` (the command's default) the broker
keeps QoS 1 messages for the subscriber while it is away.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
    transaction,
)
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from resigrid.monitoring import conf
from resigrid.monitoring.choices import DeadLetterSource
from resigrid.monitoring.ingest import ReadingIn, ingest
from resigrid.monitoring.models import DeadLetter

log = logging.getLogger(__name__)

MAX_PAYLOAD_KEPT = 65_536  # characters of a dead letter's payload


@dataclass
class Message:
    topic: str
    payload: bytes
    received_at: Any  # aware datetime


@dataclass
class Stats:
    messages: int = 0  # received from the broker
    handled: int = 0  # stored, duplicates or dead-lettered
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    batches: int = 0
    fired: int = 0
    db_retries: int = 0
    connects: int = 0
    disconnects: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def sensor_code(topic: str, pattern: str) -> str | None:
    """The level of `topic` where `pattern` has `+`; None when the topic does not match. A shared
    subscription (`$share/<group>/<pattern>`) matches as its pattern."""
    if pattern.startswith("$share/"):
        pattern = pattern.split("/", 2)[2] if pattern.count("/") >= 2 else ""
    want, got = pattern.split("/"), topic.split("/")
    if len(want) != len(got):
        return None
    code = None
    for w, g in zip(want, got, strict=True):
        if w == "+":
            code = g
        elif w != g:
            return None
    return code or None


@dataclass
class StoreResult:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    fired: int = 0


def _text(raw: bytes | str) -> str:
    """Storable text: undecodable bytes as \\xNN escapes, NUL (refused by PostgreSQL) too."""
    text = raw.decode("utf-8", errors="backslashreplace") if isinstance(raw, bytes) else raw
    return text.replace("\x00", "\\x00")


def _dead(m: Message, error: str, payload: str | None = None) -> DeadLetter:
    return DeadLetter(
        source=DeadLetterSource.MQTT,
        topic=_text(m.topic)[:200],
        payload=_text(payload if payload is not None else m.payload)[:MAX_PAYLOAD_KEPT],
        error=_text(error)[:2000],
        received_at=m.received_at,
    )


def store(messages: Sequence[Message], pattern: str) -> StoreResult:
    """Store a batch of messages: readings through the ingest service, the rest as dead
    letters, in one transaction."""
    out = StoreResult(messages=len(messages))
    items: list[ReadingIn] = []
    origin: list[tuple[Message, Any]] = []
    dead: list[DeadLetter] = []
    for m in messages:
        code = sensor_code(m.topic, pattern)
        if code is None:
            dead.append(_dead(m, "topic: the topic does not name a sensor"))
            continue
        try:
            data = json.loads(m.payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            dead.append(_dead(m, f"payload: not JSON ({exc})"))
            continue
        entries = data if isinstance(data, list) else [data]
        if not entries:
            dead.append(_dead(m, "payload: an empty list"))
        for entry in entries:
            if not isinstance(entry, dict) or "value" not in entry:
                dead.append(_dead(m, 'payload: expected {"at": …, "value": …}', json.dumps(entry)))
                continue
            at = entry.get("at")
            items.append(ReadingIn(sensor=code, value=entry["value"], at=at or m.received_at))
            origin.append((m, entry))
    limit = int(conf.get("MONITORING_MAX_BATCH"))
    with transaction.atomic():
        for start in range(0, len(items), limit):
            chunk = items[start : start + limit]
            result = ingest(actor=None, items=chunk, system=True)
            out.stored += result.stored
            out.duplicates += result.duplicates
            out.fired += sum(1 for e in result.events if e.kind == "fire")
            for err in result.errors:
                m, entry = origin[start + err.index]
                dead.append(
                    _dead(
                        m, f"{err.field}: {err.code}: {err.message}", json.dumps(entry, default=str)
                    )
                )
        DeadLetter.objects.bulk_create(dead, batch_size=1000)
    out.dead = len(dead)
    return out


class ReadingSubscriber:
    """Subscribe and store until `stop` is set (`run` blocks; call it in its own thread)."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        topic: str | None = None,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        clean_session: bool = False,
        qos: int = 1,
        batch_size: int = 1000,
        flush_seconds: float = 0.2,
        min_reconnect: int = 1,
        max_reconnect: int = 60,
    ) -> None:
        self.host = host or str(conf.get("MQTT_HOST"))
        self.port = int(port or conf.get("MQTT_PORT"))
        self.topic = topic or str(conf.get("MQTT_TOPIC"))
        self.qos = qos
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.stats = Stats()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.queue: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id if client_id is not None else str(conf.get("MQTT_CLIENT_ID")),
            clean_session=clean_session,
        )
        user = username if username is not None else str(conf.get("MQTT_USERNAME"))
        if user:
            secret = password if password is not None else str(conf.get("MQTT_PASSWORD"))
            self.client.username_pw_set(user, secret or None)
        self.client.reconnect_delay_set(min_delay=min_reconnect, max_delay=max_reconnect)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # paho's network thread ---------------------------------------------------------------------

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT connection to %s:%s refused: %s", self.host, self.port, reason)
            return
        client.subscribe(self.topic, qos=self.qos)
        with self.stats.lock:
            self.stats.connects += 1
        self.connected.set()
        log.info("MQTT connected to %s:%s, subscribed to %s", self.host, self.port, self.topic)

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        if any(r.is_failure for r in reasons):
            log.error("MQTT subscription to %s refused: %s", self.topic, reasons)
            return
        self.subscribed.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        with self.stats.lock:
            self.stats.disconnects += 1
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with backoff", reason)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        self.queue.put(Message(msg.topic, bytes(msg.payload), timezone.now()))
        with self.stats.lock:
            self.stats.messages += 1

    # The storing thread ------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        self._stop = stop
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        try:
            while not stop.is_set():
                self._pump(stop)
            self.client.disconnect()
            time.sleep(0.05)
            while not self.queue.empty():  # what arrived before the disconnect
                self._pump(stop)
        finally:
            self.client.loop_stop()
            connections.close_all()  # this thread's connections

    def _pump(self, stop: threading.Event) -> None:
        batch: list[Message] = []
        deadline = 0.0
        while len(batch) < self.batch_size:
            timeout = self.flush_seconds if not batch else deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(self.queue.get(timeout=timeout))
            except queue.Empty:
                break
            if len(batch) == 1:
                deadline = time.monotonic() + self.flush_seconds
        if batch:
            self._flush(batch, stop)

    def _flush(self, batch: list[Message], stop: threading.Event) -> None:
        delay = 0.5
        while True:
            try:
                result = store(batch, self.topic)
            except (OperationalError, InterfaceError):  # the database is away: wait, retry
                log.exception(
                    "storing %d MQTT messages failed; retrying in %.1f s", len(batch), delay
                )
                with self.stats.lock:
                    self.stats.db_retries += 1
                close_old_connections()
                if stop.wait(delay) and delay >= 8:
                    log.error("stopping with %d MQTT messages not stored", len(batch))
                    return
                delay = min(delay * 2, 30.0)
                continue
            except Exception:  # bad data the checks let through, or a bug: message by message
                log.exception("storing %d MQTT messages failed; one by one", len(batch))
                result = self._one_by_one(batch)
            self._count(result)
            return

    def _one_by_one(self, batch: list[Message]) -> StoreResult:
        total = StoreResult()
        for m in batch:
            try:
                r = store([m], self.topic)
            except Exception as exc:  # a bug: keep the message, with the error, as a dead letter
                log.exception("MQTT message on %s could not be stored", m.topic)
                try:
                    _dead(m, f"internal: {exc!r}").save()
                except Exception:
                    log.exception("and could not be dead-lettered either")
                r = StoreResult(messages=1, dead=1)
            total.messages += r.messages
            total.stored += r.stored
            total.duplicates += r.duplicates
            total.dead += r.dead
            total.fired += r.fired
        return total

    def _count(self, r: StoreResult) -> None:
        with self.stats.lock:
            self.stats.batches += 1
            self.stats.stored += r.stored
            self.stats.duplicates += r.duplicates
            self.stats.dead += r.dead
            self.stats.fired += r.fired
            self.stats.handled += r.messages
