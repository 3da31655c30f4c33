"""Writes of incidents: open, move the state, log decisions and downloads. Other response apps
call `record` and `create_task` inside their own transactions (a sweep contact that needs help,
a recovery need, a volunteer call-up). Plan activation and the roster: `activate.py`; task
actions: `task_actions.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.alerts.choices import State as AlertState
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.cases.models import Case
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.incidents import permissions, sources, workflow
from resigrid.response.incidents.models import (
    Incident,
    IncidentLog,
    IncidentState,
    IncidentTask,
    TaskOrigin,
    TaskState,
)

MAX_TEXT = 4000


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
    plan_key: str = "",
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
        plan_key=plan_key,
    )
    record(
        incident=incident,
        actor=actor,
        action="task_created",
        note=title,
        data={"task": task.pk, "origin": str(origin)},
    )
    return task


# --- helpers shared by the write modules -------------------------------------------------


def user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(
            _("At most %(limit)d characters (this has %(n)d).")
            % {"limit": limit, "n": len(cleaned)},
            field=field,
        )
    return cleaned


def locked(incident_id: int) -> Incident:
    """The incident row, locked until the transaction ends."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise NotFoundError(_("No such incident."))
    return incident


def require_command(actor: Any, incident: Incident) -> None:
    if not permissions.can_view(actor, incident):
        raise NotFoundError(_("No such incident."))
    if not permissions.can_command(actor, incident):
        raise PermissionDeniedError(
            _("You may not command incidents in %(area)s.") % {"area": incident.area.name}
        )


def require_not_closed(incident: Incident) -> None:
    if incident.state == IncidentState.CLOSED:
        raise ConflictError(
            _("The incident “%(title)s” is closed.") % {"title": incident.title},
            state=incident.state,
        )


# --- opening -----------------------------------------------------------------------------


def _source_alert(actor: Any, alert_id: int) -> Alert:
    alert = Alert.objects.visible_to(actor).filter(pk=alert_id).first()
    if alert is None:
        raise NotFoundError(_("No such alert."))
    # Lock the alert row: two people opening an incident from it take turns.
    alert = Alert.objects.select_for_update().select_related("issuer_area").get(pk=alert.pk)
    if alert.state in (AlertState.DRAFT, AlertState.APPROVED):
        raise ValidationFailed(
            _("An incident can only be opened from a published alert."), field="alert"
        )
    existing = Incident.objects.open().filter(source_alert=alert).first()
    if existing is not None:
        raise ConflictError(_already_open(existing), field="alert")
    return alert


def _already_open(existing: Incident) -> str:
    return _("An incident is already open for this alert: “%(title)s” (no. %(id)d).") % {
        "title": existing.title,
        "id": existing.pk,
    }


def _source_case(actor: Any, case_id: int) -> Case:
    case = (
        Case.objects.visible_to(actor)
        .filter(pk=case_id)
        .select_related("grid", "grid__parent", "category")
        .first()
    )
    if case is None:
        raise NotFoundError(_("No such case."))
    return case


def open_incident(
    *,
    actor: Any,
    alert_id: int | None = None,
    case_id: int | None = None,
    title: str | None = None,
    hazard_class: str | None = None,
    hazard_subtype: str | None = None,
    level: str | None = None,
    area: Area | None = None,
    description: str | None = None,
) -> Incident:
    """Open an incident by hand, from an alert or from a case. Values not given come from the
    source (see `sources`); the area must lie in the actor's command scope."""
    if alert_id is not None and case_id is not None:
        raise ValidationFailed(_("Open an incident from an alert or from a case, not both."))
    with transaction.atomic():
        alert = _source_alert(actor, alert_id) if alert_id is not None else None
        case = _source_case(actor, case_id) if case_id is not None else None
        if alert is not None:
            draft = sources.from_alert(alert)
        elif case is not None:
            draft = sources.from_case(case)
        else:
            draft = sources.by_hand()
        chosen_area = area or draft.area
        if chosen_area is None:
            raise ValidationFailed(_("Choose the area of the incident."), field="area")
        if not permissions.can_open_in(actor, chosen_area):
            raise PermissionDeniedError(
                _("You may not open incidents in %(area)s.") % {"area": chosen_area.name},
                field="area",
            )
        hazard = hazard_class or draft.hazard_class
        if hazard not in HazardClass.values:
            raise ValidationFailed(_("Choose a hazard class."), field="hazard_class")
        chosen_level = level or draft.level
        if chosen_level not in ResponseLevel.values:
            raise ValidationFailed(_("Choose a response level (I to IV)."), field="level")
        incident = Incident(
            title=text(
                title if title is not None else draft.title, "title", required=True, limit=160
            ),
            hazard_class=hazard,
            hazard_subtype=text(
                hazard_subtype if hazard_subtype is not None else draft.hazard_subtype,
                "hazard_subtype",
                required=False,
                limit=60,
            ),
            area=chosen_area,
            level=chosen_level,
            description=text(
                description if description is not None else draft.description,
                "description",
                required=False,
            ),
            source_alert=alert,
            source_case=case,
            opened_by=actor,
        )
        try:
            with transaction.atomic():
                incident.save()
        except IntegrityError as exc:  # the constraint: another incident for this alert won
            existing = Incident.objects.open().filter(source_alert=alert).first()
            if existing is None:
                raise
            raise ConflictError(_already_open(existing), field="alert") from exc
        record(
            incident=incident,
            actor=user_or_none(actor),
            action="opened",
            note=incident.title,
            data={
                "area": chosen_area.code,
                "level": chosen_level,
                "hazard_class": hazard,
                "alert": alert.pk if alert else None,
                "case": case.pk if case else None,
            },
        )
    return incident


# --- state, decisions, downloads ---------------------------------------------------------


def transition(*, actor: Any, incident_id: int, action: str, note: str = "") -> Incident:
    """active → stabilised → recovery → closed (stabilised → active when it flares up).
    Closing with tasks from the plan still open needs a note; those tasks are cancelled."""
    with transaction.atomic():
        incident = locked(incident_id)
        require_command(actor, incident)
        target = workflow.next_state(incident.state, action)
        if target is None:
            raise ConflictError(
                _("An incident that is “%(state)s” cannot do “%(action)s”.")
                % {"state": incident.get_state_display(), "action": action},
                state=incident.state,
            )
        cleaned = text(note, "note", required=False)
        now = timezone.now()
        cancelled: list[int] = []
        if target == IncidentState.CLOSED:
            still_open = incident.tasks.open()
            plan_open = still_open.filter(origin=TaskOrigin.PLAN).count()
            if plan_open and not cleaned:
                raise ValidationFailed(
                    _(
                        "%(n)d task(s) from the plan are still open: finish or cancel them, or "
                        "give a note saying why the incident closes anyway."
                    )
                    % {"n": plan_open},
                    field="note",
                )
            cancelled = list(still_open.values_list("pk", flat=True))
            still_open.update(state=TaskState.CANCELLED, outcome=cleaned, done_at=now)
            incident.closed_at = now
        before = incident.state
        incident.state = target
        incident.save(update_fields=["state", "closed_at"])
        record(
            incident=incident,
            actor=user_or_none(actor),
            action=action,
            note=cleaned,
            data={"from": before, "to": str(target), "tasks_cancelled": cancelled},
        )
    return incident


def decide(*, actor: Any, incident_id: int, what: str, why: str = "") -> IncidentLog:
    """A command decision in the log: who (the actor), what, why."""
    with transaction.atomic():
        incident = locked(incident_id)
        require_command(actor, incident)
        require_not_closed(incident)
        decision = text(what, "what", required=True)
        reason = text(why, "why", required=False)
        return record(
            incident=incident,
            actor=user_or_none(actor),
            action="decision",
            note=decision,
            data={"why": reason},
        )


def log_sitrep(*, actor: Any, incident: Incident, fmt: str) -> IncidentLog:
    """A situation report was downloaded (the caller checked the viewer may see it)."""
    if fmt not in ("pdf", "xlsx", "json"):
        raise ValidationFailed(_("Unknown report format."), field="format")
    with transaction.atomic():
        return record(
            incident=incident, actor=user_or_none(actor), action="sitrep", data={"format": fmt}
        )
