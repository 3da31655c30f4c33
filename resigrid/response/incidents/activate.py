"""Activating a plan at a level: the command post roster and the plan's tasks, logged. Raising
or lowering the level re-activates: new roles and tasks are added, none is duplicated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, NotFoundError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers.choices import ResponseLevel
from resigrid.response.incidents import workflow
from resigrid.response.incidents.models import (
    CommandPostMember,
    Incident,
    IncidentTask,
    TaskOrigin,
)
from resigrid.response.incidents.services import (
    create_task,
    locked,
    record,
    require_command,
    require_not_closed,
    user_or_none,
)
from resigrid.response.plans.activation import PlanActivation, activation_for
from resigrid.response.plans.models import Plan


def plan_key(plan_id: int, title: str) -> str:
    return f"{plan_id}:{title}"[:240]


def plans_for(incident: Incident, actor: Any) -> list[Plan]:
    """Active plans the actor can see whose area contains the incident's area or lies in it."""
    code = incident.area.code
    plans = Plan.objects.visible_to(actor).active().select_related("area")
    return [
        p
        for p in plans
        if code.startswith(p.area.scope_prefix)
        or p.area.code.startswith(incident.area.scope_prefix)
    ]


def _plan(actor: Any, incident: Incident, plan_id: int) -> Plan:
    plan = next((p for p in plans_for(incident, actor) if p.pk == plan_id), None)
    if plan is None:
        raise ValidationFailed(
            _("Choose an active plan that covers the incident's area."), field="plan"
        )
    return plan


def apply_activation(
    *, actor: User | None, incident: Incident, spec: PlanActivation
) -> dict[str, Any]:
    """Create the roster seats and tasks `spec` names that the incident does not have yet.
    The caller holds the incident's lock and owns the transaction."""
    now = timezone.now()
    seats = set(incident.roster.values_list("role_code", flat=True))
    new_seats = [
        CommandPostMember(
            incident=incident,
            role_code=role.code,
            role_name=role.name,
            duties=role.duties,
            unit_id=role.unit_id,
        )
        for role in spec.roles
        if role.code not in seats
    ]
    CommandPostMember.objects.bulk_create(new_seats)
    have = set(
        IncidentTask.objects.filter(incident=incident)
        .exclude(plan_key="")
        .values_list("plan_key", flat=True)
    )
    units = Unit.objects.in_bulk({t.owner_unit_id for t in spec.tasks})
    created: list[int] = []
    for t in spec.tasks:
        key = plan_key(spec.plan_id, t.title)
        if key in have:
            continue
        have.add(key)
        task = create_task(
            incident=incident,
            actor=actor,
            title=t.title[:200],
            detail=t.detail,
            origin=TaskOrigin.PLAN,
            area=incident.area,
            owner_unit=units.get(t.owner_unit_id),
            due_at=now + timedelta(minutes=t.due_offset_minutes),
            plan_key=key,
        )
        created.append(task.pk)
    return {"roles_created": [s.role_code for s in new_seats], "tasks_created": created}


def activate_plan(*, actor: Any, incident_id: int, plan_id: int, level: str) -> Incident:
    """Activate `plan` at `level` for the incident (first time, or escalate / de-escalate)."""
    if level not in ResponseLevel.values:
        raise ValidationFailed(_("Choose a response level (I to IV)."), field="level")
    with transaction.atomic():
        incident = locked(incident_id)
        require_command(actor, incident)
        require_not_closed(incident)
        plan = _plan(actor, incident, plan_id)
        if incident.plan_id == plan.pk and incident.plan_level == level:
            raise ConflictError(
                _("The plan “%(plan)s” is already activated at %(level)s for this incident.")
                % {"plan": plan.title, "level": ResponseLevel(level).label},
                field="level",
            )
        spec = activation_for(plan, ResponseLevel(level))
        before_plan, before_level = incident.plan_id, incident.plan_level
        now = timezone.now()
        incident.plan, incident.plan_level, incident.activated_at = plan, level, now
        incident.level = level
        incident.save(update_fields=["plan", "plan_level", "activated_at", "level"])
        made = apply_activation(actor=user_or_none(actor), incident=incident, spec=spec)
        if before_level and before_plan == plan.pk:
            up = workflow.severity(level) > workflow.severity(before_level)
            action = "escalated" if up else "de_escalated"
        else:
            action = "plan_activated"
        record(
            incident=incident,
            actor=user_or_none(actor),
            action=action,
            note=spec.criteria,
            data={
                "plan": plan.pk,
                "plan_title": spec.plan_title,
                "plan_version": spec.plan_version,
                "level": level,
                "from_level": before_level,
                "from_plan": before_plan,
                **made,
            },
        )
    return incident


def assign_seat(
    *, actor: Any, member_id: int, person: User | None, unit: Unit | None = None
) -> CommandPostMember:
    """Put a person (and optionally another unit) on a command post seat, or clear it."""
    with transaction.atomic():
        member = CommandPostMember.objects.filter(pk=member_id).first()
        if member is None:
            raise NotFoundError(_("No such command post seat."))
        incident = locked(member.incident_id)
        require_command(actor, incident)
        require_not_closed(incident)
        member = CommandPostMember.objects.select_for_update().get(pk=member_id)
        if person is not None and not person.is_active:
            raise ValidationFailed(_("This account is not active."), field="person")
        before = {"person": member.person_id, "unit": member.unit_id}
        member.person = person
        if unit is not None:
            member.unit = unit
        member.assigned_at = timezone.now() if person is not None else None
        member.save(update_fields=["person", "unit", "assigned_at"])
        record(
            incident=incident,
            actor=user_or_none(actor),
            action="seat_assigned",
            note=f"{member.role_name}: {person.full_name if person else '—'}",
            data={
                "seat": member.pk,
                "role": member.role_code,
                "before": before,
                "person": member.person_id,
                "unit": member.unit_id,
            },
        )
    return member
