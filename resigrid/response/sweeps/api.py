"""API of sweeps contacting every vulnerable person: parse → visible_to → service → schema.

Sweeps outside the caller's scope answer 404; no right 403; bad input 422 naming the field; a
closed sweep 409. Recording an outcome honours an `Idempotency-Key` header: the same key again
records nothing more and answers the contact as it is."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.response.incidents.models import Incident
from resigrid.response.sweeps import reads, services
from resigrid.response.sweeps.models import Outcome, Sweep, SweepContact
from resigrid.response.sweeps.permissions import can_view_progress
from resigrid.response.sweeps.schemas import (
    ConflictOut,
    ContactOut,
    ContactPageOut,
    ErrorOut,
    OutcomeIn,
    ProgressOut,
    StartIn,
    SweepOut,
)

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def sweep_out(s: Sweep) -> dict[str, Any]:
    return {
        "id": s.pk,
        "incident_id": s.incident_id,
        "area_id": s.area_id,
        "area_code": s.area.code,
        "area_name": s.area.name,
        "deadline": s.deadline,
        "state": s.state,
        "started_at": s.started_at,
        "closed_at": s.closed_at,
    }


def _sweep(request: HttpRequest, pk: int) -> Sweep:
    sweep = Sweep.objects.visible_to(_user(request)).select_related("area").filter(pk=pk).first()
    if sweep is None:
        raise NotFoundError(_("No such sweep."))
    return sweep


@router.post("/", response={201: SweepOut, **_MOVE_ERRORS}, summary="Start a sweep")
def start(request: HttpRequest, payload: StartIn) -> Any:
    user = _user(request)
    incident = Incident.objects.visible_to(user).filter(pk=payload.incident_id).first()
    if incident is None:
        raise NotFoundError(_("No such incident."))
    area = Area.objects.filter(pk=payload.area_id).first()  # the service checks the right
    if area is None:
        raise ValidationFailed(_("No such area."), field="area_id")
    sweep = services.start_sweep(
        actor=user, incident=incident, area=area, deadline=payload.deadline
    )
    return Status(201, sweep_out(sweep))


@router.get("/", response=list[SweepOut], summary="Sweeps (of one incident)")
def list_sweeps(request: HttpRequest, incident: int | None = None) -> list[dict[str, Any]]:
    qs = Sweep.objects.visible_to(_user(request)).select_related("area")
    if incident is not None:
        qs = qs.filter(incident_id=incident)
    return [sweep_out(s) for s in qs[:200]]


def progress_dict(sweep: Sweep) -> dict[str, Any]:
    services.escalate_overdue(sweep=sweep)  # on read too: idempotent, once per sweep
    rows = reads.grid_rows([sweep.pk])
    return {
        "sweep": sweep_out(sweep),
        "persons": sum(r.persons for r in rows),
        "contacted": sum(r.contacted for r in rows),
        "safe": sum(r.safe for r in rows),
        "needs_help": sum(r.needs_help for r in rows),
        "unreachable": sum(r.unreachable for r in rows),
        "overdue": reads.is_overdue([sweep], rows, timezone.now()),
        "grids": [
            {
                "grid_id": r.grid_id,
                "grid_code": r.grid_code,
                "grid_name": r.grid_name,
                "persons": r.persons,
                "contacted": r.contacted,
                "safe": r.safe,
                "needs_help": r.needs_help,
                "unreachable": r.unreachable,
                "pending": r.pending,
            }
            for r in rows
        ],
    }


@router.get("/{pk}/progress", response={200: ProgressOut, **_ERRORS}, summary="Progress per grid")
def progress(request: HttpRequest, pk: int) -> dict[str, Any]:
    sweep = _sweep(request, pk)
    if not can_view_progress(_user(request), sweep.area):
        raise PermissionDeniedError(_("You may not see this sweep's progress."))
    return progress_dict(sweep)


@router.get(
    "/{pk}/contacts", response={200: ContactPageOut, **_ERRORS}, summary="Contacts (scoped)"
)
def contacts(
    request: HttpRequest,
    pk: int,
    outcome: str | None = None,
    mine: bool = False,
    page: int = Query(1, ge=1),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = _user(request)
    sweep = _sweep(request, pk)
    qs = reads.contacts_for(user, sweep)
    if mine:
        qs = qs.filter(assigned_to_id=user.pk)
    if outcome is not None:
        if outcome not in [*Outcome.values, "pending"]:
            raise ValidationFailed(_("Unknown outcome: %(o)s.") % {"o": outcome}, field="outcome")
        qs = qs.filter(outcome="" if outcome == "pending" else outcome)
    total = qs.count()
    start = (page - 1) * reads.PAGE_SIZE
    items = list(
        reads.with_row_data(qs).order_by("grid__code", "pk")[start : start + reads.PAGE_SIZE]
    )
    return {
        "items": reads.contact_rows(user, items),
        "total": total,
        "page": page,
        "page_size": reads.PAGE_SIZE,
    }


@router.post("/contacts/{pk}/outcome", response={200: ContactOut, **_MOVE_ERRORS}, summary="Record")
def record_outcome(request: HttpRequest, pk: int, payload: OutcomeIn) -> dict[str, Any]:
    user = _user(request)
    contact = SweepContact.objects.select_related("grid", "sweep").filter(pk=pk).first()
    if contact is None or not (reads.contacts_for(user, contact.sweep).filter(pk=pk).exists()):
        raise NotFoundError(_("No such contact."))
    contact = services.record_outcome(
        actor=user,
        contact=contact,
        outcome=payload.outcome,
        method=payload.method,
        note=payload.note,
        key=request.headers.get("Idempotency-Key", ""),
    )
    row = reads.with_row_data(SweepContact.objects.filter(pk=contact.pk)).get()
    return reads.contact_rows(user, [row])[0]


@router.post("/{pk}/close", response={200: SweepOut, **_MOVE_ERRORS}, summary="Close a sweep")
def close(request: HttpRequest, pk: int) -> dict[str, Any]:
    sweep = services.close_sweep(actor=_user(request), sweep=_sweep(request, pk))
    return sweep_out(sweep)
