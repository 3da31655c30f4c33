"""API of incidents and their command posts: parse → visible_to → service → schema. Incidents
outside the caller's scope answer 404; actions without the right 403; bad input 422 naming the
field; a move the state machine does not allow 409. Wired at /api/response/incidents/."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.incidents import activate, services, task_actions
from resigrid.response.incidents.models import CommandPostMember, Incident, IncidentTask
from resigrid.response.incidents.schemas import (
    ActivateIn,
    AssignIn,
    ConflictOut,
    DecisionIn,
    ErrorOut,
    IncidentDetailOut,
    IncidentOut,
    LogOut,
    OpenIn,
    OutcomeIn,
    SeatIn,
    TaskIn,
    TaskOut,
    TransitionIn,
)

router = Router()
_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _incident(request: HttpRequest, pk: int) -> Incident:
    incident = (
        Incident.objects.visible_to(_user(request)).filter(pk=pk).select_related("area").first()
    )
    if incident is None:
        raise NotFoundError(_("No such incident."))
    return incident


def _detail(incident: Incident) -> Incident:
    return incident


def _obj(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(_("No such record."), field=field)
    return obj


@router.get("", response=list[IncidentOut], summary="Incidents in my scope (open first)")
def list_incidents(request: HttpRequest, state: str = "", limit: int = 100) -> Any:
    qs = Incident.objects.visible_to(_user(request)).select_related("area")
    if state:
        qs = qs.filter(state=state)
    return list(
        qs.order_by(F("closed_at").asc(nulls_first=True), "-opened_at", "-pk")[
            : max(1, min(limit, 500))
        ]
    )


@router.post("", response={201: IncidentDetailOut, **MOVE_ERRORS}, summary="Open an incident")
def open_incident(request: HttpRequest, payload: OpenIn) -> Any:
    area = None
    if payload.area_id is not None:
        area = Area.objects.filter(pk=payload.area_id).first()
        if area is None:
            raise NotFoundError(_("No such area."))
    incident = services.open_incident(
        actor=_user(request),
        alert_id=payload.alert_id,
        case_id=payload.case_id,
        title=payload.title,
        hazard_class=payload.hazard_class,
        hazard_subtype=payload.hazard_subtype,
        level=payload.level,
        area=area,
        description=payload.description,
    )
    return Status(201, _detail(incident))


@router.get("/{pk}", response={200: IncidentDetailOut, 404: ErrorOut})
def detail(request: HttpRequest, pk: int) -> Any:
    return _detail(_incident(request, pk))


@router.post("/{pk}/activate", response={200: IncidentDetailOut, **MOVE_ERRORS})
def activate_plan(request: HttpRequest, pk: int, payload: ActivateIn) -> Any:
    _incident(request, pk)
    incident = activate.activate_plan(
        actor=_user(request), incident_id=pk, plan_id=payload.plan_id, level=payload.level
    )
    return _detail(incident)


@router.post("/{pk}/transition", response={200: IncidentDetailOut, **MOVE_ERRORS})
def transition(request: HttpRequest, pk: int, payload: TransitionIn) -> Any:
    _incident(request, pk)
    incident = services.transition(
        actor=_user(request), incident_id=pk, action=payload.action, note=payload.note
    )
    return _detail(incident)


@router.get("/{pk}/tasks", response={200: list[TaskOut], 404: ErrorOut})
def tasks(request: HttpRequest, pk: int) -> Any:
    return list(_incident(request, pk).tasks.all())


@router.post("/{pk}/tasks", response={201: TaskOut, **MOVE_ERRORS}, summary="Add a task")
def add_task(request: HttpRequest, pk: int, payload: TaskIn) -> Any:
    _incident(request, pk)
    task = task_actions.add_task(
        actor=_user(request),
        incident_id=pk,
        title=payload.title,
        detail=payload.detail,
        area=_obj(Area, payload.area_id, "area_id"),
        owner_unit=_obj(Unit, payload.owner_unit_id, "owner_unit_id"),
        assignee=_obj(User, payload.assignee_id, "assignee_id"),
        due_at=payload.due_at,
    )
    return Status(201, task)


def _task(request: HttpRequest, task_id: int) -> IncidentTask:
    user = _user(request)
    task = (
        IncidentTask.objects.visible_to(user).filter(pk=task_id).first()
        or IncidentTask.objects.filter(pk=task_id, assignee_id=getattr(user, "pk", 0)).first()
    )
    if task is None:
        raise NotFoundError(_("No such task."))
    return task


@router.post("/tasks/{task_id}/assign", response={200: TaskOut, **MOVE_ERRORS})
def assign_task(request: HttpRequest, task_id: int, payload: AssignIn) -> Any:
    _task(request, task_id)
    return task_actions.assign_task(
        actor=_user(request),
        task_id=task_id,
        assignee=_obj(User, payload.assignee_id, "assignee_id"),
        owner_unit=_obj(Unit, payload.owner_unit_id, "owner_unit_id"),
    )


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **MOVE_ERRORS})
def complete_task(request: HttpRequest, task_id: int, payload: OutcomeIn) -> Any:
    _task(request, task_id)
    return task_actions.complete_task(actor=_user(request), task_id=task_id, outcome=payload.text)


@router.post("/tasks/{task_id}/cancel", response={200: TaskOut, **MOVE_ERRORS})
def cancel_task(request: HttpRequest, task_id: int, payload: OutcomeIn) -> Any:
    _task(request, task_id)
    return task_actions.cancel_task(actor=_user(request), task_id=task_id, note=payload.text)


@router.post("/seats/{member_id}/assign", response={200: IncidentDetailOut, **MOVE_ERRORS})
def assign_seat(request: HttpRequest, member_id: int, payload: SeatIn) -> Any:
    member = CommandPostMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFoundError(_("No such command post seat."))
    _incident(request, member.incident_id)
    activate.assign_seat(
        actor=_user(request),
        member_id=member_id,
        person=_obj(User, payload.person_id, "person_id"),
        unit=_obj(Unit, payload.unit_id, "unit_id"),
    )
    return _detail(_incident(request, member.incident_id))


@router.get("/{pk}/log", response={200: list[LogOut], 404: ErrorOut}, summary="The log")
def log(request: HttpRequest, pk: int) -> Any:
    return list(_incident(request, pk).log.all())


@router.post("/{pk}/decisions", response={201: LogOut, **MOVE_ERRORS}, summary="Log a decision")
def decide(request: HttpRequest, pk: int, payload: DecisionIn) -> Any:
    _incident(request, pk)
    row = services.decide(actor=_user(request), incident_id=pk, what=payload.what, why=payload.why)
    return Status(201, row)
