"""Tasks: thin triggers over services. The progress page also escalates on read; both are
idempotent (once per sweep)."""

from __future__ import annotations

from django_tasks import task

from resigrid.response.sweeps.services import escalate_all_overdue


@task()
def escalate_overdue_sweeps() -> int:
    """Escalate every open sweep past its deadline not escalated yet; returns tasks created."""
    return escalate_all_overdue()
