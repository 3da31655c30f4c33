"""Writes of household needs: record an assessment, match a need, start it, close it.

Each function owns its transaction, checks `Perm.MANAGE_RECOVERY` on the household's grid,
locks the need it moves, and writes the incident log row in the same transaction. The log
never carries the free text of a medical or psychological need (health data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Commitment, Unit
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident, IncidentState, TaskOrigin, TaskState
from resigrid.response.incidents.services import create_task, record
from resigrid.response.recovery import matching, rules
from resigrid.response.recovery.models import (
    HouseholdNeed,
    NeedKind,
    NeedOutcome,
    NeedsAssessment,
    NeedSeverity,
    NeedState,
)
from resigrid.response.recovery.permissions import can_assess

MAX_TEXT = 2000
MAX_SERVICE = 200


@dataclass(frozen=True)
class NeedInput:
    kind: str
    severity: str
    description: str = ""


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            field, messages = next(iter(self.errors.items()))
            raise ValidationFailed(messages[0], field=field, errors=self.errors)


def _check_incident_open(incident: Incident) -> None:
    if incident.state == IncidentState.CLOSED:
        raise ConflictError(_("This incident is closed."), state=str(incident.state))


def record_assessment(
    *,
    actor: User,
    incident: Incident,
    household: Household,
    needs: Sequence[NeedInput],
    notes: str = "",
    assessed_at: dt.datetime | None = None,
) -> NeedsAssessment:
    """A visit to a household: one need per kind found (none found is a valid answer)."""
    grid = household.grid
    if not can_assess(actor, grid):
        raise PermissionDeniedError(_("You may not assess households in this grid."))
    _check_incident_open(incident)
    errors = _Errors()
    if not grid.is_within(incident.area):
        errors.add("household", _("This household is outside the incident's area."))
    if len(notes) > MAX_TEXT:
        errors.add("notes", _("The notes are too long (at most 2000 characters)."))
    seen: set[str] = set()
    for i, need in enumerate(needs):
        if need.kind not in NeedKind.values:
            errors.add(f"needs.{i}.kind", _("Choose a kind of need from the list."))
        elif need.kind in seen:
            errors.add(
                f"needs.{i}.kind",
                _("The need “%(kind)s” is listed twice.") % {"kind": NeedKind(need.kind).label},
            )
        seen.add(need.kind)
        if need.severity not in NeedSeverity.values:
            errors.add(f"needs.{i}.severity", _("Choose a severity from the list."))
        if len(need.description) > MAX_TEXT:
            errors.add(
                f"needs.{i}.description",
                _("The description is too long (at most 2000 characters)."),
            )
    errors.raise_if_any()
    with transaction.atomic():
        assessment = NeedsAssessment.objects.create(
            incident=incident,
            household=household,
            grid=grid,
            assessed_by=actor,
            assessed_at=assessed_at or timezone.now(),
            notes=notes.strip(),
        )
        created = HouseholdNeed.objects.bulk_create(
            HouseholdNeed(
                assessment=assessment,
                incident=incident,
                grid=grid,
                kind=n.kind,
                severity=n.severity,
                description=n.description.strip(),
            )
            for n in needs
        )
        record(
            incident=incident,
            actor=actor,
            action="recovery_assessed",
            note=str(household),
            data={
                "assessment": assessment.pk,
                "household": household.pk,
                "needs": sorted(n.kind for n in created),
            },
        )
    return assessment


def _locked_need(need: HouseholdNeed) -> HouseholdNeed:
    return (
        HouseholdNeed.objects.select_for_update()
        .select_related("grid", "incident", "incident__area", "assessment__household")
        .get(pk=need.pk)
    )


def _move(locked: HouseholdNeed, target: str) -> None:
    if not rules.can_move(locked.state, target):
        raise ConflictError(
            _("This need is %(state)s: it cannot be moved to %(target)s.")
            % {"state": NeedState(locked.state).label, "target": NeedState(target).label},
            state=str(locked.state),
        )


def _log(actor: User, need: HouseholdNeed, action: str, previous: str, **extra: Any) -> None:
    record(
        incident=need.incident,
        actor=actor,
        action=action,
        note=str(NeedKind(need.kind).label),
        data={"need": need.pk, "kind": need.kind, "from": previous, "to": need.state, **extra},
    )


def _cancel_task(actor: User, need: HouseholdNeed) -> int | None:
    """A re-match replaces the first match: its open task is cancelled (logged)."""
    task = need.task
    if task is None or task.state != TaskState.OPEN:
        return None
    task.state = TaskState.CANCELLED
    task.done_at = timezone.now()
    task.outcome = str(_("Replaced by another match."))
    task.save(update_fields=["state", "done_at", "outcome"])
    record(
        incident=need.incident,
        actor=actor,
        action="task_cancelled",
        note=task.title,
        data={"task": task.pk, "need": need.pk},
    )
    need.task = None
    return task.pk


def match_need(
    *,
    actor: User,
    need: HouseholdNeed,
    commitment: Commitment | None = None,
    unit: Unit | None = None,
    service: str = "",
    owner: User | None = None,
    due_date: dt.date | None = None,
    with_task: bool = False,
) -> HouseholdNeed:
    """Confirm what meets the need: a suggested commitment, or a unit and/or a service in words.
    An open or matched need becomes matched (re-matching replaces the match); with `with_task`
    the unit gets an incident task (origin recovery)."""
    service = service.strip()
    errors = _Errors()
    if commitment is None and unit is None and not service:
        errors.add("commitment", _("Choose a commitment, a unit or name the service."))
    if len(service) > MAX_SERVICE:
        errors.add("service", _("The service is too long (at most 200 characters)."))
    if commitment is not None and unit is not None and commitment.unit_id != unit.pk:
        errors.add("unit", _("The commitment belongs to another unit."))
    if with_task and commitment is None and unit is None:
        errors.add("unit", _("A task needs a unit to carry it out."))
    with transaction.atomic():
        locked = _locked_need(need)
        if not can_assess(actor, locked.grid):
            raise PermissionDeniedError(_("You may not match needs of households in this grid."))
        _check_incident_open(locked.incident)
        _move(locked, NeedState.MATCHED)
        if commitment is not None and not matching.is_candidate(
            locked, commitment, timezone.localdate()
        ):
            errors.add(
                "commitment",
                _("This commitment cannot meet the need (kind, area, validity or emergency use)."),
            )
        if due_date is not None and due_date < timezone.localdate():
            errors.add("due_date", _("The due date is in the past."))
        errors.raise_if_any()
        previous = locked.state
        locked.matched_commitment = commitment
        locked.matched_unit = commitment.unit if commitment is not None else unit
        locked.matched_service = service
        locked.owner = owner
        locked.due_date = due_date
        locked.matched_at = timezone.now()
        locked.state = NeedState.MATCHED
        replaced = _cancel_task(actor, locked) if previous == NeedState.MATCHED else None
        if with_task and locked.matched_unit is not None:
            household = locked.assessment.household
            title = _("Recovery: %(kind)s for household %(household)s") % {
                "kind": NeedKind(locked.kind).label,
                "household": household,
            }
            detail = "" if locked.is_sensitive else locked.description
            if commitment is not None:
                detail = f"{detail}\n{commitment.description}".strip()
            due_at = (
                timezone.make_aware(dt.datetime.combine(due_date, dt.time(18, 0)))
                if due_date is not None
                else None
            )
            locked.task = create_task(
                incident=locked.incident,
                actor=actor,
                title=str(title)[:200],
                origin=TaskOrigin.RECOVERY,
                detail=detail,
                area=locked.grid,
                owner_unit=locked.matched_unit,
                assignee=owner,
                due_at=due_at,
            )
        locked.save()
        _log(
            actor,
            locked,
            "recovery_need_matched",
            previous,
            commitment=commitment.pk if commitment else None,
            unit=locked.matched_unit_id,
            task=locked.task_id,
            replaced_task=replaced,
        )
    return locked


def start_need(*, actor: User, need: HouseholdNeed) -> HouseholdNeed:
    """The help has started (matched → in progress)."""
    with transaction.atomic():
        locked = _locked_need(need)
        if not can_assess(actor, locked.grid):
            raise PermissionDeniedError(_("You may not change needs of households in this grid."))
        _move(locked, NeedState.IN_PROGRESS)
        previous = locked.state
        locked.state = NeedState.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
        _log(actor, locked, "recovery_need_started", previous)
    return locked


def close_need(*, actor: User, need: HouseholdNeed, outcome: str, note: str = "") -> HouseholdNeed:
    """Close with an outcome; an open task of the match is closed with it."""
    errors = _Errors()
    if outcome not in NeedOutcome.values:
        errors.add("outcome", _("Choose an outcome from the list."))
    if len(note) > MAX_TEXT:
        errors.add("note", _("The note is too long (at most 2000 characters)."))
    if outcome in (NeedOutcome.PARTLY_MET, NeedOutcome.NOT_MET) and not note.strip():
        errors.add("note", _("Say what is still missing or where the household was referred."))
    with transaction.atomic():
        locked = _locked_need(need)
        if not can_assess(actor, locked.grid):
            raise PermissionDeniedError(_("You may not close needs of households in this grid."))
        _move(locked, NeedState.CLOSED)
        errors.raise_if_any()
        previous = locked.state
        now = timezone.now()
        locked.state = NeedState.CLOSED
        locked.outcome = outcome
        locked.outcome_note = note.strip()
        locked.closed_at = now
        locked.save()
        if locked.task is not None and locked.task.state == TaskState.OPEN:
            task = locked.task
            task.state = TaskState.DONE
            task.done_at = now
            task.outcome = str(NeedOutcome(outcome).label)
            task.save(update_fields=["state", "done_at", "outcome"])
        _log(actor, locked, "recovery_need_closed", previous, outcome=outcome)
    return locked
