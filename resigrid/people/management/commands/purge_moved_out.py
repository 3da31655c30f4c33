"""Retention rule (PIPL art. 19): purge the personal fields of people who moved out long ago."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from resigrid.people.services import purge_moved_out


class Command(BaseCommand):
    help = (
        "Purge ID number, phone, notes and vulnerability details of people who moved out more "
        "than N days ago (default settings.PERSON_RETENTION_DAYS); --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=getattr(settings, "PERSON_RETENTION_DAYS", 1095)
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, days: int, dry_run: bool, **options: Any) -> None:
        if days < 0:
            self.stderr.write("--days must not be negative.")
            raise SystemExit(2)
        before = timezone.localdate() - dt.timedelta(days=days)
        report = purge_moved_out(before=before, dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        self.stdout.write(
            f"{verb} {report.persons} persons who moved out before {before.isoformat()} "
            f"({report.vulnerabilities} tags, {report.needs} needs)"
        )
