"""Every write of the risk register: create and edit a risk point (rated on the way in),
review it, add and move control measures, close it. Escalation is in `escalation.py`.

Keyword-only; each function checks the right (`MANAGE_RISKS` on the risk's area), checks all
input before writing (bad input raises `ValidationFailed` naming the field and writes nothing),
locks the row it changes and writes the log row in the same transaction."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass
from resigrid.response.risks import rating
from resigrid.response.risks.models import (
    ControlState,
    Origin,
    ReviewKind,
    RiskControl,
    RiskLog,
    RiskPoint,
    RiskReview,
    RiskStatus,
)
from resigrid.response.risks.permissions import can_manage, can_view

MAX_NAME = 100
MAX_TEXT = 4000
MAX_NOTE = 2000
RISK_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def today() -> dt.date:
    return timezone.localdate()


def log(
    risk: RiskPoint,
    *,
    actor: Any,
    action: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
) -> RiskLog:
    return RiskLog.objects.create(
        risk=risk,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ("" if value is None else None)
    if text is None:
        raise fail(field, _("This is not text."))
    if required and not text:
        raise fail(field, _("This field is required."))
    if len(text) > limit:
        raise fail(field, _("The text is too long (at most %(n)d characters).") % {"n": limit})
    return text


def _deny_manage() -> PermissionDeniedError:
    return PermissionDeniedError(_("You may not keep the risk register of this area."))


def lock(*, actor: Any, risk_id: int) -> RiskPoint:
    """The risk row, locked; 404 outside the actor's view, 403 without the right to write."""
    risk = (
        RiskPoint.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=risk_id)
        .first()
    )
    if risk is None or not can_view(actor, risk.area):
        raise NotFoundError(_("No such risk point."))
    if not can_manage(actor, risk.area):
        raise _deny_manage()
    return risk


# --- the descriptive part of a risk point ---------------------------------------------------


@dataclass
class Details:
    """What a risk point says apart from its rating. `None` in an update means "unchanged"."""

    name: Any = None
    hazard_class: Any = None
    subtype: Any = None
    description: Any = None
    location: Any = None
    lon: Any = None
    lat: Any = None
    building: Building | None = None
    responsible_unit: Unit | None = None
    responsible_person: Any = None
    responsible_user: User | None = None


def _area_point(area: Area) -> tuple[float, float] | None:
    if area.centroid_lon is not None and area.centroid_lat is not None:
        return float(area.centroid_lon), float(area.centroid_lat)
    if area.boundary:
        from shapely.geometry import shape

        p = shape(area.boundary).representative_point()
        return float(p.x), float(p.y)
    return None


def _check_point(area: Area, lon: Any, lat: Any) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    errors: dict[str, list[str]] = {}
    values: dict[str, float] = {}
    for name, value, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = [_("Give both longitude and latitude as numbers.")]
            continue
        if not math.isfinite(number) or abs(number) > bound:
            errors[name] = [
                _("The longitude must be between −180 and 180.")
                if name == "lon"
                else _("The latitude must be between −90 and 90.")
            ]
            continue
        values[name] = number
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)
    if area.boundary:
        from shapely.geometry import Point, shape

        if not shape(area.boundary).buffer(1e-9).covers(Point(values["lon"], values["lat"])):
            raise fail("lon", _("The point lies outside %(area)s.") % {"area": area.name})
    return values["lon"], values["lat"]


def _check_details(
    area: Area, d: Details, *, creating: bool, old: RiskPoint | None
) -> dict[str, Any]:
    """The clean values to set (only those given, unless `creating`)."""
    out: dict[str, Any] = {}
    if creating or d.name is not None:
        out["name"] = clean_text(d.name, field="name", limit=MAX_NAME, required=True)
    if creating or d.hazard_class is not None:
        if d.hazard_class not in HazardClass.values:
            raise fail("hazard_class", _("Choose a hazard class."))
        out["hazard_class"] = d.hazard_class
    for name, limit in (
        ("subtype", 60),
        ("description", MAX_TEXT),
        ("location", 200),
        ("responsible_person", 40),
    ):
        value = getattr(d, name)
        if creating or value is not None:
            out[name] = clean_text(value, field=name, limit=limit)
    if d.building is not None:
        if not d.building.grid.code.startswith(area.scope_prefix):
            raise fail("building", _("The building is not in %(area)s.") % {"area": area.name})
        out["building"] = d.building
    elif creating:
        out["building"] = None
    if creating or d.lon is not None or d.lat is not None:
        lon, lat = _check_point(area, d.lon, d.lat)
        if lon is None and (building := out.get("building") or (old and old.building)):
            lon, lat = building.lon, building.lat
        out["lon"], out["lat"] = lon, lat
    if d.responsible_unit is not None or creating:
        out["responsible_unit"] = d.responsible_unit
    if d.responsible_user is not None or creating:
        out["responsible_user"] = d.responsible_user
    return out


def _check_area(actor: Any, area: Area) -> None:
    if not can_view(actor, area):
        raise NotFoundError(_("No such area."))
    if not can_manage(actor, area):
        raise _deny_manage()
    if area.level not in RISK_LEVELS:
        raise fail("area", _("Choose a street, a community or a grid."))


def _apply_rating(risk: RiskPoint, rated: rating.Rated) -> None:
    for name, value in rated.fields.items():
        setattr(risk, name, value)
    risk.method = rated.method
    risk.score = rated.score
    risk.inherent_band = rated.band
    risk.residual_score = rated.residual_score
    risk.residual_band = rated.residual_band
    risk.band = rated.current_band


def _record_review(
    risk: RiskPoint, *, actor: Any, kind: str, rated: rating.Rated, note: str, on: dt.date
) -> RiskReview:
    due = rating.next_due(on, rated.current_band)
    risk.last_reviewed_on = on
    risk.next_review_due = due
    return RiskReview.objects.create(
        risk=risk,
        kind=kind,
        reviewed_on=on,
        at=timezone.now(),
        reviewer=actor if getattr(actor, "is_authenticated", False) else None,
        method=rated.method,
        factors=rated.factors,
        score=rated.score,
        band=rated.band,
        residual_score=rated.residual_score,
        residual_band=rated.residual_band,
        note=note,
        next_due=due,
    )


def create_risk(
    *,
    actor: Any,
    area: Area,
    details: Details,
    factors: rating.Factors,
    note: str = "",
    origin: str = Origin.MANUAL,
    sim_run_id: int | None = None,
    sim_point_key: str = "",
) -> RiskPoint:
    """A new risk point, rated, with its first assessment; its first review falls due by the
    cadence of its band."""
    _check_area(actor, area)
    values = _check_details(area, details, creating=True, old=None)
    rated = rating.rate(factors)
    note = clean_text(note, field="note", limit=MAX_NOTE)
    user = actor if getattr(actor, "is_authenticated", False) else None
    risk = RiskPoint(area=area, created_by=user, origin=origin, **values)
    risk.sim_run_id, risk.sim_point_key = sim_run_id, sim_point_key[:120]
    _apply_rating(risk, rated)
    on = today()
    risk.last_reviewed_on, risk.next_review_due = on, rating.next_due(on, rated.current_band)
    try:
        with transaction.atomic():
            risk.save()
            _record_review(
                risk, actor=actor, kind=ReviewKind.ASSESSMENT, rated=rated, note=note, on=on
            )
            log(risk, actor=actor, action="create", to_status=risk.status, note=note)
    except IntegrityError:
        if (
            sim_run_id is not None
            and RiskPoint.objects.filter(
                sim_run_id=sim_run_id, sim_point_key=risk.sim_point_key
            ).exists()
        ):
            raise ConflictError(_("This risk point is already in the risk register.")) from None
        raise
    return risk


def update_risk(
    *,
    actor: Any,
    risk_id: int,
    details: Details,
    factors: rating.Factors | None = None,
    note: str = "",
) -> RiskPoint:
    """Edit what the risk point says; changed factors are a reassessment (a review row; the next
    review falls due from today by the new band). Factors equal to the stored ones change
    nothing."""
    note = clean_text(note, field="note", limit=MAX_NOTE)
    rated = rating.rate(factors) if factors is not None else None
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=risk_id)
        if risk.status == RiskStatus.CLOSED:
            raise ConflictError(_("This risk point is closed."), state=risk.status)
        values = _check_details(risk.area, details, creating=False, old=risk)
        for name, value in values.items():
            setattr(risk, name, value)
        if rated is not None and rated.factors != rating.rate(rating.factors_of(risk)).factors:
            _apply_rating(risk, rated)
            _record_review(
                risk, actor=actor, kind=ReviewKind.REASSESSMENT, rated=rated, note=note, on=today()
            )
        risk.save()
        log(risk, actor=actor, action="update", note=note)
    return risk


def review_risk(
    *,
    actor: Any,
    risk_id: int,
    factors: rating.Factors | None = None,
    note: str = "",
    controlled: bool | None = None,
) -> RiskReview:
    """A periodic review: the ratings confirmed or changed, the note, the next due date by the
    (new) band. `controlled` moves an open risk to controlled (True) or back to open (False)."""
    note = clean_text(note, field="note", limit=MAX_NOTE, required=True)
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=risk_id)
        if risk.status == RiskStatus.CLOSED:
            raise ConflictError(_("This risk point is closed."), state=risk.status)
        rated = rating.rate(factors if factors is not None else rating.factors_of(risk))
        _apply_rating(risk, rated)
        review = _record_review(
            risk, actor=actor, kind=ReviewKind.REVIEW, rated=rated, note=note, on=today()
        )
        before = risk.status
        if controlled is not None and risk.status in (RiskStatus.OPEN, RiskStatus.CONTROLLED):
            risk.status = RiskStatus.CONTROLLED if controlled else RiskStatus.OPEN
        risk.save()
        log(
            risk, actor=actor, action="review", note=note, from_status=before, to_status=risk.status
        )
    return review


def close_risk(*, actor: Any, risk_id: int, note: str) -> RiskPoint:
    """The hazard is gone (removed, rebuilt, moved out): no more reviews fall due."""
    note = clean_text(note, field="note", limit=MAX_NOTE, required=True)
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=risk_id)
        if risk.status == RiskStatus.CLOSED:
            raise ConflictError(_("This risk point is already closed."), state=risk.status)
        before = risk.status
        risk.status = RiskStatus.CLOSED
        risk.save(update_fields=["status", "updated_at"])
        log(risk, actor=actor, action="close", note=note, from_status=before, to_status=risk.status)
    return risk


# --- control measures -----------------------------------------------------------------------


def add_control(
    *,
    actor: Any,
    risk_id: int,
    measure: Any,
    owner: Any = "",
    owner_unit: Unit | None = None,
    state: str = ControlState.PLANNED,
) -> RiskControl:
    measure = clean_text(measure, field="measure", limit=300, required=True)
    owner = clean_text(owner, field="owner", limit=60)
    if state not in ControlState.values:
        raise fail("state", _("Unknown state of a control measure."))
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=risk_id)
        if risk.status == RiskStatus.CLOSED:
            raise ConflictError(_("This risk point is closed."), state=risk.status)
        if risk.controls.filter(measure=measure).exclude(state=ControlState.RETIRED).exists():
            raise fail("measure", _("This measure is already listed."))
        control = RiskControl.objects.create(
            risk=risk, measure=measure, owner=owner, owner_unit=owner_unit, state=state
        )
        log(risk, actor=actor, action="control", note=measure)
    return control


def set_control_state(*, actor: Any, control_id: int, state: str) -> RiskControl:
    if state not in ControlState.values:
        raise fail("state", _("Unknown state of a control measure."))
    control = RiskControl.objects.filter(pk=control_id).first()
    if control is None:
        raise NotFoundError(_("No such control measure."))
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=control.risk_id)
        control = RiskControl.objects.select_for_update().get(pk=control_id)
        if control.state != state:
            before = control.state
            control.state = state
            control.save(update_fields=["state", "updated_at"])
            log(
                risk,
                actor=actor,
                action="control_state",
                note=f"{control.measure}: {before} → {state}",
            )
    return control
