"""Tasks: thin triggers over the runner."""

from __future__ import annotations

from django_tasks import task

from resigrid.sim import runner


@task()
def run_simulation(run_id: int) -> str:
    """Execute one queued run; a run already started or finished is left alone."""
    return runner.execute(run_id)
