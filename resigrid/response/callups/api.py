"""API of volunteer call-ups and assignments: parse → visible_to → service → schema.

Coordinators (COORDINATE_VOLUNTEERS on the area): list, create, publish, close, cancel,
propose, confirm, decline. Volunteers (an account linked to a volunteer): open needs near me,
sign up, withdraw, my tasks, report back. Call-ups outside the caller's scope answer 404; bad
input 422 naming the field (translated); a move the state does not allow 409.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError
from resigrid.people.models import Volunteer
from resigrid.response.callups import assign, reads, services
from resigrid.response.callups.models import Assignment, CallUp
from resigrid.response.callups.permissions import volunteer_of
from resigrid.response.callups.schemas import (
    AssignmentOut,
    CallUpCountsOut,
    CallUpIn,
    CallUpOut,
    ConfirmIn,
    ConflictOut,
    ErrorOut,
    LinkIn,
    LinkOut,
    OpenNeedOut,
    ProposalOut,
    ProposeIn,
    ReportIn,
    SignUpOut,
    TaskOut,
)
from resigrid.response.incidents.models import Incident

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_MOVE: dict[int, Any] = {**_ERRORS, 409: ConflictOut}

router = Router()


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _callup(request: HttpRequest, pk: int) -> CallUp:
    callup = CallUp.objects.visible_to(_user(request)).select_related("area").filter(pk=pk).first()
    if callup is None:
        raise NotFoundError(_("No such call-up."))
    return callup


def _me(request: HttpRequest) -> Volunteer:
    volunteer = volunteer_of(_user(request))
    if volunteer is None:
        raise PermissionDeniedError(_("Only registered volunteers can sign up."))
    return volunteer


@router.get("", response=list[CallUpCountsOut], summary="Call-ups in my scope (coordinators)")
def list_callups(request: HttpRequest, state: str = "", limit: int = 100) -> Any:
    return list(reads.coordinator_list(_user(request), state)[: max(1, min(limit, 500))])


@router.post("", response={201: CallUpOut, **_ERRORS}, summary="Create (and publish) a need")
def create(request: HttpRequest, payload: CallUpIn) -> Any:
    user = _user(request)
    area = Area.objects.visible_to(user).filter(pk=payload.area_id).first()
    if area is None:
        raise NotFoundError(_("No such area."))
    incident = None
    if payload.incident_id is not None:
        incident = Incident.objects.visible_to(user).filter(pk=payload.incident_id).first()
        if incident is None:
            raise NotFoundError(_("No such incident."))
    data = payload.dict(exclude={"area_id", "incident_id"})
    callup = services.create_callup(actor=user, area=area, incident=incident, **data)
    return Status(201, callup)


@router.get("/open", response={200: list[OpenNeedOut], 403: ErrorOut}, summary="Needs for me")
def open_needs(request: HttpRequest) -> Any:
    return reads.open_for(_me(request))


@router.get("/mine", response={200: list[TaskOut], 403: ErrorOut}, summary="My tasks")
def my_tasks(request: HttpRequest) -> Any:
    return reads.tasks_of(_me(request))


@router.post(
    "/accounts", response={201: LinkOut, **_ERRORS}, summary="Let an account log in as a volunteer"
)
def link_account(request: HttpRequest, payload: LinkIn) -> Any:
    user = _user(request)
    volunteer = (
        Volunteer.objects.visible_to(user)
        .select_related("person__grid")
        .filter(pk=payload.volunteer_id)
        .first()
    )
    if volunteer is None:
        raise NotFoundError(_("No such volunteer."))
    account = User.objects.filter(username=payload.username, is_active=True).first()
    if account is None:
        raise services.fail("username", _("No active account has this username."))
    link = services.link_account(actor=user, volunteer=volunteer, user=account)
    return Status(201, link)


@router.get("/{pk}", response={200: CallUpCountsOut, 404: ErrorOut}, summary="One call-up")
def detail(request: HttpRequest, pk: int) -> Any:
    return reads.with_counts(CallUp.objects.filter(pk=_callup(request, pk).pk)).get()


@router.get("/{pk}/signups", response={200: list[SignUpOut], 404: ErrorOut})
def signups(request: HttpRequest, pk: int) -> Any:
    return reads.signups_of(_callup(request, pk))


@router.get("/{pk}/assignments", response={200: list[AssignmentOut], 404: ErrorOut})
def assignments(request: HttpRequest, pk: int) -> Any:
    return reads.assignments_of(_callup(request, pk))


@router.post("/{pk}/publish", response={200: CallUpOut, **_MOVE})
def publish(request: HttpRequest, pk: int) -> Any:
    return services.publish(actor=_user(request), callup=_callup(request, pk))


@router.post("/{pk}/close", response={200: CallUpOut, **_MOVE})
def close(request: HttpRequest, pk: int) -> Any:
    return services.close(actor=_user(request), callup=_callup(request, pk))


@router.post("/{pk}/cancel", response={200: CallUpOut, **_MOVE})
def cancel(request: HttpRequest, pk: int) -> Any:
    return services.close(actor=_user(request), callup=_callup(request, pk), cancel=True)


@router.post("/{pk}/propose", response={200: ProposalOut, **_MOVE}, summary="Propose")
def propose(request: HttpRequest, pk: int, payload: ProposeIn) -> Any:
    callup = _callup(request, pk)
    result = assign.propose_assignment(
        actor=_user(request), callup=callup, include_area=payload.include_area
    )
    data = {
        k: getattr(result, k)
        for k in ("filled", "unfilled", "open_slots", "signed_up", "from_area", "without_home")
    }
    return {**data, "total_m": result.total_m, "assignments": reads.assignments_of(callup)}


@router.post("/{pk}/confirm", response={200: list[AssignmentOut], **_MOVE})
def confirm(request: HttpRequest, pk: int, payload: ConfirmIn) -> Any:
    callup = _callup(request, pk)
    assign.confirm(actor=_user(request), callup=callup, assignment_ids=payload.assignment_ids)
    return reads.assignments_of(callup)


@router.post("/assignments/{aid}/decline", response={200: AssignmentOut, **_MOVE})
def decline(request: HttpRequest, aid: int) -> Any:
    row = (
        Assignment.objects.visible_to(_user(request))
        .select_related("callup__area", "volunteer__person")
        .filter(pk=aid)
        .first()
    )
    if row is None:
        raise NotFoundError(_("No such assignment."))
    assign.decline(actor=_user(request), assignment=row)
    row.refresh_from_db()
    return row


@router.post("/{pk}/signup", response={201: SignUpOut, **_MOVE}, summary="Sign up (volunteer)")
def sign_up(request: HttpRequest, pk: int) -> Any:
    callup = CallUp.objects.select_related("area").filter(pk=pk).first()
    if callup is None:
        raise NotFoundError(_("No such call-up."))
    row = services.sign_up(actor=_user(request), callup=callup)
    return Status(201, SignUpOut.from_orm(row))


@router.post("/{pk}/withdraw", response={200: SignUpOut, **_MOVE}, summary="Withdraw")
def withdraw(request: HttpRequest, pk: int) -> Any:
    callup = CallUp.objects.filter(pk=pk).first()
    if callup is None:
        raise NotFoundError(_("No such call-up."))
    return services.withdraw(actor=_user(request), callup=callup)


@router.post("/assignments/{aid}/report", response={200: TaskOut, **_MOVE}, summary="Report")
def report(request: HttpRequest, aid: int, payload: ReportIn) -> Any:
    me = _me(request)
    row = Assignment.objects.select_related("callup").filter(pk=aid, volunteer=me).first()
    if row is None:
        raise NotFoundError(_("No such task."))
    return assign.report_back(
        actor=_user(request), assignment=row, report=payload.report, hours=payload.hours
    )
