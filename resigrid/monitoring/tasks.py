"""Tasks: thin triggers over services (the sweep is also a command for cron)."""

from __future__ import annotations

from django_tasks import task

from resigrid.monitoring.sweeper import sweep


@task()
def sweep_silence() -> dict[str, int]:
    report = sweep()
    return {"checked": report.checked, "fired": report.fired, "failed": report.failed}
