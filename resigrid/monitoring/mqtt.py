"""Readings over MQTT: a subscriber on `resigrid/sensors/<code>/readings` (the `+` of the topic
pattern is the sensor code) whose payload is a JSON object {"at": …, "value": …} or a list of
them (`at` as for the HTTP endpoint; absent: the time the subscriber received the message).

The MQTT client lives in a child process (mqtt_receiver.py: it only acknowledges messages and
passes them on through a pipe, so that it never waits for this process's work); this side stores
them in batches (every `flush_seconds` or `batch_size` messages) through the same ingest service
as the HTTP endpoint, with the rules evaluated. A message that cannot be
read, or an item the service refuses (unknown sensor, not a number, out of range, far future…),
becomes a DeadLetter row with the reason; nothing is dropped silently and nothing raises out of
the loop. When the database is unreachable the batch is kept and retried with backoff; when the
broker goes away paho reconnects with backoff (1 s doubling to 60 s) and the subscription is
renewed; a receiver process that dies is started again. With a fixed client id and
`clean_session=False` (the command's default) the broker keeps QoS 1 messages for the subscriber
while it is away. What a killed subscriber had received but not stored (at most one batch, about
`flush_seconds`) is lost: the broker had its acknowledgement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import multiprocessing
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
    transaction,
)

from resigrid.monitoring import conf
from resigrid.monitoring import mqtt_receiver as receiver
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
    """Subscribe and store until `stop` is set (`run` blocks; call it in its own thread).

    The MQTT client runs in a child process (mqtt_receiver.py) that only receives and passes
    messages on; this side stores them in batches."""

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
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.options = receiver.Options(
            host=self.host,
            port=self.port,
            topic=self.topic,
            username=username if username is not None else str(conf.get("MQTT_USERNAME")),
            password=password if password is not None else str(conf.get("MQTT_PASSWORD")),
            client_id=client_id if client_id is not None else str(conf.get("MQTT_CLIENT_ID")),
            clean_session=clean_session,
            qos=qos,
            min_reconnect=min_reconnect,
            max_reconnect=max_reconnect,
        )
        self.stats = Stats()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.receiver_pid: int | None = None

    def _status(self, kind: str, detail: Any) -> None:
        if kind == "connected":
            self.connected.set()
            with self.stats.lock:
                self.stats.connects += 1
            log.info("MQTT connected to %s:%s, subscribing to %s", self.host, self.port, self.topic)
        elif kind == "subscribed":
            self.subscribed.set()
        elif kind == "disconnected":
            self.connected.clear()
            self.subscribed.clear()
            with self.stats.lock:
                self.stats.disconnects += 1
            log.warning("MQTT disconnected (%s); reconnecting with backoff", detail)
        elif kind == "refused":
            log.error("MQTT at %s:%s refused: %s", self.host, self.port, detail)

    def _start(self) -> tuple[Any, Connection]:
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        child = ctx.Process(
            target=receiver.receive, args=(theirs, self.options), name="mqtt-receiver", daemon=True
        )
        child.start()
        theirs.close()
        self.receiver_pid = child.pid
        return child, mine

    def run(self, stop: threading.Event) -> None:
        child, conn = self._start()
        pending: list[Message] = []
        first = 0.0
        stopping = done = False
        try:
            while not done:
                if stop.is_set() and not stopping:
                    with contextlib.suppress(OSError):
                        conn.send("stop")
                    stopping = True
                wait = self.flush_seconds if not pending else first + self.flush_seconds
                if pending:
                    wait -= time.monotonic()
                if conn.poll(max(0.0, min(wait, 0.1))):
                    try:
                        kind, data = conn.recv()
                    except (EOFError, OSError):
                        if stopping:
                            done = True
                        else:  # the receiver died: start another (the broker kept the rest)
                            log.error("the MQTT receiver process ended; starting it again")
                            self._status("disconnected", "receiver process ended")
                            child.join(1)
                            conn.close()
                            time.sleep(1.0)
                            child, conn = self._start()
                        continue
                    if kind == "messages":
                        if not pending:
                            first = time.monotonic()
                        pending += [
                            Message(t, p, dt.datetime.fromtimestamp(at, tz=dt.UTC))
                            for t, p, at in data
                        ]
                        with self.stats.lock:
                            self.stats.messages += len(data)
                    elif kind == "done":
                        done = True
                    else:
                        self._status(kind, data)
                if pending and (
                    len(pending) >= self.batch_size
                    or done
                    or time.monotonic() - first >= self.flush_seconds
                ):
                    for start in range(0, len(pending), self.batch_size):
                        self._flush(pending[start : start + self.batch_size], stop)
                    pending = []
        finally:
            conn.close()
            child.join(5)
            if child.is_alive():
                child.terminate()
            self.connected.clear()
            self.subscribed.clear()
            connections.close_all()  # this thread's connections

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
