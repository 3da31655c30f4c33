"""Run the silence sweep once (schedule it every minute with cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.monitoring.sweeper import sweep


class Command(BaseCommand):
    help = "Fire the silence rules of sensors that have sent nothing for too long."

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        self.stdout.write(f"checked={report.checked} fired={report.fired} failed={report.failed}")
