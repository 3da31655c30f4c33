"""Operator entry point for the outbox worker (see resigrid.notify.worker)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resigrid.notify.worker import RunStats, run_forever, run_once, worker_name


class Command(BaseCommand):
    help = (
        "Send due notification deliveries (email, SMS, WeCom and DingTalk robots). "
        "--once: one batch and exit (cron); "
        "--loop: keep going, waiting --interval seconds when idle, until SIGTERM or Ctrl-C. "
        "Run as many as you like, on as many hosts as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="one batch, then exit (default)")
        mode.add_argument("--loop", action="store_true", help="run until stopped")
        parser.add_argument("--interval", type=float, default=5.0, help="idle wait, seconds")
        parser.add_argument("--limit", type=int, default=100, help="deliveries per batch")
        parser.add_argument("--worker", default="", help="name in leased_by (default host:pid)")

    def handle(
        self,
        *args: Any,
        once: bool,
        loop: bool,
        interval: float,
        limit: int,
        worker: str,
        **options: Any,
    ) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if interval < 0:
            raise CommandError("--interval must not be negative.")
        name = worker or worker_name()
        if loop:
            stopping: list[bool] = []

            def stop(signum: int, frame: FrameType | None) -> None:
                stopping.append(True)

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            stats = run_forever(
                worker=name, limit=limit, interval=interval, should_stop=lambda: bool(stopping)
            )
        else:
            stats = run_once(worker=name, limit=limit)
        self.stdout.write(self._summary(name, stats))

    @staticmethod
    def _summary(name: str, stats: RunStats) -> str:
        return (
            f"{name}: {stats.claimed} claimed, {stats.sent} sent, {stats.retry} to retry, "
            f"{stats.dead} given up, {stats.deferred} deferred, {stats.skipped} skipped"
        )
