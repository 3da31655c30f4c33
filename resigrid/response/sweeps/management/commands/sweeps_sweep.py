"""Escalate overdue vulnerable-person sweeps once (schedule it every few minutes with cron or a
systemd timer; the progress page also escalates on read, and both are idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.response.sweeps.services import escalate_all_overdue


class Command(BaseCommand):
    help = "Escalate every open sweep past its deadline that was not escalated yet."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"escalation_tasks={escalate_all_overdue()}")
