"""API schemas of the risk register. Ranges and choices are checked by the services, whose
errors are translated and name the field (422)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = None


class RatingIn(Schema):
    method: str = Field("matrix", description="matrix (5×5: L, harm, scale, property loss) or lec")
    likelihood: int | None = Field(None, description="Matrix L, 1–5")
    harm: int | None = Field(None, description="Harm to people, 1–5")
    scale: int | None = Field(None, description="Affected scale, 1–5")
    property_loss: int | None = Field(None, description="Property loss, 1–5")
    lec_l: Decimal | None = Field(None, description="LEC L: 10, 6, 3, 1, 0.5, 0.2 or 0.1")
    lec_e: Decimal | None = Field(None, description="LEC E: 10, 6, 3, 2, 1 or 0.5")
    lec_c: Decimal | None = Field(None, description="LEC C: 100, 40, 15, 7, 3 or 1")
    residual_likelihood: int | None = Field(None, description="Matrix L after controls")
    residual_severity: int | None = Field(None, description="Matrix S after controls")
    residual_lec_l: Decimal | None = None
    residual_lec_e: Decimal | None = None
    residual_lec_c: Decimal | None = None


class DetailsIn(Schema):
    name: str | None = Field(None, max_length=1000)
    hazard_class: str | None = Field(
        None, description="natural, accident, public_health or social_security (GB/T 35561)"
    )
    subtype: str | None = None
    description: str | None = None
    location: str | None = None
    lon: float | None = Field(None, description="WGS84; inside the area")
    lat: float | None = None
    building_id: int | None = None
    responsible_unit_id: int | None = None
    responsible_person: str | None = None
    responsible_user_id: int | None = None


class RiskIn(DetailsIn, RatingIn):
    area_id: int = Field(..., description="A street, community or grid")
    note: str = ""


class RiskUpdateIn(DetailsIn):
    rating: RatingIn | None = Field(None, description="New factors: a reassessment")
    note: str = ""


class ReviewIn(Schema):
    note: str = Field(..., description="What the review found (required)")
    rating: RatingIn | None = Field(None, description="Changed factors; omit to confirm them")
    controlled: bool | None = Field(None, description="true: under control; false: open again")


class EscalateIn(Schema):
    note: str = Field(..., description="Why the area cannot resolve it locally")
    category: str = Field("", description="Case category code; omit for the default")


class CloseIn(Schema):
    note: str


class ControlIn(Schema):
    measure: str
    owner: str = ""
    owner_unit_id: int | None = None
    state: str = "planned"


class ControlStateIn(Schema):
    state: str


class ControlOut(Schema):
    id: int
    measure: str
    owner: str
    owner_unit_id: int | None
    state: str


class ReviewOut(Schema):
    id: int
    kind: str
    reviewed_on: dt.date
    reviewer: str
    method: str
    factors: dict[str, Any]
    score: float
    band: str
    residual_score: float | None
    residual_band: str
    note: str
    next_due: dt.date


class RiskOut(Schema):
    id: int
    name: str
    area_id: int
    area_name: str
    building_id: int | None
    location: str
    lon: float | None
    lat: float | None
    hazard_class: str
    subtype: str
    description: str
    responsible_unit_id: int | None
    responsible_person: str
    responsible_user_id: int | None
    method: str
    likelihood: int | None
    harm: int | None
    scale: int | None
    property_loss: int | None
    severity: int | None
    lec_l: float | None
    lec_e: float | None
    lec_c: float | None
    score: float
    inherent_band: str
    residual_likelihood: int | None
    residual_severity: int | None
    residual_lec_l: float | None
    residual_lec_e: float | None
    residual_lec_c: float | None
    residual_score: float | None
    residual_band: str
    band: str
    status: str
    last_reviewed_on: dt.date
    next_review_due: dt.date
    overdue_days: int
    escalated_case_id: int | None
    escalated_to_id: int | None
    origin: str
    sim_run_id: int | None
    sim_point_key: str


class RiskDetailOut(RiskOut):
    controls: list[ControlOut]
    reviews: list[ReviewOut]


class CaseRefOut(Schema):
    case_id: int
    tracking_code: str
    risk: RiskOut
