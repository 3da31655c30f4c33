"""API of allocation of relief supplies to grids: parse → visible_to → service → schema.

Plans outside the caller's scope answer 404, moves without the right 403, bad input 422 naming
the field, a move the plan's state no longer allows (or stock taken meanwhile) 409.
Mounted at /api/response/allocations/.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError
from resigrid.response.allocations import reads, services
from resigrid.response.allocations.models import AllocationPlan
from resigrid.response.allocations.schemas import (
    CancelIn,
    ConfirmIn,
    ConflictOut,
    ErrorOut,
    LineOut,
    NeedsIn,
    PlanDetailOut,
    PlanIn,
    PlanOut,
)
from resigrid.response.incidents.models import Incident

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_MOVE: dict[int, Any] = {**_ERRORS, 409: ConflictOut}

router = Router()


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


@router.get("", response=list[PlanOut], summary="Allocation plans in my scope")
def list_plans(request: HttpRequest, state: str = "", limit: int = 100) -> Any:
    qs = AllocationPlan.objects.visible_to(_user(request)).select_related("area")
    if state:
        qs = qs.filter(state=state)
    return [reads.plan_row(p) for p in qs[: max(1, min(limit, 500))]]


@router.post("", response={201: PlanDetailOut, **_ERRORS}, summary="Start an allocation plan")
def create(request: HttpRequest, payload: PlanIn) -> Any:
    user = _user(request)
    incident = area = None
    if payload.incident_id is not None:
        incident = Incident.objects.visible_to(user).filter(pk=payload.incident_id).first()
        if incident is None:
            raise NotFoundError(_("No such incident."))
    elif payload.area_id is not None:
        area = Area.objects.visible_to(user).filter(pk=payload.area_id).first()
        if area is None:
            raise NotFoundError(_("No such area."))
    plan = services.create_plan(
        actor=user,
        title=payload.title,
        area=area,
        incident=incident,
        needed_by=payload.needed_by,
        from_plan=payload.from_plan,
    )
    return Status(201, reads.plan_detail(plan))


@router.get("/deliveries", response=list[LineOut], summary="Deliveries to confirm at my grids")
def deliveries(request: HttpRequest, grid_id: int | None = None) -> Any:
    qs = reads.deliveries_for(_user(request))
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    return [reads.line_row(x) for x in qs[:500]]


@router.post("/lines/{line_id}/confirm", response={200: LineOut, **_MOVE})
def confirm(request: HttpRequest, line_id: int, payload: ConfirmIn) -> Any:
    line = reads.line_or_404(_user(request), line_id)
    line = services.confirm_delivery(
        actor=_user(request),
        line=line,
        received_quantity=payload.received_quantity,
        note=payload.note,
    )
    return reads.line_row(reads.line_or_404(_user(request), line.pk))


@router.get("/{pk}", response={200: PlanDetailOut, 404: ErrorOut})
def detail(request: HttpRequest, pk: int) -> Any:
    return reads.plan_detail(reads.plan_or_404(_user(request), pk))


@router.put("/{pk}/needs", response={200: PlanDetailOut, **_MOVE}, summary="Replace the needs")
def put_needs(request: HttpRequest, pk: int, payload: NeedsIn) -> Any:
    plan = reads.plan_or_404(_user(request), pk)
    services.set_needs(
        actor=_user(request),
        plan=plan,
        needs=[services.NeedInput(n.grid_id, n.item_id, n.quantity) for n in payload.needs],
    )
    return reads.plan_detail(reads.plan_or_404(_user(request), pk))


def _move(request: HttpRequest, pk: int, verb: str) -> Any:
    plan = reads.plan_or_404(_user(request), pk)
    step = {
        "compute": services.compute_plan,
        "reserve": services.reserve,
        "issue": services.issue,
    }[verb]
    step(actor=_user(request), plan=plan)
    return reads.plan_detail(reads.plan_or_404(_user(request), pk))


@router.post("/{pk}/compute", response={200: PlanDetailOut, **_MOVE})
def compute(request: HttpRequest, pk: int) -> Any:
    return _move(request, pk, "compute")


@router.post("/{pk}/reserve", response={200: PlanDetailOut, **_MOVE})
def reserve(request: HttpRequest, pk: int) -> Any:
    return _move(request, pk, "reserve")


@router.post("/{pk}/issue", response={200: PlanDetailOut, **_MOVE})
def issue(request: HttpRequest, pk: int) -> Any:
    return _move(request, pk, "issue")


@router.post("/{pk}/cancel", response={200: PlanDetailOut, **_MOVE})
def cancel(request: HttpRequest, pk: int, payload: CancelIn) -> Any:
    plan = reads.plan_or_404(_user(request), pk)
    services.cancel(actor=_user(request), plan=plan, reason=payload.reason)
    return reads.plan_detail(reads.plan_or_404(_user(request), pk))
