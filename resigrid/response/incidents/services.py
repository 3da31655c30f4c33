"""Writes of incidents. Other response apps call `record` and `create_task` inside their own
transactions (a sweep contact that needs help, a recovery need, a volunteer call-up)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.orgs.models import Unit
from resigrid.response.incidents.models import (
    Incident,
    IncidentLog,
    IncidentTask,
    TaskOrigin,
)


def record(
    *,
    incident: Incident,
    actor: User | None,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> IncidentLog:
    """Append a decision or transition to the incident's log (call inside the change's
    transaction, so the log and the change land together or not at all)."""
    return IncidentLog.objects.create(
        incident=incident, actor=actor, action=action, note=note, data=data or {}
    )


def create_task(
    *,
    incident: Incident,
    actor: User | None,
    title: str,
    origin: TaskOrigin,
    detail: str = "",
    area: Area | None = None,
    owner_unit: Unit | None = None,
    assignee: User | None = None,
    due_at: datetime | None = None,
) -> IncidentTask:
    """A task in the incident, logged. The caller checks its own permission and owns the
    transaction."""
    task = IncidentTask.objects.create(
        incident=incident,
        title=title,
        detail=detail,
        origin=origin,
        area=area,
        owner_unit=owner_unit,
        assignee=assignee,
        due_at=due_at,
    )
    record(
        incident=incident,
        actor=actor,
        action="task_created",
        note=title,
        data={"task": task.pk, "origin": str(origin)},
    )
    return task
