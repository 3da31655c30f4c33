"""API of recovery needs and after-action reviews: parse → visible_to → service → schema.

Incidents and needs outside the caller's scope answer 404; writes without the right 403; bad
input 422 naming the field (translated); a move the need's state does not allow 409 with the
current `state`. Medical and psychological needs are listed only to holders of VIEW_VULNERABLE
on the household's grid (the read is logged); others get them in the summary counts only.
Mounted at /api/response/recovery/ by config/api.py.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from resigrid.cases import idempotency
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Commitment, Unit
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.plans.models import Plan
from resigrid.response.recovery import matching, reads, reviews, services, summary
from resigrid.response.recovery.models import AfterActionReview, HouseholdNeed
from resigrid.response.recovery.permissions import can_assess
from resigrid.response.recovery.reviews import FindingInput
from resigrid.response.recovery.schemas import (
    AssessmentIn,
    AssessmentOut,
    CloseIn,
    CloseItemIn,
    ConflictOut,
    ErrorOut,
    FindingIn,
    ItemOut,
    MatchIn,
    NeedOut,
    ReviewIn,
    ReviewOut,
    SuggestionOut,
    SummaryOut,
)
from resigrid.response.recovery.services import NeedInput

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}

router = Router()

KEY = Header(  # type: ignore[type-arg]
    None,
    alias=idempotency.HEADER,
    description=(
        "Any unique string (a UUID) per submission from a phone: a retry with the same key "
        "and request gets the first answer back and records nothing twice."
    ),
)


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _need_out(n: HouseholdNeed) -> dict[str, Any]:
    return {
        "id": n.pk,
        "assessment_id": n.assessment_id,
        "household_id": n.assessment.household_id,
        "household": str(n.assessment.household),
        "grid_id": n.grid_id,
        "kind": n.kind,
        "severity": n.severity,
        "state": n.state,
        "description": n.description,
        "matched_commitment_id": n.matched_commitment_id,
        "matched_unit_id": n.matched_unit_id,
        "matched_service": n.matched_service,
        "task_id": n.task_id,
        "owner_id": n.owner_id,
        "due_date": n.due_date,
        "matched_at": n.matched_at,
        "closed_at": n.closed_at,
        "outcome": n.outcome,
        "outcome_note": n.outcome_note,
    }


def _item_out(item: ImprovementItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "detail": item.detail,
        "state": item.state,
        "due_date": item.due_date,
        "owner_user_id": item.owner_user_id,
        "owner_unit_id": item.owner_unit_id,
        "plan_id": item.plan_id,
        "plan_url": reads.plan_url(item.plan_id),
        "done_at": item.done_at,
    }


def _review_out(review: AfterActionReview) -> dict[str, Any]:
    return {
        "id": review.pk,
        "incident_id": review.incident_id,
        "follow_up_of_id": review.follow_up_of_id,
        "held_at": review.held_at,
        "participants": review.participants,
        "participant_ids": sorted(review.participant_accounts.values_list("pk", flat=True)),
        "went_well": review.went_well,
        "went_wrong": review.went_wrong,
        "findings": review.findings,
        "items": [_item_out(i) for i in reviews.review_items(review)],
    }


def _need(request: HttpRequest, pk: int) -> HouseholdNeed:
    need = reads.need_for(_user(request), pk)
    reads.check_health(_user(request), need)
    return need


def _pick(qs: Any, pk: int | None, field: str, message: str) -> Any:
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(message, field=field)
    return found


def _review(request: HttpRequest, pk: int) -> AfterActionReview:
    review = (
        AfterActionReview.objects.visible_to(_user(request))
        .select_related("incident__area", "incident__plan")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise NotFoundError(_("No such review."))
    return review


def _finding(request: HttpRequest, incident: Incident, f: FindingIn, prefix: str) -> FindingInput:
    user = _user(request)
    return FindingInput(
        title=f.title,
        due_date=f.due_date,
        owner_user=_pick(
            reads.people_of(incident), f.owner_user_id, f"{prefix}owner", _("No such account.")
        ),
        owner_unit=_pick(
            reads.units_of(incident), f.owner_unit_id, f"{prefix}owner", _("No such unit.")
        ),
        detail=f.detail,
        plan=_pick(Plan.objects.visible_to(user), f.plan_id, f"{prefix}plan", _("No such plan.")),
        no_plan=f.no_plan,
    )


@router.get("incidents/{incident_id}/summary", response={200: SummaryOut, **_ERRORS})
def incident_summary(request: HttpRequest, incident_id: int) -> Any:
    incident = reads.incident_for(_user(request), incident_id)
    s = summary.for_incident(incident)
    return {"incident_id": incident.pk, **s.__dict__}


@router.get(
    "incidents/{incident_id}/needs",
    response={200: list[NeedOut], **_ERRORS},
    summary="Needs of an incident (health needs only with the right; the read is logged)",
)
def list_needs(request: HttpRequest, incident_id: int, kind: str = "", state: str = "") -> Any:
    user = _user(request)
    incident = reads.incident_for(user, incident_id)
    data = reads.board(user, incident, kind=kind, state=state, request=request, limit=500)
    return [_need_out(n) for n in data.needs]


@router.post(
    "incidents/{incident_id}/assessments",
    response={201: AssessmentOut, **MOVE_ERRORS},
    summary="Record a household needs assessment",
)
def create_assessment(
    request: HttpRequest,
    incident_id: int,
    payload: AssessmentIn,
    idempotency_key: str | None = KEY,
) -> Any:
    user = _user(request)
    incident = reads.incident_for(user, incident_id)
    household = (
        Household.objects.visible_to(user)
        .select_related("grid", "building")
        .filter(pk=payload.household_id)
        .first()
    )
    if household is None:
        raise ValidationFailed(_("No such household."), field="household_id")
    if not can_assess(user, household.grid):
        raise PermissionDeniedError(_("You may not assess households in this grid."))

    def run() -> tuple[int, Any]:
        assessment = services.record_assessment(
            actor=user,
            incident=incident,
            household=household,
            needs=[NeedInput(n.kind, n.severity, n.description) for n in payload.needs],
            notes=payload.notes,
        )
        return 201, {
            "id": assessment.pk,
            "incident_id": incident.pk,
            "household_id": household.pk,
            "assessed_at": assessment.assessed_at,
        }

    try:
        status, body = idempotency.once(
            key=idempotency_key,
            user=user,
            request_fingerprint=idempotency.fingerprint(
                request.method or "", request.path, payload.dict()
            ),
            run=run,
        )
    except idempotency.IdempotencyKeyError as exc:
        return Status(422, {"detail": exc.detail()})
    needs = HouseholdNeed.objects.filter(assessment_id=body["id"]).select_related(
        "assessment__household__building"
    )
    shown = list(reads.listable(user, needs.order_by("pk")))
    reads.log_health_read(user, shown, request, household.grid.code)
    return Status(status, {**body, "needs": [_need_out(n) for n in shown]})


@router.get("needs/{need_id}", response={200: NeedOut, **_ERRORS})
def need_detail(request: HttpRequest, need_id: int) -> Any:
    need = _need(request, need_id)
    reads.log_health_read(_user(request), [need], request, need.grid.code)
    return _need_out(need)


@router.get("needs/{need_id}/suggestions", response={200: list[SuggestionOut], **_ERRORS})
def need_suggestions(request: HttpRequest, need_id: int) -> Any:
    need = _need(request, need_id)
    return [
        {
            "commitment_id": s.commitment.pk,
            "unit_id": s.commitment.unit_id,
            "unit": s.commitment.unit.name,
            "kind": s.commitment.kind,
            "description": s.commitment.description,
            "quantity": float(s.commitment.quantity),
            "uom": s.commitment.uom,
            "specialty_fit": s.specialty_fit,
            "already_matched": s.already_matched,
        }
        for s in matching.suggestions(need)
    ]


@router.post("needs/{need_id}/match", response={200: NeedOut, **MOVE_ERRORS})
def match(request: HttpRequest, need_id: int, payload: MatchIn) -> Any:
    need = _need(request, need_id)
    incident = need.incident
    need = services.match_need(
        actor=_user(request),
        need=need,
        commitment=_pick(
            Commitment.objects.select_related("unit"),
            payload.commitment_id,
            "commitment_id",
            _("No such commitment."),
        ),
        unit=_pick(Unit.objects.all(), payload.unit_id, "unit_id", _("No such unit.")),
        service=payload.service,
        owner=_pick(reads.people_of(incident), payload.owner_id, "owner_id", _("No such account.")),
        due_date=payload.due_date,
        with_task=payload.with_task,
    )
    return _need_out(need)


@router.post("needs/{need_id}/start", response={200: NeedOut, **MOVE_ERRORS})
def start(request: HttpRequest, need_id: int) -> Any:
    return _need_out(services.start_need(actor=_user(request), need=_need(request, need_id)))


@router.post("needs/{need_id}/close", response={200: NeedOut, **MOVE_ERRORS})
def close(request: HttpRequest, need_id: int, payload: CloseIn) -> Any:
    need = services.close_need(
        actor=_user(request),
        need=_need(request, need_id),
        outcome=payload.outcome,
        note=payload.note,
    )
    return _need_out(need)


@router.post(
    "incidents/{incident_id}/reviews",
    response={201: ReviewOut, **MOVE_ERRORS},
    summary="Record an after-action review and its improvement items",
)
def create_review(request: HttpRequest, incident_id: int, payload: ReviewIn) -> Any:
    user = _user(request)
    incident = reads.incident_for(user, incident_id)
    people = reads.people_of(incident)
    accounts = list(people.filter(pk__in=payload.participant_ids))
    if len(accounts) != len(set(payload.participant_ids)):
        raise ValidationFailed(_("No such account."), field="participant_ids")
    review = reviews.create_review(
        actor=user,
        incident=incident,
        held_at=payload.held_at,
        participants=payload.participants,
        participant_accounts=accounts,
        went_well=payload.went_well,
        went_wrong=payload.went_wrong,
        findings_text=payload.findings_text,
        findings=[
            _finding(request, incident, f, f"findings.{i}.") for i, f in enumerate(payload.findings)
        ],
        follow_up_of=_pick(
            AfterActionReview.objects.filter(incident=incident),
            payload.follow_up_of_id,
            "follow_up_of_id",
            _("No such review."),
        ),
    )
    return Status(201, _review_out(review))


@router.get("reviews/{review_id}", response={200: ReviewOut, **_ERRORS})
def review_detail(request: HttpRequest, review_id: int) -> Any:
    return _review_out(_review(request, review_id))


@router.post("reviews/{review_id}/items", response={201: ItemOut, **MOVE_ERRORS})
def add_item(request: HttpRequest, review_id: int, payload: FindingIn) -> Any:
    review = _review(request, review_id)
    item = reviews.add_item(
        actor=_user(request),
        review=review,
        finding=_finding(request, review.incident, payload, ""),
    )
    return Status(201, _item_out(item))


@router.post("reviews/{review_id}/items/{item_id}/close", response={200: ItemOut, **MOVE_ERRORS})
def close_item(request: HttpRequest, review_id: int, item_id: int, payload: CloseItemIn) -> Any:
    review = _review(request, review_id)
    item = ImprovementItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("No such improvement item in this review."))
    return _item_out(
        reviews.close_item(actor=_user(request), review=review, item=item, done=payload.done)
    )
