"""Reads shared by the allocations API and pages: scoped lookups and row dictionaries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import code_scope_q, scope_prefixes
from resigrid.core.errors import NotFoundError
from resigrid.response.allocations.models import (
    AllocationLine,
    AllocationLineQuerySet,
    AllocationPlan,
    LineState,
    NeedLine,
)


def plan_or_404(user: Any, pk: int) -> AllocationPlan:
    plan = (
        AllocationPlan.objects.visible_to(user)
        .select_related("area", "incident")
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise NotFoundError(_("No such allocation plan."))
    return plan


def deliveries_for(user: Any) -> AllocationLineQuerySet:
    """Issued lines waiting for confirmation at grids where the user may confirm them."""
    qs = AllocationLine.objects.filter(state=LineState.ISSUED)
    allowed: list[str] = []
    for perm in (Perm.ALLOCATE_SUPPLIES, Perm.SWEEP_VULNERABLE):
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return qs.select_related("depot", "grid", "item", "batch", "plan")
        allowed += prefixes
    return qs.filter(code_scope_q(sorted(set(allowed)), "grid__code")).select_related(
        "depot", "grid", "item", "batch", "plan"
    )


def line_or_404(user: Any, pk: int) -> AllocationLine:
    line = (
        AllocationLine.objects.visible_to(user)
        .select_related("plan", "grid", "depot", "item", "batch")
        .filter(pk=pk)
        .first()
    )
    if line is None:
        raise NotFoundError(_("No such delivery."))
    return line


def plan_row(plan: AllocationPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "state": plan.state,
        "area_id": plan.area_id,
        "area_name": plan.area.name,
        "incident_id": plan.incident_id,
        "needed_by": plan.needed_by,
        "total_distance_m": plan.total_distance_m,
        "total_shortage": plan.total_shortage,
        "computed_at": plan.computed_at,
        "figures": plan.figures,
    }


def need_rows(plan: AllocationPlan) -> list[dict[str, Any]]:
    qs = NeedLine.objects.filter(plan=plan).select_related("grid", "item")
    return [
        {
            "id": n.pk,
            "grid_id": n.grid_id,
            "grid_name": n.grid.name,
            "item_id": n.item_id,
            "item_name": n.item.name,
            "uom": n.item.uom,
            "quantity": n.quantity,
            "source": n.source,
            "per_thousand": None if n.per_thousand is None else f"{n.per_thousand:f}",
            "population": n.population,
            "shortage": n.shortage,
        }
        for n in qs
    ]


def line_row(x: AllocationLine) -> dict[str, Any]:
    return {
        "id": x.pk,
        "plan_id": x.plan_id,
        "depot_id": x.depot_id,
        "depot_name": x.depot.name,
        "depot_lon": x.depot.lon,
        "depot_lat": x.depot.lat,
        "batch_number": x.batch.number if x.batch else "",
        "expiry": x.batch.expiry if x.batch else None,
        "grid_id": x.grid_id,
        "grid_name": x.grid.name,
        "item_id": x.item_id,
        "item_name": x.item.name,
        "uom": x.item.uom,
        "quantity": x.quantity,
        "distance_m": x.distance_m,
        "state": x.state,
        "received_quantity": x.received_quantity,
        "received_note": x.received_note,
    }


def line_rows(plan: AllocationPlan) -> list[dict[str, Any]]:
    qs = AllocationLine.objects.filter(plan=plan).select_related("depot", "grid", "item", "batch")
    return [line_row(x) for x in qs]


def plan_detail(plan: AllocationPlan) -> dict[str, Any]:
    return {**plan_row(plan), "needs": need_rows(plan), "lines": line_rows(plan)}
