"""Run the alerts sweeper once (schedule it every minute with cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.alerts.sweeper import as_dict, sweep


class Command(BaseCommand):
    help = "Expire alerts, escalate unacknowledged recipients and report late levels."

    def handle(self, *args: Any, **options: Any) -> None:
        report = as_dict(sweep())
        self.stdout.write(" ".join(f"{k}={v}" for k, v in report.items()))
