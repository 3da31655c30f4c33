"""API of the risk register (风险清单): parse → visible_to → service → schema.

Risks outside the caller's scope answer 404; writes without `MANAGE_RISKS` on the risk's area
403; bad input 422 naming the field (translated); a second escalation or a change to a closed
risk 409 with the current `state`. Wired at /api/response/risks/ by config/api.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.accounts.models import User
from resigrid.areas.models import Area, Building
from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.risks import escalation, rating, reads, services
from resigrid.response.risks.models import RiskControl, RiskPoint
from resigrid.response.risks.schemas import (
    CaseRefOut,
    CloseIn,
    ConflictOut,
    ControlIn,
    ControlOut,
    ControlStateIn,
    DetailsIn,
    ErrorOut,
    EscalateIn,
    RatingIn,
    ReviewIn,
    ReviewOut,
    RiskDetailOut,
    RiskIn,
    RiskOut,
    RiskUpdateIn,
)

router = Router()
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**ERRORS, 409: ConflictOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def factors_from(data: RatingIn) -> rating.Factors:
    return rating.Factors(**{name: getattr(data, name) for name in RatingIn.model_fields})


def details_from(data: DetailsIn) -> services.Details:
    values = {name: getattr(data, name) for name in DetailsIn.model_fields}
    building = unit = account = None
    if (pk := values.pop("building_id")) is not None:
        building = Building.objects.select_related("grid").filter(pk=pk).first()
        if building is None:
            raise _fail("building_id", _("No such building."))
    if (pk := values.pop("responsible_unit_id")) is not None:
        unit = Unit.objects.filter(pk=pk).first()
        if unit is None:
            raise _fail("responsible_unit_id", _("No such unit."))
    if (pk := values.pop("responsible_user_id")) is not None:
        account = User.objects.filter(pk=pk, is_active=True).first()
        if account is None:
            raise _fail("responsible_user_id", _("No such account."))
    return services.Details(
        **values, building=building, responsible_unit=unit, responsible_user=account
    )


def risk_out(risk: RiskPoint) -> dict[str, Any]:
    data = {f: getattr(risk, f) for f in RiskOut.model_fields if hasattr(risk, f)}
    data["area_name"] = risk.area.name
    on = reads.today()
    data["overdue_days"] = max(0, (on - risk.next_review_due).days) if risk.is_active else 0
    return data


def detail_out(risk: RiskPoint) -> dict[str, Any]:
    data = risk_out(risk)
    data["controls"] = [ControlOut.from_orm(c).dict() for c in risk.controls.all()]
    data["reviews"] = [
        {
            **{f: getattr(r, f) for f in ReviewOut.model_fields if f != "reviewer"},
            "reviewer": (r.reviewer.full_name or r.reviewer.username) if r.reviewer else "",
        }
        for r in risk.reviews.select_related("reviewer")
    ]
    return data


@router.get("/", response=list[RiskOut], summary="Risk points in scope, filtered")
def list_risks(
    request: HttpRequest,
    band: str = "",
    hazard_class: str = "",
    status: str = "",
    area_id: int | None = None,
    overdue: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    user = _user(request)
    reads.require_view(user)
    f = reads.Filters(
        band=band, hazard_class=hazard_class, status=status, area_id=area_id, overdue=overdue
    )
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    return [risk_out(r) for r in reads.filtered(user, f)[offset : offset + limit]]


@router.get("/geojson", response=dict[str, Any], summary="Risk points as GeoJSON (the map)")
def risks_geojson(
    request: HttpRequest, band: str = "", hazard_class: str = "", overdue: bool = False
) -> dict[str, Any]:
    user = _user(request)
    reads.require_view(user)
    f = reads.Filters(band=band, hazard_class=hazard_class, overdue=overdue)
    return reads.geojson(reads.filtered(user, f))


@router.get("/{int:pk}", response={200: RiskDetailOut, **ERRORS}, summary="One risk point")
def get_risk(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail_out(reads.risk_for(_user(request), pk))


@router.post("/", response={201: RiskDetailOut, **ERRORS}, summary="Add a risk point")
def create_risk(request: HttpRequest, data: RiskIn) -> Status[dict[str, Any]]:
    user = _user(request)
    area = Area.objects.filter(pk=data.area_id).first()
    if area is None:
        raise NotFoundError(_("No such area."))
    risk = services.create_risk(
        actor=user,
        area=area,
        details=details_from(data),
        factors=factors_from(data),
        note=data.note,
    )
    return Status(201, detail_out(risk))


@router.patch("/{int:pk}", response={200: RiskDetailOut, **MOVE_ERRORS}, summary="Edit a risk")
def update_risk(request: HttpRequest, pk: int, data: RiskUpdateIn) -> dict[str, Any]:
    user = _user(request)
    reads.risk_for(user, pk)
    risk = services.update_risk(
        actor=user,
        risk_id=pk,
        details=details_from(data),
        factors=factors_from(data.rating) if data.rating is not None else None,
        note=data.note,
    )
    return detail_out(risk)


@router.post("/{int:pk}/review", response={201: RiskDetailOut, **MOVE_ERRORS}, summary="Review")
def review_risk(request: HttpRequest, pk: int, data: ReviewIn) -> Status[dict[str, Any]]:
    user = _user(request)
    reads.risk_for(user, pk)
    services.review_risk(
        actor=user,
        risk_id=pk,
        factors=factors_from(data.rating) if data.rating is not None else None,
        note=data.note,
        controlled=data.controlled,
    )
    return Status(201, detail_out(reads.risk_for(user, pk)))


@router.post(
    "/{int:pk}/escalate",
    response={201: CaseRefOut, **MOVE_ERRORS},
    summary="Escalate: open a case upward (once)",
)
def escalate_risk(request: HttpRequest, pk: int, data: EscalateIn) -> Status[dict[str, Any]]:
    user = _user(request)
    reads.risk_for(user, pk)
    case = escalation.escalate(actor=user, risk_id=pk, note=data.note, category=data.category)
    risk = reads.risk_for(user, pk)
    return Status(
        201, {"case_id": case.pk, "tracking_code": case.tracking_code, "risk": risk_out(risk)}
    )


@router.post("/{int:pk}/close", response={200: RiskOut, **MOVE_ERRORS}, summary="Close a risk")
def close_risk(request: HttpRequest, pk: int, data: CloseIn) -> dict[str, Any]:
    user = _user(request)
    reads.risk_for(user, pk)
    return risk_out(services.close_risk(actor=user, risk_id=pk, note=data.note))


@router.post(
    "/{int:pk}/controls", response={201: ControlOut, **MOVE_ERRORS}, summary="Add a control"
)
def add_control(request: HttpRequest, pk: int, data: ControlIn) -> Status[RiskControl]:
    user = _user(request)
    reads.risk_for(user, pk)
    unit = None
    if data.owner_unit_id is not None:
        unit = Unit.objects.filter(pk=data.owner_unit_id).first()
        if unit is None:
            raise _fail("owner_unit_id", _("No such unit."))
    control = services.add_control(
        actor=user,
        risk_id=pk,
        measure=data.measure,
        owner=data.owner,
        owner_unit=unit,
        state=data.state,
    )
    return Status(201, control)


@router.post(
    "/controls/{int:pk}/state", response={200: ControlOut, **MOVE_ERRORS}, summary="Move a control"
)
def control_state(request: HttpRequest, pk: int, data: ControlStateIn) -> RiskControl:
    user = _user(request)
    control = RiskControl.objects.filter(pk=pk).first()
    if control is None:
        raise NotFoundError(_("No such control measure."))
    reads.risk_for(user, control.risk_id)
    return services.set_control_state(actor=user, control_id=pk, state=data.state)
