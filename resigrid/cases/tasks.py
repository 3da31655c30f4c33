"""Tasks: thin triggers over services (the sweeper is also a command for cron)."""

from __future__ import annotations

from django_tasks import task

from resigrid.cases.sweeper import sweep


@task()
def sweep_cases() -> dict[str, int]:
    report = sweep()
    return {
        "escalated": report.escalated,
        "late_whistles": report.late_whistles,
        "absorbed": report.absorbed,
        "purged_keys": report.purged_keys,
    }
