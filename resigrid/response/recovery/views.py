"""Pages of recovery: the incidents list, an incident's recovery board, the household
assessment (phone-first), and one need (match suggestions, match, start, close).

Thin: objects come through the reads (404 outside the scope), the right is checked before
anything is parsed (403, nothing written), one service call writes, and its ValidationFailed
errors go back on the form (HTTP 422). Reviews: views_reviews.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Commitment
from resigrid.people.models import Household
from resigrid.response.recovery import matching, reads, services, summary
from resigrid.response.recovery.forms import AssessmentForm, CloseForm, MatchForm, apply_errors
from resigrid.response.recovery.models import (
    AfterActionReview,
    HouseholdNeed,
    NeedKind,
    NeedState,
)
from resigrid.response.recovery.permissions import can_assess, can_review
from resigrid.response.recovery.reads import people_of, units_of
from resigrid.response.recovery.services import NeedInput

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """NotFoundError → 404, PermissionDeniedError → 403 (nothing was written)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc

    return wrapper


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(reads.recovery_incidents(request.user).select_related("area")[:100])
    rows = [(i, summary.for_incident(i)) for i in incidents]
    return render(request, "recovery/list.html", {"rows": rows})


@login_required
@require_GET
@domain_errors
def board(request: HttpRequest, pk: int) -> HttpResponse:
    incident = reads.incident_for(request.user, pk)
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    data = reads.board(request.user, incident, kind=kind, state=state, request=request)
    reviews = list(AfterActionReview.objects.visible_to(request.user).filter(incident=incident))
    return render(
        request,
        "recovery/board.html",
        {
            "incident": incident,
            "board": data,
            "kinds": NeedKind.choices,
            "states": NeedState.choices,
            "filters": {"kind": kind, "state": state},
            "reviews": reviews,
            "can_review": can_review(request.user, incident),
            "rows": [
                (label, [data.counts[k][s] for s in NeedState.values], k)
                for k, label in NeedKind.choices
            ],
        },
    )


@login_required
@require_GET
@domain_errors
def household_search(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the households in reach matching the text (building, room, grid)."""
    incident = reads.incident_for(request.user, pk)
    found = reads.households_in_reach(request.user, incident, request.GET.get("q", ""))
    return render(request, "recovery/_households.html", {"incident": incident, "households": found})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    incident = reads.incident_for(request.user, pk)
    household: Household | None = None
    household_id = request.GET.get("household") or request.POST.get("household")
    if household_id:
        if not str(household_id).isdigit():
            raise Http404(_("No such household."))
        household = (
            Household.objects.visible_to(request.user)
            .select_related("grid", "building")
            .filter(pk=int(household_id))
            .first()
        )
        if household is None:
            raise Http404(_("No such household."))
        if not can_assess(request.user, household.grid):
            raise PermissionDenied(_("You may not assess households in this grid."))
    context: dict[str, Any] = {"incident": incident, "household": household}
    if household is None:
        context["households"] = reads.households_in_reach(request.user, incident)
        return render(request, "recovery/assess.html", context)
    form = AssessmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.record_assessment(
                    actor=request.user,  # type: ignore[arg-type]
                    incident=incident,
                    household=household,
                    needs=[NeedInput(k, s, d) for k, s, d in form.needs()],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Assessment recorded."))
                return redirect("recovery:board", pk=incident.pk)
        status = 422
    context["form"] = form
    return render(request, "recovery/assess.html", context, status=status)


def _need_context(request: HttpRequest, need: HouseholdNeed) -> dict[str, Any]:
    incident = need.incident
    may = can_assess(request.user, need.grid)
    return {
        "need": need,
        "incident": incident,
        "household": need.assessment.household,
        "can_assess": may,
        "suggestions": matching.suggestions(need) if may and need.state != NeedState.CLOSED else [],
        "match_form": MatchForm(units=units_of(incident), owners=people_of(incident)),
        "close_form": CloseForm(),
    }


def _need(request: HttpRequest, pk: int, *, write: bool = False) -> HouseholdNeed:
    need = reads.need_for(request.user, pk)
    reads.check_health(request.user, need)
    if write and not can_assess(request.user, need.grid):
        raise PermissionDenied(_("You may not change needs of households in this grid."))
    return need


@login_required
@require_GET
@domain_errors
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    reads.log_health_read(request.user, [need], request, need.grid.code)
    return render(request, "recovery/need.html", _need_context(request, need))


@login_required
@require_POST
@domain_errors
def need_match(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk, write=True)
    form = MatchForm(request.POST, units=units_of(need.incident), owners=people_of(need.incident))
    if form.is_valid():
        d = form.cleaned_data
        commitment = None
        if d["commitment"]:
            commitment = (
                Commitment.objects.select_related("unit").filter(pk=d["commitment"]).first()
            )
            if commitment is None:
                form.add_error(None, _("No such commitment."))
        if form.is_valid():
            try:
                services.match_need(
                    actor=request.user,  # type: ignore[arg-type]
                    need=need,
                    commitment=commitment,
                    unit=d["unit"],
                    service=d["service"],
                    owner=d["owner"],
                    due_date=d["due_date"],
                    with_task=d["with_task"],
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Need matched."))
                return redirect("recovery:need", pk=need.pk)
    context = _need_context(request, need)
    context["match_form"] = form
    return render(request, "recovery/need.html", context, status=422)


@login_required
@require_POST
@domain_errors
def need_start(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk, write=True)
    try:
        services.start_need(actor=request.user, need=need)  # type: ignore[arg-type]
    except ConflictError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Help has started."))
    return redirect("recovery:need", pk=need.pk)


@login_required
@require_POST
@domain_errors
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk, write=True)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_need(
                actor=request.user,  # type: ignore[arg-type]
                need=need,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Need closed."))
            return redirect("recovery:need", pk=need.pk)
    context = _need_context(request, need)
    context["close_form"] = form
    return render(request, "recovery/need.html", context, status=422)
