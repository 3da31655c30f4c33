"""Recompute the case metrics rollup from the cases (after changing CASE_RESPONSE_MINUTES or
TIME_ZONE, or recoding areas or categories; the sweeper keeps it up to date otherwise)."""

from typing import Any

from django.core.management.base import BaseCommand

from resigrid.cases.metrics import rollup


class Command(BaseCommand):
    help = "Rebuild the case metrics rollup (CaseStat) from every case."

    def handle(self, *args: Any, **options: Any) -> None:
        held = rollup.rebuild()
        self.stdout.write(f"cases in the rollup: {held}")
