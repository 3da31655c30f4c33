"""Cases API, part two: every workflow move, requests and whistles (mounted on api.router).

Each move takes the state the client last saw as `expected_state` (409 with the current `state`
when the case has moved on), runs in one transaction with its Idempotency-Key row, and answers
the case as the caller sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.cases import coordination, services
from resigrid.cases.api import (
    KEY,
    MOVE_ERRORS,
    OPTIONAL_AUTH,
    answer_once,
    caller,
    case_view,
    ensure_visible,
    field_error,
    load_case,
    router,
)
from resigrid.cases.models import Case, CaseRequest, Whistle
from resigrid.cases.schemas import (
    AcceptIn,
    AnswerIn,
    CaseOut,
    ChangeRequestIn,
    DecisionIn,
    DispatchIn,
    HandleIn,
    MergeIn,
    NoteIn,
    PublicCaseOut,
    RateIn,
    ReasonIn,
    RequestOut,
    ResumeIn,
    VerifyIn,
    WhistleIn,
    WhistleOut,
    public_body,
    request_body,
    whistle_body,
)
from resigrid.core.errors import NotFoundError

# Moving a case -------------------------------------------------------------------------------


def _move(
    request: HttpRequest,
    pk: int,
    payload: Any,
    key: str | None,
    do: Callable[[Any], Any],
    *,
    status: int = 200,
) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        ensure_visible(user, pk)
        do(user)
        return status, case_view(user, load_case(pk))

    return answer_once(request, key, payload.dict(), run)


def _move_route(
    path: str, summary: str, description: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/{{int:pk}}/actions/{path}",
        response={200: CaseOut, **MOVE_ERRORS},
        summary=summary,
        description=description or None,
    )


@_move_route("accept", "Accept (受理); `register: true` also registers (立案)")
def accept(
    request: HttpRequest, pk: int, payload: AcceptIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.accept(
            actor=u,
            case_id=pk,
            note=payload.note,
            register=payload.also_register,
            expected=payload.expected_state,
        ),
    )


@_move_route("reject", "Reject (不予受理) with a reason the reporter sees")
def reject(
    request: HttpRequest, pk: int, payload: ReasonIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.reject(
            actor=u, case_id=pk, reason=payload.reason, expected=payload.expected_state
        ),
    )


@_move_route("register", "Register an accepted case (立案)")
def register(
    request: HttpRequest, pk: int, payload: NoteIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.register(
            actor=u, case_id=pk, note=payload.note, expected=payload.expected_state
        ),
    )


@_move_route(
    "dispatch",
    "Dispatch (派遣) to the lead unit with support units",
    "Without `lead_unit` the responsibility list decides; another lead unit than the list's "
    "is an override and needs a `note` saying why.",
)
def dispatch(
    request: HttpRequest, pk: int, payload: DispatchIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.dispatch(
            actor=u,
            case_id=pk,
            lead_unit_id=payload.lead_unit,
            support_unit_ids=payload.support_units,
            note=payload.note,
            expected=payload.expected_state,
        ),
    )


@_move_route("start", "Start handling (the lead unit)")
def start(request: HttpRequest, pk: int, payload: NoteIn, idempotency_key: str | None = KEY) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.start(
            actor=u, case_id=pk, note=payload.note, expected=payload.expected_state
        ),
    )


@_move_route(
    "handle",
    "Report the result (处理反馈)",
    "Upload result photos first with `POST /api/cases/{id}/photos` (`stage=result`).",
)
def handle(
    request: HttpRequest, pk: int, payload: HandleIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.handle(
            actor=u, case_id=pk, result=payload.result, expected=payload.expected_state
        ),
    )


@_move_route("return", "Return a wrongly dispatched case (回退) with a reason")
def return_case(
    request: HttpRequest, pk: int, payload: ReasonIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.return_case(
            actor=u, case_id=pk, reason=payload.reason, expected=payload.expected_state
        ),
    )


@_move_route(
    "verify",
    "Verify on site (核查) — someone other than the handler",
    "`passed: false` sends the case back as rework (返工); the note is then required.",
)
def verify(
    request: HttpRequest, pk: int, payload: VerifyIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.verify(
            actor=u,
            case_id=pk,
            passed=payload.passed,
            note=payload.note,
            expected=payload.expected_state,
        ),
    )


@_move_route("close", "Close a verified case (结案)")
def close(request: HttpRequest, pk: int, payload: NoteIn, idempotency_key: str | None = KEY) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: services.close(
            actor=u, case_id=pk, note=payload.note, expected=payload.expected_state
        ),
    )


@_move_route("merge", "Merge a duplicate into another open case")
def merge(
    request: HttpRequest, pk: int, payload: MergeIn, idempotency_key: str | None = KEY
) -> Any:
    def do(user: Any) -> Any:
        if not Case.objects.visible_to(user).filter(pk=payload.into).exists():
            raise field_error("into", _("No such case."))
        return coordination.merge(
            actor=user,
            case_id=pk,
            into_id=payload.into,
            note=payload.note,
            expected=payload.expected_state,
        )

    return _move(request, pk, payload, idempotency_key, do)


@router.post(
    "/{int:pk}/actions/rate",
    auth=OPTIONAL_AUTH,
    response={200: PublicCaseOut, **MOVE_ERRORS},
    summary="Rate a closed case (回访): the reporter, or anyone holding its tracking code",
    description="`unsatisfied` needs a comment and opens a reopen request the community decides.",
)
def rate(request: HttpRequest, pk: int, payload: RateIn, idempotency_key: str | None = KEY) -> Any:
    user = caller(request)
    code = (payload.tracking_code or "").strip().upper() or None

    def run() -> tuple[int, Any]:
        by_code = code is not None and Case.objects.filter(pk=pk, tracking_code=code).exists()
        if not by_code:
            if user is None:
                raise NotFoundError(_("No such case."))
            ensure_visible(user, pk)  # 404 outside the scope; the service says 403 to non-reporters
        services.rate(
            actor=user,
            case_id=pk,
            rating=payload.rating,
            resolution=payload.resolution,
            comment=payload.comment,
            tracking_code=code if by_code else None,
            expected=payload.expected_state,
        )
        return 200, public_body(load_case(pk), tracking_code=True, can_rate=False)

    return answer_once(request, idempotency_key, payload.dict(), run)


# Requests, whistles --------------------------------------------------------------------------


@router.post(
    "/{int:pk}/requests",
    response={201: RequestOut, **MOVE_ERRORS},
    summary="Ask for a postponement (延期) or a suspension (缓办) — the handling unit",
)
def change_request(
    request: HttpRequest, pk: int, payload: ChangeRequestIn, idempotency_key: str | None = KEY
) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        ensure_visible(user, pk)
        row = coordination.request_change(
            actor=user,
            case_id=pk,
            kind=payload.kind,
            reason=payload.reason,
            extra_minutes=payload.extra_minutes,
        )
        return 201, request_body(_request_row(row.pk))

    return answer_once(request, idempotency_key, payload.dict(), run)


def _request_row(pk: int) -> CaseRequest:
    return CaseRequest.objects.select_related("requested_by", "decided_by").get(pk=pk)


@router.post(
    "/requests/{int:request_id}/decision",
    response={200: RequestOut, **MOVE_ERRORS},
    summary="Approve or refuse a postponement, suspension or reopen request — the community",
)
def decide(
    request: HttpRequest, request_id: int, payload: DecisionIn, idempotency_key: str | None = KEY
) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        row = CaseRequest.objects.filter(pk=request_id).first()
        if row is None or not Case.objects.visible_to(user).filter(pk=row.case_id).exists():
            raise NotFoundError(_("No such request."))
        coordination.decide(
            actor=user, request_id=request_id, approve=payload.approve, note=payload.note
        )
        return 200, request_body(_request_row(request_id))

    return answer_once(request, idempotency_key, payload.dict(), run)


@router.post(
    "/{int:pk}/resume",
    response={200: CaseOut, **MOVE_ERRORS},
    summary="End a suspension: the deadlines move by the time the clock stood still",
)
def resume(
    request: HttpRequest, pk: int, payload: ResumeIn, idempotency_key: str | None = KEY
) -> Any:
    return _move(
        request,
        pk,
        payload,
        idempotency_key,
        lambda u: coordination.resume(actor=u, case_id=pk, note=payload.note),
    )


@router.post(
    "/{int:pk}/whistles",
    response={201: WhistleOut, **MOVE_ERRORS},
    summary="Blow the whistle (吹哨): summon a street office or department to report (报到)",
)
def blow_whistle(
    request: HttpRequest, pk: int, payload: WhistleIn, idempotency_key: str | None = KEY
) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        ensure_visible(user, pk)
        row = coordination.whistle(
            actor=user,
            case_id=pk,
            unit_id=payload.unit,
            reason=payload.reason,
            answer_minutes=payload.answer_minutes,
        )
        return 201, whistle_body(_whistle_row(row.pk), timezone.now())

    return answer_once(request, idempotency_key, payload.dict(), run)


def _whistle_row(pk: int) -> Whistle:
    return Whistle.objects.select_related("unit", "summoned_by", "answered_by").get(pk=pk)


@router.post(
    "/whistles/{int:whistle_id}/answer",
    response={200: WhistleOut, **MOVE_ERRORS},
    summary="Answer a whistle (报到) — the summoned unit",
)
def answer_whistle(
    request: HttpRequest, whistle_id: int, payload: AnswerIn, idempotency_key: str | None = KEY
) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        row = Whistle.objects.filter(pk=whistle_id).first()
        if row is None or not Case.objects.visible_to(user).filter(pk=row.case_id).exists():
            raise NotFoundError(_("No such whistle."))
        coordination.answer(actor=user, whistle_id=whistle_id, text=payload.text)
        return 200, whistle_body(_whistle_row(whistle_id), timezone.now())

    return answer_once(request, idempotency_key, payload.dict(), run)
