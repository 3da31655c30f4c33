"""Tasks: thin triggers over the worker. The outbox rows are the source of truth; a lost task
loses nothing (`notify_worker --loop` finds the rows anyway)."""

from __future__ import annotations

from django_tasks import task

from resigrid.notify.worker import run_once, worker_name


@task()
def send_due(limit: int = 100) -> dict[str, int]:
    """One batch of due deliveries, leased to this process."""
    stats = run_once(worker=worker_name(), limit=limit)
    return {
        "claimed": stats.claimed,
        "sent": stats.sent,
        "retry": stats.retry,
        "dead": stats.dead,
        "deferred": stats.deferred,
        "skipped": stats.skipped,
    }
