"""API of public bulletins and rumour rebuttals: parse → visible_to → service → schema.

`GET /public` needs no login (published bulletins only). The rest: bulletins outside the
caller's scope answer 404; no right 403 (approving one's own draft too); bad input 422 naming
the field; a move the lifecycle does not allow 409 with the current `state`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.response.bulletins import reads, services
from resigrid.response.bulletins.models import Bulletin
from resigrid.response.bulletins.schemas import (
    BulletinOut,
    ConflictOut,
    DraftIn,
    EditIn,
    ErrorOut,
    PublicOut,
    WithdrawIn,
)
from resigrid.response.incidents.models import Incident

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _bulletin(request: HttpRequest, pk: int) -> Bulletin:
    b = (
        Bulletin.objects.visible_to(_user(request))
        .select_related("area", "incident", "drafted_by", "approved_by")
        .filter(pk=pk)
        .first()
    )
    if b is None:
        raise NotFoundError(_("No such bulletin."))
    return b


def _out(b: Bulletin) -> dict[str, Any]:
    b = Bulletin.objects.select_related("area", "drafted_by", "approved_by").get(pk=b.pk)
    return reads.bulletin_row(b)


@router.get("/public", response=list[PublicOut], auth=None, summary="Published (no login)")
def public(request: HttpRequest, area: str | None = None) -> list[dict[str, Any]]:
    return [reads.public_row(b) for b in reads.public(area)[: reads.PUBLIC_LIMIT]]


@router.get("/", response=list[BulletinOut], summary="Bulletins of the caller's scope")
def list_bulletins(
    request: HttpRequest, state: str | None = None, incident: int | None = None
) -> list[dict[str, Any]]:
    qs = Bulletin.objects.visible_to(_user(request)).select_related(
        "area", "drafted_by", "approved_by"
    )
    if state:
        qs = qs.filter(state=state)
    if incident is not None:
        qs = qs.filter(incident_id=incident)
    return [reads.bulletin_row(b) for b in qs[:200]]


@router.post("/", response={201: BulletinOut, **_ERRORS}, summary="Draft a bulletin")
def draft(request: HttpRequest, payload: DraftIn) -> Any:
    user = _user(request)
    area = Area.objects.visible_to(user).filter(pk=payload.area_id).first()
    if area is None:
        raise ValidationFailed(_("No such area."), field="area_id")
    incident = None
    if payload.incident_id is not None:
        incident = Incident.objects.visible_to(user).filter(pk=payload.incident_id).first()
        if incident is None:
            raise ValidationFailed(_("No such incident."), field="incident_id")
    b = services.draft(
        actor=user,
        area=area,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        rumour=payload.rumour,
        incident=incident,
    )
    return Status(201, _out(b))


@router.get("/{pk}", response={200: BulletinOut, **_ERRORS}, summary="One bulletin")
def detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return reads.bulletin_row(_bulletin(request, pk))


@router.put("/{pk}", response={200: BulletinOut, **_MOVE_ERRORS}, summary="Edit a draft")
def edit(request: HttpRequest, pk: int, payload: EditIn) -> dict[str, Any]:
    b = services.edit(
        actor=_user(request),
        bulletin=_bulletin(request, pk),
        title=payload.title,
        body=payload.body,
        rumour=payload.rumour,
    )
    return _out(b)


@router.post("/{pk}/approve", response={200: BulletinOut, **_MOVE_ERRORS}, summary="Approve")
def approve(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _out(services.approve(actor=_user(request), bulletin=_bulletin(request, pk)))


@router.post("/{pk}/publish", response={200: BulletinOut, **_MOVE_ERRORS}, summary="Publish")
def publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _out(services.publish(actor=_user(request), bulletin=_bulletin(request, pk)))


@router.post("/{pk}/withdraw", response={200: BulletinOut, **_MOVE_ERRORS}, summary="Withdraw")
def withdraw(request: HttpRequest, pk: int, payload: WithdrawIn) -> dict[str, Any]:
    b = services.withdraw(
        actor=_user(request), bulletin=_bulletin(request, pk), reason=payload.reason
    )
    return _out(b)
