"""What the command dashboard and the situation report show about one incident: the sibling
apps' summaries, tasks, cases, depots and stock, shelters, and the map layers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from resigrid.areas.codes import ancestor_codes
from resigrid.areas.models import Area
from resigrid.cases.models import Case
from resigrid.cases.workflow import OPEN_STATES
from resigrid.resources.choices import FacilityKind
from resigrid.resources.models import Depot, DepotItem, Facility
from resigrid.response.allocations import summary as supply_summary
from resigrid.response.allocations.summary import SupplySummary
from resigrid.response.bulletins import summary as bulletin_summary
from resigrid.response.bulletins.summary import BulletinSummary
from resigrid.response.callups import summary as callup_summary
from resigrid.response.callups.models import BOOKED, CallUp, CallUpState
from resigrid.response.callups.summary import CallUpSummary
from resigrid.response.incidents.models import Incident, IncidentTask, TaskState
from resigrid.response.recovery import summary as recovery_summary
from resigrid.response.recovery.summary import RecoverySummary
from resigrid.response.sweeps import summary as sweep_summary
from resigrid.response.sweeps.summary import SweepSummary


@dataclass(frozen=True)
class Summaries:
    sweep: SweepSummary
    callups: CallUpSummary
    supplies: SupplySummary
    bulletins: BulletinSummary
    recovery: RecoverySummary


def summaries(incident: Incident) -> Summaries:
    return Summaries(
        sweep=sweep_summary.for_incident(incident),
        callups=callup_summary.for_incident(incident),
        supplies=supply_summary.for_incident(incident),
        bulletins=bulletin_summary.for_incident(incident),
        recovery=recovery_summary.for_incident(incident),
    )


@dataclass(frozen=True)
class TaskCounts:
    open: int
    done: int
    cancelled: int
    overdue: int


def task_counts(incident: Incident, now: dt.datetime | None = None) -> TaskCounts:
    now = now or timezone.now()
    row = IncidentTask.objects.filter(incident=incident).aggregate(
        open=Count("pk", filter=Q(state=TaskState.OPEN)),
        done=Count("pk", filter=Q(state=TaskState.DONE)),
        cancelled=Count("pk", filter=Q(state=TaskState.CANCELLED)),
        overdue=Count("pk", filter=Q(state=TaskState.OPEN, due_at__lt=now)),
    )
    return TaskCounts(**row)


def _in_or_above(area: Area) -> Q:
    """The area, below it, or above it (a street's depot serves its communities)."""
    return Q(area__code__startswith=area.scope_prefix) | Q(area__code__in=ancestor_codes(area.code))


def depots(incident: Incident) -> QuerySet[Depot]:
    return (
        Depot.objects.filter(_in_or_above(incident.area))
        .select_related("area")
        .order_by("area__code", "name")
    )


def shelters(incident: Incident) -> QuerySet[Facility]:
    return (
        Facility.objects.filter(_in_or_above(incident.area), kind=FacilityKind.SHELTER)
        .select_related("area")
        .order_by("area__code", "name")
    )


@dataclass(frozen=True)
class StockRow:
    depot: str
    item: str
    uom: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    min_level: Decimal

    @property
    def low(self) -> bool:
        return self.available < self.min_level


def stock(incident: Incident) -> list[StockRow]:
    rows = (
        DepotItem.objects.filter(depot__in=depots(incident))
        .with_balances()
        .select_related("depot", "item")
        .order_by("depot__area__code", "depot__name", "item__code")
    )
    return [
        StockRow(
            depot=r.depot.name,
            item=r.item.name,
            uom=r.item.uom,
            on_hand=r.on_hand,  # type: ignore[attr-defined]
            reserved=r.reserved,  # type: ignore[attr-defined]
            available=r.available,  # type: ignore[attr-defined]
            min_level=r.min_level,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CaseRow:
    category: str
    open: int
    closed: int


def cases(incident: Incident) -> list[CaseRow]:
    """Cases reported in the incident's area since it opened, by category."""
    rows = (
        Case.objects.filter(
            grid__code__startswith=incident.area.scope_prefix, reported_at__gte=incident.opened_at
        )
        .values("category__name")
        .annotate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            closed=Count("pk", filter=~Q(state__in=OPEN_STATES)),
        )
        .order_by("category__name")
    )
    return [CaseRow(category=r["category__name"], open=r["open"], closed=r["closed"]) for r in rows]


def _point(layer: str, name: str, lon: float | None, lat: float | None, **extra: Any) -> Any:
    if lon is None or lat is None:
        return None
    return {"layer": layer, "name": name, "lon": lon, "lat": lat, **extra}


def map_data(incident: Incident) -> dict[str, Any]:
    """The area polygon, tasks placed on their grid, depots, shelters, and where volunteers are
    called up (booked / asked for)."""
    points: list[dict[str, Any]] = []
    tasks = (
        IncidentTask.objects.filter(incident=incident, state=TaskState.OPEN, area__isnull=False)
        .exclude(area=incident.area)
        .select_related("area")
    )
    for t in tasks:
        grid = t.area
        p = grid and _point("task", t.title, grid.centroid_lon, grid.centroid_lat, area=grid.name)
        if p:
            points.append(p)
    for d in depots(incident):
        points.append({"layer": "depot", "name": d.name, "lon": d.lon, "lat": d.lat})
    for s in shelters(incident):
        points.append(
            {
                "layer": "shelter",
                "name": s.name,
                "lon": s.lon,
                "lat": s.lat,
                "capacity": s.capacity,
                "status": s.get_status_display(),
            }
        )
    booked = Count("assignments", filter=Q(assignments__state__in=BOOKED))
    callups = (
        CallUp.objects.filter(incident=incident, state__in=[CallUpState.OPEN, CallUpState.CLOSED])
        .annotate(booked=booked)
        .order_by("pk")
    )
    for c in callups:
        points.append(
            {
                "layer": "volunteers",
                "name": c.title,
                "lon": c.lon,
                "lat": c.lat,
                "capacity": f"{c.booked}/{c.count}",  # type: ignore[attr-defined]
            }
        )
    return {"boundary": incident.area.boundary, "points": points}
