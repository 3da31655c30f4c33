"""Subscribe to sensor readings over MQTT and store them until stopped (SIGTERM or Ctrl-C).

Host, port, credentials, topic and client id come from settings (MQTT_HOST, MQTT_PORT,
MQTT_USERNAME, MQTT_PASSWORD, MQTT_TOPIC, MQTT_CLIENT_ID; environment RESIGRID_MQTT_*); the
options override them. Run one subscriber per client id (a second one with the same id takes the
session over); to share the load, give several subscribers distinct ids and a shared
subscription (`--topic '$share/readers/resigrid/sensors/+/readings'`).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from resigrid.monitoring.mqtt import ReadingSubscriber


class Command(BaseCommand):
    help = "Store sensor readings arriving over MQTT (malformed messages go to the dead letters)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        parser.add_argument("--topic")
        parser.add_argument("--client-id")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--flush-ms", type=int, default=200)
        parser.add_argument("--qos", type=int, choices=(0, 1), default=1)
        parser.add_argument(
            "--clean-session",
            action="store_true",
            help="Do not ask the broker to keep messages while the subscriber is away.",
        )
        parser.add_argument(
            "--report-seconds", type=float, default=60.0, help="Print counts this often."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        topic = options["topic"]
        subscriber = ReadingSubscriber(
            host=options["host"],
            port=options["port"],
            topic=topic,
            client_id=options["client_id"],
            clean_session=options["clean_session"],
            qos=options["qos"],
            batch_size=options["batch_size"],
            flush_seconds=options["flush_ms"] / 1000.0,
        )
        stop = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            worker = threading.Thread(target=subscriber.run, args=(stop,), name="mqtt-readings")
            worker.start()
            self.stdout.write(
                f"Subscribed to {subscriber.topic} at {subscriber.host}:{subscriber.port}"
            )
            while worker.is_alive():
                worker.join(timeout=options["report_seconds"])
                s = subscriber.stats
                self.stdout.write(
                    f"messages={s.messages} stored={s.stored} duplicates={s.duplicates} "
                    f"dead={s.dead} fired={s.fired} batches={s.batches} connects={s.connects}"
                )
        finally:
            stop.set()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
