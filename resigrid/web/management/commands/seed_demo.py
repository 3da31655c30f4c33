"""`manage.py seed_demo`: a deterministic demo district for trying Resigrid out.

The sizing rule and the layout are described in resigrid/web/demo/builder.py.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from resigrid.areas.models import Area
from resigrid.web.demo.builder import (
    DEFAULT_PASSWORD,
    DemoError,
    DemoSummary,
    build_demo,
    demo_logins,
)


class Command(BaseCommand):
    help = (
        "Create a demo district (street, communities, grids, buildings, households, residents) "
        "and one login per role. The same --seed always gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--communities", type=int, default=4, help="default 4")
        parser.add_argument(
            "--grids",
            type=int,
            default=None,
            help="number of grids (default: about one per 400 households; grows when a grid "
            "would exceed 500 households)",
        )
        parser.add_argument("--residents", type=int, default=15000, help="default 15000")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but list the logins) when any area already exists",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password of every demo account (default {DEFAULT_PASSWORD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password: str = options["password"]
        if Area.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The demo (or other areas) already exists; nothing written.")
                self._print_logins(demo_logins(), password)
                return
            raise CommandError(
                "Areas already exist. Seed an empty database, or pass --if-empty to skip."
            )
        started = time.perf_counter()
        with tqdm(
            total=options["residents"],
            unit=" people",
            file=sys.stderr,
            desc="residents",
            disable=None,  # only on a terminal
        ) as bar:
            try:
                summary = build_demo(
                    seed=options["seed"],
                    communities=options["communities"],
                    grids=options["grids"],
                    residents=options["residents"],
                    password=password,
                    on_people=bar.update,
                )
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
        self._print_summary(summary, time.perf_counter() - started)
        self._print_logins(summary.logins, password)

    def _print_summary(self, s: DemoSummary, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo written in {seconds:.1f} s: {s.communities} communities, {s.grids} grids, "
                f"{s.buildings} buildings, {s.households} households, {s.people} residents."
            )
        )
        if s.registry:
            self.stdout.write(
                "Registries: " + ", ".join(f"{n} {what}" for what, n in sorted(s.registry.items()))
            )

    def _print_logins(self, logins: list[tuple[str, str, str]], password: str) -> None:
        if not logins:
            self.stdout.write("No demo accounts found.")
            return
        rows = [("Username", "Role", "Area", "Password")]
        rows += [(u, r, a, password) for u, r, a in logins]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write(
                "  ".join(
                    cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
                ).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(
            "Log in at http://127.0.0.1:8000/ (try 'secretary' first). If the demo was seeded "
            "with --password, that password applies instead."
        )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
