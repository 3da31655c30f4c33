"""Pages of supply allocation: the plans of the user's scope, a plan (needs table, compute,
proposed lines on a map, reserve / issue / cancel) and a grid's phone page of deliveries to
confirm. Thin: parse → scope → service → template; a refused step comes back as a message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from resigrid.areas.maps import tile_layers
from resigrid.areas.models import Area
from resigrid.core.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.resources.models import Item
from resigrid.response.allocations import reads, services
from resigrid.response.allocations.models import AllocationPlan, LineState, PlanState
from resigrid.response.allocations.needs import grids_of
from resigrid.response.allocations.permissions import can_allocate
from resigrid.response.allocations.solve import grid_point
from resigrid.response.incidents.models import Incident


def _guard(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from None


def _say(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(str(exc.message)) from None
    if isinstance(exc, NotFoundError):
        raise Http404(str(exc.message)) from None
    detail = ""
    if isinstance(exc, ValidationFailed) and exc.errors:
        detail = " " + " ".join(
            f"{k}: {'; '.join(str(m) for m in v)}" for k, v in exc.errors.items()
        )
    messages.error(request, str(exc.message) + detail)


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    plans = AllocationPlan.objects.visible_to(user).select_related("area", "incident")[:100]
    areas = [
        a
        for a in Area.objects.visible_to(user).exclude(level="grid").order_by("code")
        if can_allocate(user, a)
    ][:200]
    incidents = [
        i
        for i in Incident.objects.visible_to(user).open().select_related("area")[:50]
        if can_allocate(user, i.area)
    ]
    chosen = request.GET.get("incident", "")
    return render(
        request,
        "allocations/list.html",
        {
            "plans": plans,
            "areas": areas,
            "incidents": incidents,
            "chosen_incident": chosen,
            # Coming from an incident with an activated plan: fill the needs from that plan.
            "from_plan": any(str(i.pk) == chosen and i.plan_id for i in incidents),
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    post = request.POST
    incident = area = None
    try:
        if post.get("incident"):
            incident = Incident.objects.visible_to(user).filter(pk=int(post["incident"])).first()
            if incident is None:
                raise Http404(_("No such incident."))
        elif post.get("area"):
            area = Area.objects.visible_to(user).filter(pk=int(post["area"])).first()
            if area is None:
                raise Http404(_("No such area."))
        needed_by = dt.date.fromisoformat(post["needed_by"]) if post.get("needed_by") else None
    except ValueError:
        messages.error(request, _("Give the delivery date as a date."))
        return redirect("allocations:list")
    try:
        plan = services.create_plan(
            actor=user,
            title=post.get("title", ""),
            area=area,
            incident=incident,
            needed_by=needed_by,
            from_plan=bool(post.get("from_plan")),
        )
    except DomainError as exc:
        _say(request, exc)
        return redirect("allocations:list")
    return redirect("allocations:detail", pk=plan.pk)


def _map_data(plan: AllocationPlan, lines: list[dict[str, Any]]) -> dict[str, Any]:
    grids = []
    for area in grids_of(plan.area):
        try:
            lon, lat = grid_point(area)
        except ValidationFailed:
            continue
        grids.append({"id": area.pk, "name": area.name, "lon": lon, "lat": lat})
    where = {g["id"]: g for g in grids}
    depots: dict[int, dict[str, Any]] = {}
    segments = []
    for x in lines:
        if x["state"] == LineState.CANCELLED or x["grid_id"] not in where:
            continue
        depots[x["depot_id"]] = {
            "name": x["depot_name"],
            "lon": x["depot_lon"],
            "lat": x["depot_lat"],
        }
        g = where[x["grid_id"]]
        segments.append(
            {
                "from": [x["depot_lat"], x["depot_lon"]],
                "to": [g["lat"], g["lon"]],
                "label": f"{x['depot_name']} → {x['grid_name']}: {x['item_name']} "
                f"{x['quantity']} {x['uom']}",
            }
        )
    short = {n["grid_id"] for n in reads.need_rows(plan) if n["shortage"]}
    for g in grids:
        g["short"] = g["id"] in short
    return {
        "tiles": tile_layers(),
        "grids": grids,
        "depots": list(depots.values()),
        "lines": segments,
    }


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan: AllocationPlan = _guard(reads.plan_or_404, request.user, pk)
    lines = reads.line_rows(plan)
    for x in lines:
        x["state_label"] = LineState(x["state"]).label
    may = can_allocate(request.user, plan.area)
    return render(
        request,
        "allocations/detail.html",
        {
            "plan": plan,
            "needs": reads.need_rows(plan),
            "lines": lines,
            "may_allocate": may,
            "editable": may and plan.state == PlanState.DRAFT,
            "grids": grids_of(plan.area) if may else [],
            "items": Item.objects.order_by("category", "code") if may else [],
            "map_data": _map_data(plan, lines),
            "events": plan.events.select_related("actor")[:50],
            "expired": plan.figures.get("expired_lots", []),
        },
    )


@login_required
@require_POST
def plan_needs(request: HttpRequest, pk: int) -> HttpResponse:
    plan: AllocationPlan = _guard(reads.plan_or_404, request.user, pk)
    rows = zip(
        request.POST.getlist("grid"),
        request.POST.getlist("item"),
        request.POST.getlist("quantity"),
        strict=False,
    )
    needs: list[services.NeedInput] = []
    for i, (grid, item, qty) in enumerate(rows):
        if not grid and not item and not qty.strip():
            continue
        if not qty.strip():
            continue  # the empty "add a need" row
        try:
            needs.append(services.NeedInput(int(grid), int(item), int(qty)))
        except ValueError:
            messages.error(
                request,
                _("Row %(n)d: give the quantity as a whole number.") % {"n": i + 1},
            )
            return redirect("allocations:detail", pk=plan.pk)
    try:
        services.set_needs(actor=request.user, plan=plan, needs=needs)
        messages.success(request, _("The needs are saved. Compute the plan again."))
    except DomainError as exc:
        _say(request, exc)
    return redirect("allocations:detail", pk=plan.pk)


MOVES: dict[str, tuple[Callable[..., Any], Promise]] = {
    "compute": (services.compute_plan, gettext_lazy("The plan is computed.")),
    "reserve": (services.reserve, gettext_lazy("The stock is reserved.")),
    "issue": (
        services.issue,
        gettext_lazy("The supplies are issued; the grids confirm their delivery."),
    ),
}


@login_required
@require_POST
def plan_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    plan: AllocationPlan = _guard(reads.plan_or_404, request.user, pk)
    try:
        if move == "cancel":
            services.cancel(actor=request.user, plan=plan, reason=request.POST.get("reason", ""))
            messages.success(request, _("The plan is cancelled; its reservations are released."))
        elif move in MOVES:
            step, done = MOVES[move]
            step(actor=request.user, plan=plan)
            messages.success(request, str(done))
        else:
            raise Http404(_("No such action."))
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
    except DomainError as exc:
        _say(request, exc)
    return redirect("allocations:detail", pk=plan.pk)


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    lines = reads.deliveries_for(request.user).order_by("grid__code", "item__code", "pk")[:200]
    return render(request, "allocations/deliveries.html", {"lines": lines})


@login_required
@require_POST
def confirm(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _guard(reads.line_or_404, request.user, line_id)
    try:
        received = int(request.POST.get("received_quantity", ""))
    except ValueError:
        messages.error(request, _("Give the quantity received as a whole number."))
        return redirect("allocations:deliveries")
    try:
        services.confirm_delivery(
            actor=request.user,
            line=line,
            received_quantity=received,
            note=request.POST.get("note", ""),
        )
        messages.success(
            request,
            _("Delivery of %(item)s to %(grid)s confirmed.")
            % {"item": line.item.name, "grid": line.grid.name},
        )
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
    except DomainError as exc:
        _say(request, exc)
    return redirect("allocations:deliveries")
