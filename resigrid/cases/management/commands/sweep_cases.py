"""Run the case sweeper once (schedule it every minute with cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.cases.sweeper import sweep


class Command(BaseCommand):
    help = (
        "Mark overdue case stages, escalate them, report unanswered whistles, add settled "
        "cases to the metrics rollup and forget Idempotency-Key answers older than a day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        self.stdout.write(
            f"escalated={report.escalated} late_whistles={report.late_whistles} "
            f"absorbed={report.absorbed} purged_keys={report.purged_keys}"
        )
