"""The MQTT side of the subscriber, in a process of its own (no Django here).

paho reads one packet per wake-up of its network thread, with several socket reads per packet,
and each read gives the GIL up; next to a thread busy storing readings it waits up to the switch
interval (5 ms) every time, so it falls to a few hundred messages a second and Mosquitto drops
what overflows its per-client queue (`max_queued_messages`, 1,000 by default). Here paho has the
interpreter to itself: it acknowledges messages as fast as they come and hands them on through a
pipe, in lists, to the process that stores them (mqtt.py). Whatever that process is doing, the
broker's queue for us stays short.

Pipe protocol, child → parent: ("connected", None), ("subscribed", None), ("disconnected",
reason), ("messages", [(topic, payload, received_at_epoch), …]), ("done", None) after a "stop"
from the parent (or when the parent has gone away).
"""

from __future__ import annotations

import collections
import logging
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)

SEND_EVERY = 0.02  # seconds: how often the received messages go down the pipe


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    topic: str
    username: str
    password: str
    client_id: str
    clean_session: bool
    qos: int
    min_reconnect: int
    max_reconnect: int


def receive(conn: Connection, options: Options) -> None:
    """Run in the child process until the parent says "stop" or goes away."""
    # Signals are for the parent (a service manager signals the whole group): it says "stop"
    # when it has stored what came, and this process ends when the pipe does.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox: collections.deque[tuple[str, bytes, float]] = collections.deque()
    status: collections.deque[tuple[str, Any]] = collections.deque()
    arrived = threading.Event()

    def on_connect(client: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            status.append(("refused", str(reason)))
            return
        client.subscribe(options.topic, qos=options.qos)
        status.append(("connected", None))
        arrived.set()

    def on_subscribe(_c: paho.Client, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        status.append(("refused", ", ".join(failed)) if failed else ("subscribed", None))
        arrived.set()

    def on_disconnect(_c: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        status.append(("disconnected", str(reason)))
        arrived.set()

    def on_message(_c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        inbox.append((msg.topic, bytes(msg.payload), time.time()))
        arrived.set()

    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=options.client_id,
        clean_session=options.clean_session,
    )
    if options.username:
        client.username_pw_set(options.username, options.password or None)
    client.reconnect_delay_set(min_delay=options.min_reconnect, max_delay=options.max_reconnect)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_disconnect = on_disconnect
    client.on_message = on_message
    client.connect_async(options.host, options.port, keepalive=30)
    client.loop_start()

    def hand_on() -> None:
        while status:
            conn.send(status.popleft())
        batch = []
        while inbox:
            batch.append(inbox.popleft())
        if batch:
            conn.send(("messages", batch))

    try:
        while True:
            arrived.wait(SEND_EVERY)
            arrived.clear()
            hand_on()
            if conn.poll():
                conn.recv()  # "stop" (EOFError when the parent is gone)
                break
    except (EOFError, BrokenPipeError, ConnectionResetError):
        client.loop_stop()
        return
    client.disconnect()
    client.loop_stop()
    hand_on()  # what arrived before the disconnection
    conn.send(("done", None))
    conn.close()
