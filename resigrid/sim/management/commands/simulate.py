"""`manage.py simulate <scenario id> [--replicates N --seed S]`: queue a run of the scenario and
execute it here, with a progress bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from resigrid.core.errors import ConflictError, ValidationFailed
from resigrid.sim import runner
from resigrid.sim.models import Run, RunState, Scenario


class Command(BaseCommand):
    help = "Run a simulation scenario now, with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", type=int)
        parser.add_argument("--replicates", type=int, default=None)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        scenario = Scenario.objects.filter(pk=options["scenario"]).first()
        if scenario is None:
            raise CommandError(f"No scenario {options['scenario']}.")
        replicates = options["replicates"]
        if replicates is None:
            replicates = int(scenario.params.get("replicates", 1))
        if replicates < 1:
            raise CommandError("--replicates must be at least 1.")
        try:
            with transaction.atomic():
                if scenario.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
                    raise ConflictError("A run of this scenario is already under way.")
                run = Run.objects.create(
                    scenario=scenario, seed=options["seed"], replicates=replicates
                )
        except (ConflictError, ValidationFailed) as exc:
            raise CommandError(str(exc.message)) from None
        bar = tqdm(total=100, desc=scenario.name, unit="%", file=self.stderr)
        runner.execute(run.pk, on_progress=lambda percent: bar.update(percent - bar.n))
        run.refresh_from_db()
        bar.update(run.progress - bar.n)
        bar.close()
        if run.state == RunState.FAILED:
            raise CommandError(f"{run.error_code}: {run.error_text}")
        self.stdout.write(f"Run {run.pk} {run.state}: {(run.results or {}).get('best_text', '')}")
