"""Typed request and response bodies of the cases API.

Choice fields are plain strings checked by the services (so their errors are translated and name
the field); the allowed values are listed in the OpenAPI schema. Two views of a case exist: the
staff view (every field, the whole log, requests and whistles) and the public view the reporter
and the tracking page get (no internal fields, only the public log rows). The `*_body` functions
at the end turn rows into these shapes (reads only).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from resigrid.cases.choices import PhotoStage, Rating, RequestKind, Resolution, Source
from resigrid.cases.models import Case, CasePhoto, CaseRequest, Whistle
from resigrid.cases.workflow import OPEN_STATES, State
from resigrid.core import pii
from resigrid.registers.choices import Priority


def _enum(values: list[str]) -> dict[str, Any]:
    return {"enum": values}


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = Field(None, description="The case's current state")


# Requests -----------------------------------------------------------------------------------


class ReportIn(Schema):
    category: str = Field(..., description="Category code: a leaf of the category tree")
    title: str = Field(..., description="Short title (at most 120 characters)")
    description: str = Field(..., description="What is wrong (at most 4000 characters)")
    lon: float = Field(..., description="Longitude of the problem")
    lat: float = Field(..., description="Latitude of the problem")
    crs: str = Field(
        "wgs84",
        description="Coordinate system of lon/lat: wgs84 (GPS) or gcj02 (Chinese web maps)",
        json_schema_extra=_enum(["wgs84", "gcj02"]),
    )
    priority: str = Field(Priority.NORMAL, json_schema_extra=_enum(list(Priority.values)))
    address: str = Field("", description="Address or landmark (at most 200 characters)")
    source: str = Field(
        Source.RESIDENT,
        description="Residents file as `resident`; staff sources need a role on the grid",
        json_schema_extra=_enum(list(Source.values)),
    )
    contact_name: str = ""
    contact_phone: str = Field("", description="Required (or an email) when not logged in")
    contact_email: str = ""
    external_id: str = Field("", description="e.g. the 12345 hotline ticket number")


class ExpectIn(Schema):
    expected_state: str | None = Field(
        None,
        description="The state the client last saw; 409 when the case has moved on since",
        json_schema_extra=_enum(list(State.values)),
    )


class NoteIn(ExpectIn):
    note: str = ""


class AcceptIn(NoteIn):
    also_register: bool = Field(
        False, alias="register", description="Also register (立案) in the same step"
    )


class ReasonIn(ExpectIn):
    reason: str = Field(..., description="Required; the reporter sees a rejection reason")


class DispatchIn(ExpectIn):
    lead_unit: int | None = Field(
        None, description="Unit id; empty = the responsibility list decides"
    )
    support_units: list[int] | None = Field(
        None, description="Unit ids; empty with an empty lead unit = the list's support units"
    )
    note: str = Field("", description="Required when overriding the responsibility list")


class HandleIn(ExpectIn):
    result: str = Field(..., description="What was done; the verifier and the reporter see it")


class VerifyIn(ExpectIn):
    passed: bool
    note: str = Field("", description="Required when the check failed (rework)")


class RateIn(ExpectIn):
    rating: str = Field(..., json_schema_extra=_enum(list(Rating.values)))
    resolution: str = Field(
        "",
        description="Was the problem solved (解决情况)? Counted by the resolution rate (解决率); "
        "left out of it when empty",
        json_schema_extra=_enum(["", *Resolution.values]),
    )
    comment: str = Field("", description="Required when unsatisfied (opens a reopen request)")
    tracking_code: str | None = Field(None, description="Lets an anonymous reporter rate")


class MergeIn(ExpectIn):
    into: int = Field(..., description="Id of the open case this duplicate joins")
    note: str = ""


class ChangeRequestIn(Schema):
    kind: str = Field(
        ..., json_schema_extra=_enum([RequestKind.POSTPONE.value, RequestKind.SUSPEND.value])
    )
    reason: str
    extra_minutes: int | None = Field(None, description="Postponement only: minutes added")


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", description="Required when refusing")


class ResumeIn(Schema):
    note: str = ""


class WhistleIn(Schema):
    unit: int = Field(..., description="Id of the summoned unit (street office, department)")
    reason: str
    answer_minutes: int | None = Field(None, description="Time to report (报到); default 30")


class AnswerIn(Schema):
    text: str


# Responses ----------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    width: int
    height: int
    size: int
    created_at: dt.datetime


class PhotosOut(Schema):
    case_id: int
    added: list[PhotoOut]


class RouteOut(Schema):
    lead_unit: UnitRef | None
    support_units: list[UnitRef]


class DuplicateOut(Schema):
    id: int
    number: str
    state: str
    distance_m: float
    title: str | None = Field(None, description="Only when the caller may see that case")


class LogOut(Schema):
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str | None
    public: bool


class PublicLogOut(Schema):
    at: dt.datetime
    action: str
    to_state: str
    note: str


class RequestOut(Schema):
    id: int
    case_id: int
    kind: str
    reason: str
    extra_minutes: int | None
    requested_by: str | None
    requested_at: dt.datetime
    approved: bool | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


class WhistleOut(Schema):
    id: int
    case_id: int
    unit: UnitRef
    reason: str
    summoned_by: str | None
    summoned_at: dt.datetime
    due_at: dt.datetime
    answered_by: str | None
    answered_at: dt.datetime | None
    answer: str
    late: bool


class CaseRowOut(Schema):
    id: int
    number: str
    title: str
    state: str
    category: str
    category_name: str
    priority: str
    source: str
    grid: str
    grid_name: str
    lead_unit: str | None
    reported_at: dt.datetime
    stage: str
    stage_due: dt.datetime | None
    overdue: bool
    suspended: bool


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseRowOut]


class _CaseCore(Schema):
    id: int
    number: str
    state: str
    state_label: str
    category: str
    category_name: str
    priority: str
    title: str
    description: str
    address: str
    lon: float
    lat: float
    grid: str
    grid_name: str
    reported_at: dt.datetime
    lead_unit: UnitRef | None
    result: str
    rejection_reason: str
    rating: str
    resolution: str = Field("", description="resolved, partly, unresolved or empty")
    merged_into: str | None = Field(None, description="Number of the case this one joined")
    photos: list[PhotoOut]


class PublicCaseOut(_CaseCore):
    """What the reporter (and the tracking page) sees."""

    view: Literal["public"] = "public"
    rating_comment: str
    closed_at: dt.datetime | None
    timeline: list[PublicLogOut]
    can_rate: bool
    tracking_code: str | None = Field(None, description="Only to the reporter")


class StaffCaseOut(_CaseCore):
    """What staff in scope and the units working on the case see."""

    view: Literal["staff"] = "staff"
    source: str
    external_id: str
    reporter: str | None
    contact_name: str
    contact_phone: str | None = Field(None, description="Masked")
    contact_email: str
    support_units: list[UnitRef]
    handled_by: str | None
    verified_by: str | None
    stage: str
    stage_due: dt.datetime | None
    handle_due: dt.datetime | None
    overdue_since: dt.datetime | None
    escalation_level: int
    suspended_at: dt.datetime | None
    was_postponed: bool
    was_suspended: bool
    rework_count: int
    return_count: int
    reopen_count: int
    accepted_at: dt.datetime | None
    registered_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    handled_at: dt.datetime | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    rated_at: dt.datetime | None
    closed_on_time: bool | None
    rating_comment: str
    log: list[LogOut]
    requests: list[RequestOut]
    whistles: list[WhistleOut]
    actions: list[str] = Field(..., description="Moves the caller may make now")
    tracking_code: str | None = Field(None, description="Only to the reporter")


CaseOut = Annotated[StaffCaseOut | PublicCaseOut, Field(discriminator="view")]


class ReportedOut(PublicCaseOut):
    """The new case as its reporter sees it, with the suggested route and open cases nearby."""

    route: RouteOut
    duplicates: list[DuplicateOut]


# Bodies: model rows → the dicts above (reads only) -----------------------------------------


def _name(user: Any) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def unit_ref(unit: Any) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def photo_body(photo: CasePhoto) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "stage": photo.stage,
        "url": photo.file.url,
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "created_at": photo.created_at,
    }


def row_body(case: Case, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "state": case.state,
        "category": case.category.code,
        "category_name": case.category.name,
        "priority": case.priority,
        "source": case.source,
        "grid": case.grid.code,
        "grid_name": case.grid.name,
        "lead_unit": case.lead_unit.name if case.lead_unit else None,
        "reported_at": case.reported_at,
        "stage": case.stage,
        "stage_due": case.stage_due,
        "overdue": _overdue(case, now),
        "suspended": case.suspended_at is not None,
    }


def _overdue(case: Case, now: dt.datetime) -> bool:
    return bool(
        case.state in OPEN_STATES
        and case.suspended_at is None
        and case.stage_due is not None
        and case.stage_due < now
    )


def _core(
    case: Case, photo_stages: frozenset[str], photos: list[CasePhoto] | None = None
) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": str(State(case.state).label),
        "category": case.category.code,
        "category_name": case.category.name,
        "priority": case.priority,
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "grid": case.grid.code,
        "grid_name": case.grid.name,
        "reported_at": case.reported_at,
        "lead_unit": unit_ref(case.lead_unit),
        "result": case.result,
        "rejection_reason": case.rejection_reason,
        "rating": case.rating,
        "resolution": case.resolution,
        "merged_into": f"AJ{case.merged_into_id:08d}" if case.merged_into_id else None,
        "photos": [
            photo_body(p)
            for p in (case.photos.all() if photos is None else photos)
            if p.stage in photo_stages
        ],
    }


PUBLIC_PHOTOS = frozenset({PhotoStage.REPORT, PhotoStage.RESULT})
ALL_PHOTOS = frozenset(PhotoStage.values)


def public_body(
    case: Case, *, tracking_code: bool, can_rate: bool, photos: list[CasePhoto] | None = None
) -> dict[str, Any]:
    """The reporter's view: no internal fields, only the log rows meant for the reporter.
    `photos` saves a query when the caller knows them (a new case from a JSON report)."""
    return {
        **_core(case, PUBLIC_PHOTOS, photos),
        "view": "public",
        "rating_comment": case.rating_comment,
        "closed_at": case.closed_at,
        "timeline": [
            {"at": row.at, "action": row.action, "to_state": row.to_state, "note": row.note}
            for row in case.log.all()
            if row.public
        ],
        "can_rate": can_rate,
        "tracking_code": case.tracking_code if tracking_code else None,
    }


def request_body(row: CaseRequest) -> dict[str, Any]:
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "kind": row.kind,
        "reason": row.reason,
        "extra_minutes": row.extra_minutes,
        "requested_by": _name(row.requested_by),
        "requested_at": row.requested_at,
        "approved": row.approved,
        "decided_by": _name(row.decided_by),
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
    }


def whistle_body(row: Whistle, now: dt.datetime) -> dict[str, Any]:
    answered = row.answered_at
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "unit": unit_ref(row.unit),
        "reason": row.reason,
        "summoned_by": _name(row.summoned_by),
        "summoned_at": row.summoned_at,
        "due_at": row.due_at,
        "answered_by": _name(row.answered_by),
        "answered_at": answered,
        "answer": row.answer,
        "late": (answered or now) > row.due_at,
    }


def staff_body(
    case: Case, *, actions: list[str], tracking_code: bool, now: dt.datetime
) -> dict[str, Any]:
    phone = pii.mask_phone(pii.decrypt(case.contact_phone_enc)) if case.contact_phone_enc else None
    return {
        **_core(case, ALL_PHOTOS),
        "view": "staff",
        "source": case.source,
        "external_id": case.external_id,
        "reporter": _name(case.reporter),
        "contact_name": case.contact_name,
        "contact_phone": phone,
        "contact_email": case.contact_email,
        "support_units": [unit_ref(u) for u in case.support_units.order_by("pk")],
        "handled_by": _name(case.handled_by),
        "verified_by": _name(case.verified_by),
        "stage": case.stage,
        "stage_due": case.stage_due,
        "handle_due": case.handle_due,
        "overdue_since": case.overdue_since,
        "escalation_level": case.escalation_level,
        "suspended_at": case.suspended_at,
        "was_postponed": case.was_postponed,
        "was_suspended": case.was_suspended,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "reopen_count": case.reopen_count,
        "accepted_at": case.accepted_at,
        "registered_at": case.registered_at,
        "dispatched_at": case.dispatched_at,
        "handled_at": case.handled_at,
        "verified_at": case.verified_at,
        "closed_at": case.closed_at,
        "rated_at": case.rated_at,
        "closed_on_time": case.closed_on_time,
        "rating_comment": case.rating_comment,
        "log": [
            {
                "at": row.at,
                "action": row.action,
                "from_state": row.from_state,
                "to_state": row.to_state,
                "note": row.note,
                "actor": _name(row.actor),
                "public": row.public,
            }
            for row in case.log.select_related("actor")
        ],
        "requests": [
            request_body(r) for r in case.requests.select_related("requested_by", "decided_by")
        ],
        "whistles": [
            whistle_body(w, now)
            for w in case.whistles.select_related("unit", "summoned_by", "answered_by")
        ],
        "actions": actions,
        "tracking_code": case.tracking_code if tracking_code else None,
    }
