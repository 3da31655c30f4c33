"""Tasks: thin triggers over services (the sweeper is also a command for cron)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resigrid.alerts.sweeper import as_dict, sweep


@task()
def sweep_alerts() -> dict[str, Any]:
    return as_dict(sweep())


@task()
def poll_cap_feeds() -> list[dict[str, Any]]:
    """Poll every configured CAP feed once (schedule it, or run `manage.py poll_cap_feeds`)."""
    from resigrid.alerts.cap.feeds import as_dicts, poll_all

    return as_dicts(poll_all())
