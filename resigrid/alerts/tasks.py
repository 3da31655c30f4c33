"""Tasks: thin triggers over services (the sweeper is also a command for cron)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resigrid.alerts.sweeper import as_dict, sweep


@task()
def sweep_alerts() -> dict[str, Any]:
    return as_dict(sweep())
