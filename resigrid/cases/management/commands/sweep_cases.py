"""Run the case sweeper once (schedule it every minute with cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.cases.sweeper import sweep


class Command(BaseCommand):
    help = "Mark overdue case stages, escalate them, and report unanswered whistles."

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        self.stdout.write(f"escalated={report.escalated} late_whistles={report.late_whistles}")
