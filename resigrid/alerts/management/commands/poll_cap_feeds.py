"""Poll the configured CAP feeds once (schedule it every few minutes with cron or a timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.alerts.cap.feeds import poll_all


class Command(BaseCommand):
    help = "Fetch each CAP feed of ALERT_CAP_FEEDS and import the new alerts."

    def handle(self, *args: Any, **options: Any) -> None:
        reports = poll_all()
        if not reports:
            self.stdout.write("no CAP feeds configured (RESIGRID_ALERT_CAP_FEEDS)")
        for r in reports:
            self.stdout.write(
                f"{r.url} status={r.status} created={r.created} applied={r.applied} "
                f"duplicates={r.duplicates} skipped={r.skipped} invalid={r.invalid}"
            )
            for error in r.errors:
                self.stderr.write(f"  {error}")
