"""Resources pages: depots with stock and warnings, the movement form, facilities, the map."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from resigrid.accounts.roles import Perm
from resigrid.areas.maps import tile_layers
from resigrid.areas.models import scope_prefixes
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs.views import ledger_area
from resigrid.resources import reads, stock
from resigrid.resources.choices import Amenity, FacilityStatus, MovementKind
from resigrid.resources.forms import FacilityFilterForm, MovementForm
from resigrid.resources.models import Depot
from resigrid.resources.permissions import can_move_stock


def _require_view(request: HttpRequest) -> None:
    if scope_prefixes(request.user, Perm.VIEW_RESOURCES) == []:
        raise PermissionDenied(_("You may not see depots and facilities."))


def _depot_or_404(request: HttpRequest, pk: int) -> Depot:
    depot = Depot.objects.visible_to(request.user).select_related("area", "manager")
    found = depot.filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such depot."))
    return found


@login_required
@require_GET
def depot_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = request.user
    day = reads.today()
    low, near = reads.warning_counts(user, day)
    return render(
        request,
        "resources/depot_list.html",
        {
            "depots": [reads.depot_out(user, d, low, near) for d in reads.depots_for(user)],
            "low_stock": reads.low_stock(user),
            "near_expiry": reads.near_expiry(user, day),
            "days": reads.NEAR_EXPIRY_DAYS,
            "ledger_area": ledger_area(user, Perm.VIEW_RESOURCES),
            "ledger_kinds": [("stock", _("Stock ledger"), False)],
        },
    )


def _apply_errors(form: MovementForm, exc: ValidationFailed) -> None:
    fields = {"increase": "decrease", "item_id": "item"}
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, msgs in errors.items():
        name = fields.get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


@login_required
@require_http_methods(["GET", "POST"])
def depot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    depot = _depot_or_404(request, pk)
    user = request.user
    may_move = can_move_stock(user, depot.area)
    form = MovementForm(request.POST or None)
    if request.method == "POST":
        if not may_move:
            raise PermissionDenied(_("You may not record stock movements in this depot."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = stock.record_movement(
                    actor=user,
                    depot=depot,
                    item=data["item"],
                    kind=data["kind"],
                    quantity=data["quantity"],
                    increase=not data["decrease"],
                    reason=data["reason"],
                    reference=data["reference"],
                    batch_number=data["batch_number"] or None,
                    expiry=data["expiry"],
                )
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
            else:
                messages.success(
                    request,
                    _("%(kind)s of %(qty)s %(uom)s %(item)s recorded.")
                    % {
                        "kind": MovementKind(data["kind"]).label,
                        "qty": sum(r.quantity for r in rows),
                        "uom": data["item"].uom,
                        "item": data["item"].name,
                    },
                )
                return redirect(reverse("resources:depot", args=[depot.pk]))
    day = reads.today()
    low, near = reads.warning_counts(user, day)
    context: dict[str, Any] = {
        "depot": reads.depot_out(user, depot, low, near),
        "balances": reads.balances(depot, day),
        "movements": [reads.movement_out(m) for m in reads.movements(depot)[:20]],
        "form": form,
        "may_move": may_move,
        "days": reads.NEAR_EXPIRY_DAYS,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "resources/depot_detail.html", context, status=status)


@login_required
@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = FacilityFilterForm(request.GET or None)
    rows: list[dict[str, Any]] = []
    if not request.GET or form.is_valid():
        data: dict[str, Any] = form.cleaned_data if request.GET else {}
        qs = reads.facilities_for(
            request.user, kind=data.get("kind") or None, status=data.get("status") or None
        )
        rows = [reads.facility_out(request.user, f) for f in qs[:500]]
    amenity_labels = dict(Amenity.choices)
    status_labels = dict(FacilityStatus.choices)
    for row in rows:
        row["amenity_labels"] = [amenity_labels.get(a, a) for a in row["amenities"]]
        row["status_label"] = status_labels.get(row["status"], row["status"])
    context = {
        "form": form,
        "rows": rows,
        "ledger_area": ledger_area(request.user, Perm.VIEW_RESOURCES),
        "ledger_kinds": [("facilities", _("Facilities ledger"), True)],
    }
    return render(request, "resources/facility_list.html", context)


@login_required
@require_GET
def resource_map(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    api = reverse("api:api-root")
    config = {
        "gridsUrl": api + "areas/grids/geojson",
        "pointsUrl": api + "resources/map/geojson",
        "depotUrl": reverse("resources:depot", args=[0]).replace("/0/", "/{id}/"),
        "tiles": tile_layers(),
        "labels": {
            "depot": _("Depot"),
            "lowItems": _("Items below minimum"),
            "nearExpiry": _("Batches near expiry"),
            "capacity": _("Capacity (persons)"),
            "status": _("Status"),
            "open": _("Open depot"),
            "legend": _("Depots and facilities"),
            "empty": _("There are no depots or facilities in your scope."),
            "error": _("The map layers could not be loaded."),
            # %(count)s is replaced in the script with the number of points drawn.
            "count": _("Points shown: %(count)s"),
            "statuses": dict(FacilityStatus.choices),
        },
    }
    return render(request, "resources/map.html", {"map_config": config})
