"""What the command post does with a task: add one, assign it, complete it with an outcome,
cancel it. Each locks the incident, checks the task is still open and is logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.response.incidents import permissions
from resigrid.response.incidents.models import IncidentTask, TaskOrigin, TaskState
from resigrid.response.incidents.services import (
    create_task,
    locked,
    record,
    require_command,
    require_not_closed,
    text,
    user_or_none,
)


def _locked_task(actor: Any, task_id: int) -> IncidentTask:
    task = IncidentTask.objects.filter(pk=task_id).only("incident_id").first()
    if task is None:
        raise NotFoundError(_("No such task."))
    incident = locked(task.incident_id)
    if not permissions.can_view(actor, incident) and task.assignee_id != getattr(actor, "pk", 0):
        raise NotFoundError(_("No such task."))
    require_not_closed(incident)
    task = IncidentTask.objects.select_for_update().get(pk=task_id)
    task.incident = incident
    if task.state != TaskState.OPEN:
        raise ConflictError(
            _("The task “%(title)s” is already %(state)s.")
            % {"title": task.title, "state": task.get_state_display()},
            state=task.state,
        )
    return task


def add_task(
    *,
    actor: Any,
    incident_id: int,
    title: str,
    detail: str = "",
    area: Area | None = None,
    owner_unit: Unit | None = None,
    assignee: User | None = None,
    due_at: datetime | None = None,
) -> IncidentTask:
    """A task decided by the command post."""
    with transaction.atomic():
        incident = locked(incident_id)
        require_command(actor, incident)
        require_not_closed(incident)
        if area is not None and not area.code.startswith(incident.area.scope_prefix):
            raise ValidationFailed(
                _("The task's area must lie in the incident's area."), field="area"
            )
        return create_task(
            incident=incident,
            actor=user_or_none(actor),
            title=text(title, "title", required=True, limit=200),
            detail=text(detail, "detail", required=False),
            origin=TaskOrigin.COMMAND,
            area=area,
            owner_unit=owner_unit,
            assignee=assignee,
            due_at=due_at,
        )


def assign_task(
    *, actor: Any, task_id: int, assignee: User | None, owner_unit: Unit | None = None
) -> IncidentTask:
    with transaction.atomic():
        task = _locked_task(actor, task_id)
        require_command(actor, task.incident)
        if assignee is not None and not assignee.is_active:
            raise ValidationFailed(_("This account is not active."), field="assignee")
        before = {"assignee": task.assignee_id, "unit": task.owner_unit_id}
        task.assignee = assignee
        if owner_unit is not None:
            task.owner_unit = owner_unit
        task.save(update_fields=["assignee", "owner_unit"])
        record(
            incident=task.incident,
            actor=user_or_none(actor),
            action="task_assigned",
            note=task.title,
            data={
                "task": task.pk,
                "before": before,
                "assignee": task.assignee_id,
                "unit": task.owner_unit_id,
            },
        )
    return task


def complete_task(*, actor: Any, task_id: int, outcome: str) -> IncidentTask:
    """Done, with what came of it: by the command post or the task's assignee."""
    with transaction.atomic():
        task = _locked_task(actor, task_id)
        if not permissions.can_complete(actor, task):
            raise PermissionDeniedError(_("Only the command post or the assignee may do this."))
        task.outcome = text(outcome, "outcome", required=True)
        task.state, task.done_at = TaskState.DONE, timezone.now()
        task.save(update_fields=["outcome", "state", "done_at"])
        record(
            incident=task.incident,
            actor=user_or_none(actor),
            action="task_done",
            note=task.outcome,
            data={"task": task.pk, "title": task.title},
        )
    return task


def cancel_task(*, actor: Any, task_id: int, note: str) -> IncidentTask:
    with transaction.atomic():
        task = _locked_task(actor, task_id)
        require_command(actor, task.incident)
        task.outcome = text(note, "note", required=True)
        task.state, task.done_at = TaskState.CANCELLED, timezone.now()
        task.save(update_fields=["outcome", "state", "done_at"])
        record(
            incident=task.incident,
            actor=user_or_none(actor),
            action="task_cancelled",
            note=task.outcome,
            data={"task": task.pk, "title": task.title},
        )
    return task
