"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from resigrid.response.allocations.models import (
    AllocationLine,
    AllocationPlan,
    LineState,
    NeedLine,
    PlanState,
)
from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class SupplySummary:
    plans: int  # allocation plans
    lines_reserved: int  # lines reserved, not yet issued
    lines_issued: int  # lines issued, not yet delivered
    lines_delivered: int  # lines delivered and confirmed at the grid
    shortages: int  # need lines the stock could not cover


def for_incident(incident: Incident) -> SupplySummary:
    """Cancelled plans count nowhere; shortages count need lines of the live plans."""
    live = AllocationPlan.objects.filter(incident=incident).exclude(state=PlanState.CANCELLED)
    lines = AllocationLine.objects.filter(plan__in=live).aggregate(
        reserved=Count("pk", filter=Q(state=LineState.RESERVED)),
        issued=Count("pk", filter=Q(state=LineState.ISSUED)),
        delivered=Count("pk", filter=Q(state=LineState.DELIVERED)),
    )
    return SupplySummary(
        plans=live.count(),
        lines_reserved=lines["reserved"],
        lines_issued=lines["issued"],
        lines_delivered=lines["delivered"],
        shortages=NeedLine.objects.filter(plan__in=live, shortage__gt=0).count(),
    )
