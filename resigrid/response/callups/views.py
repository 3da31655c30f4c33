"""Call-up pages: the coordinator's list, create form and detail (sign-ups, proposals with their
explanation and a map, confirm); the volunteer's phone page (open needs near me, sign up, my
tasks, report back). Thin: parse → scope → service → redirect with a message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.areas.maps import tile_layers
from resigrid.core.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.people.choices import Skill
from resigrid.response.callups import assign, reads, services
from resigrid.response.callups.forms import CallUpForm, ReportForm
from resigrid.response.callups.models import (
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
    Source,
)
from resigrid.response.callups.permissions import can_coordinate_somewhere, volunteer_of
from resigrid.response.incidents.models import Incident


def _coordinator(request: HttpRequest) -> None:
    if not can_coordinate_somewhere(request.user):
        raise PermissionDenied(_("You may not call up volunteers."))


def _callup(request: HttpRequest, pk: int) -> CallUp:
    callup = (
        CallUp.objects.visible_to(request.user)
        .select_related("area", "incident")
        .filter(pk=pk)
        .first()
    )
    if callup is None:
        raise Http404(_("No such call-up."))
    return callup


def _attempt(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    """Run a service; its domain error becomes an error message on the next page."""
    try:
        action()
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    except (ValidationFailed, ConflictError, DomainError) as exc:
        messages.error(request, str(exc.message))
        return False
    messages.success(request, done)
    return True


def _initial_from_incident(user: Any, raw: str) -> dict[str, Any]:
    """The incident chosen and, when it is visible, its area, the area's centre as the place
    and the next four hours as the time (the coordinator adjusts what differs)."""
    if not raw.isdigit():
        return {}
    initial: dict[str, Any] = {"incident": raw}
    incident = (
        Incident.objects.visible_to(user).open().select_related("area").filter(pk=int(raw)).first()
    )
    if incident is None:
        return initial
    area = incident.area
    initial["area"] = area.pk
    if area.centroid_lon is not None and area.centroid_lat is not None:
        initial["lon"], initial["lat"] = area.centroid_lon, area.centroid_lat
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    initial["starts_at"], initial["ends_at"] = start, start + dt.timedelta(hours=4)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def callup_list(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    user = request.user
    # From an incident's dashboard: the form starts with that incident chosen.
    initial = _initial_from_incident(user, request.GET.get("incident", ""))
    form = CallUpForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            callup = services.create_callup(
                actor=user,  # type: ignore[arg-type]
                area=data["area"],
                incident=data["incident"],
                title=data["title"],
                count=data["count"],
                lon=data["lon"],
                lat=data["lat"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                skills=data["skills"],
                description=data["description"],
                address=data["address"],
                publish=data["publish"],
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            for name, msgs in (exc.errors or {exc.field or "": [str(exc.message)]}).items():
                key = name.split(".")[0]
                for msg in msgs:
                    form.add_error(key if key in form.fields else None, str(msg))
        else:
            messages.success(request, _("The call-up was saved."))
            return redirect("callups:detail", callup.pk)
    state = request.GET.get("state", "")
    rows = reads.coordinator_list(user, state if state in CallUpState.values else "")[:200]
    return render(
        request,
        "callups/list.html",
        {"form": form, "rows": rows, "state": state, "states": CallUpState.choices},
    )


@login_required
@require_GET
def callup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    callup = _callup(request, pk)
    rows = reads.assignments_of(callup)
    signups = reads.signups_of(callup)
    held = sum(1 for a in rows if a.state != AssignmentState.PROPOSED)
    labels = dict(Skill.choices)
    for a in rows:
        a.skill_labels = [labels.get(c, c) for c in a.explanation.get("skills", [])]  # type: ignore[attr-defined]
    map_data = {
        "tiles": tile_layers(),
        "place": {"lon": callup.lon, "lat": callup.lat, "title": callup.title},
        "volunteers": [
            {
                "lon": a.volunteer.home_lon,
                "lat": a.volunteer.home_lat,
                "name": a.volunteer.person.name,
                "state": a.state,
                "distance_m": a.distance_m,
            }
            for a in rows
            if a.volunteer.home_lon is not None
        ],
    }
    return render(
        request,
        "callups/detail.html",
        {
            "callup": callup,
            "skill_labels": [labels.get(c, c) for c in callup.skills],
            "rows": rows,
            "signups": signups,
            "proposed": [a for a in rows if a.state == AssignmentState.PROPOSED],
            "open_slots": callup.count - held,
            "map_data": map_data,
            "from_area": callup.proposed_from == Source.AREA,
        },
    )


@login_required
@require_POST
def callup_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    _coordinator(request)
    callup = _callup(request, pk)
    user: Any = request.user
    if move == "propose":
        include = request.POST.get("include_area") == "1"

        def run() -> None:
            result = assign.propose_assignment(actor=user, callup=callup, include_area=include)
            if result.without_home:
                messages.warning(
                    request,
                    _("%(n)d volunteer(s) without a home location were left out.")
                    % {"n": result.without_home},
                )
            if result.unfilled:
                messages.warning(
                    request,
                    _("%(n)d slot(s) could not be filled: nobody eligible is left.")
                    % {"n": result.unfilled},
                )

        _attempt(request, run, _("Assignment proposed."))
    elif move == "confirm":
        ids = [int(x) for x in request.POST.getlist("assignment") if x.isdigit()]
        _attempt(
            request,
            lambda: assign.confirm(actor=user, callup=callup, assignment_ids=ids or None),
            _("Confirmed; the volunteers have been notified."),
        )
    elif move == "publish":
        _attempt(request, lambda: services.publish(actor=user, callup=callup), _("Published."))
    elif move in ("close", "cancel"):
        _attempt(
            request,
            lambda: services.close(actor=user, callup=callup, cancel=move == "cancel"),
            _("The call-up was cancelled.") if move == "cancel" else _("The call-up was closed."),
        )
    else:
        raise Http404
    return redirect("callups:detail", callup.pk)


@login_required
@require_POST
def assignment_decline(request: HttpRequest, aid: int) -> HttpResponse:
    _coordinator(request)
    row = (
        Assignment.objects.visible_to(request.user)
        .select_related("callup__area")
        .filter(pk=aid)
        .first()
    )
    if row is None:
        raise Http404(_("No such assignment."))
    user: Any = request.user
    _attempt(request, lambda: assign.decline(actor=user, assignment=row), _("Declined."))
    return redirect("callups:detail", row.callup_id)


# --- The volunteer's phone page ---------------------------------------------------------------


@login_required
@require_GET
def open_page(request: HttpRequest) -> HttpResponse:
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        raise PermissionDenied(_("Only registered volunteers can sign up."))
    return render(
        request,
        "callups/open.html",
        {
            "volunteer": volunteer,
            "needs": reads.open_for(volunteer),
            "tasks": reads.tasks_of(volunteer),
            "report_form": ReportForm(),
        },
    )


@login_required
@require_POST
def volunteer_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    callup = CallUp.objects.select_related("area").filter(pk=pk).first()
    if callup is None:
        raise Http404(_("No such call-up."))
    user: Any = request.user
    if move == "signup":
        _attempt(request, lambda: services.sign_up(actor=user, callup=callup), _("Signed up."))
    elif move == "withdraw":
        _attempt(request, lambda: services.withdraw(actor=user, callup=callup), _("Withdrawn."))
    else:
        raise Http404
    return redirect(reverse("callups:open"))


@login_required
@require_POST
def report(request: HttpRequest, aid: int) -> HttpResponse:
    volunteer = volunteer_of(request.user)
    row = (
        Assignment.objects.select_related("callup").filter(pk=aid, volunteer=volunteer).first()
        if volunteer
        else None
    )
    if row is None:
        raise Http404(_("No such task."))
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done and for how many hours."))
    else:
        user: Any = request.user
        _attempt(
            request,
            lambda: assign.report_back(
                actor=user,
                assignment=row,
                report=form.cleaned_data["report"],
                hours=form.cleaned_data["hours"],
            ),
            _("Thank you! Your service hours were recorded."),
        )
    return redirect(reverse("callups:open"))
