"""Reads of alerts: the coverage board (per grid under an area, one aggregated query) and the
delay of each level (received → acknowledged → forwarded, medians per level)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from resigrid.alerts.models import Alert, Recipient, Relay, Visit
from resigrid.areas.codes import Level
from resigrid.areas.models import Area


@dataclass(frozen=True)
class BoardRow:
    area_id: int
    code: str
    name: str
    recipients: int
    delivered: int
    read: int
    acknowledged: int
    overdue: int
    visits_open: int
    visits_done: int

    @staticmethod
    def pct(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 0.0

    @property
    def delivered_pct(self) -> float:
        return self.pct(self.delivered, self.recipients)

    @property
    def read_pct(self) -> float:
        return self.pct(self.read, self.recipients)

    @property
    def acknowledged_pct(self) -> float:
        return self.pct(self.acknowledged, self.recipients)


@dataclass(frozen=True)
class Board:
    """`grids` and their `total` count the people of each grid only; `levels` are the areas
    above the grids (community, street…) that received the alert, each counting its own staff
    (recipients reached through that level with no grid), so they never inflate a grid."""

    area_id: int
    total: BoardRow
    grids: list[BoardRow]
    levels: list[BoardRow] = field(default_factory=list)

    @property
    def everyone(self) -> BoardRow:
        """Grids and the levels above them together."""
        return _sum(
            self.total.area_id, self.total.code, self.total.name, [self.total, *self.levels]
        )


_FIGURES = (
    "recipients",
    "delivered",
    "read",
    "acknowledged",
    "overdue",
    "visits_open",
    "visits_done",
)


def _sum(area_id: int, code: str, name: str, rows: list[BoardRow]) -> BoardRow:
    return BoardRow(area_id, code, name, *(sum(getattr(r, f) for r in rows) for f in _FIGURES))


def _count(qs: QuerySet[Any], **filters: object) -> Coalesce:
    group = "grid_id" if qs.model is Recipient else "person__grid_id"
    inner = qs.filter(**filters).order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))


def board(*, alert: Alert, area: Area, now: dt.datetime | None = None) -> Board:
    """Per grid under `area` (or the grid itself): recipients, delivered, read, acknowledged,
    overdue (not acknowledged within ack_minutes of receipt), door-knocks open and done. One
    query: each figure a correlated aggregate on the (alert, grid, acknowledged_at) index."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=alert.ack_minutes)
    rec = Recipient.objects.filter(alert=alert, grid_id=OuterRef("pk"))
    vis = Visit.objects.filter(alert=alert, person__grid_id=OuterRef("pk"))
    rows = (
        Area.objects.subtree(area)
        .grids()
        .annotate(
            n_all=_count(rec),
            n_delivered=_count(rec, delivered_at__isnull=False),
            n_read=_count(rec, read_at__isnull=False),
            n_ack=_count(rec, acknowledged_at__isnull=False),
            n_overdue=_count(rec, acknowledged_at__isnull=True, created_at__lte=cutoff),
            n_open=_count(vis, done_at__isnull=True),
            n_done=_count(vis, done_at__isnull=False),
        )
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "name",
            "n_all",
            "n_delivered",
            "n_read",
            "n_ack",
            "n_overdue",
            "n_open",
            "n_done",
        )
    )
    grids = [BoardRow(*row) for row in rows]
    total = _sum(area.pk, area.code, area.name, grids)
    levels = _levels(alert=alert, area=area, cutoff=cutoff)
    return Board(area_id=area.pk, total=total, grids=grids, levels=levels)


def _levels(*, alert: Alert, area: Area, cutoff: dt.datetime) -> list[BoardRow]:
    """A row per area above the grids (within `area`) that received the alert: the recipients
    reached through that level without a grid (its staff)."""
    rec = Recipient.objects.filter(alert=alert, grid__isnull=True, relay__area_id=OuterRef("pk"))

    def count(**filters: object) -> Coalesce:
        inner = (
            rec.filter(**filters)
            .order_by()
            .values("relay__area_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))

    rows = (
        Area.objects.subtree(area)
        .exclude(level=Level.GRID)
        .filter(alert_relays__alert=alert)
        .annotate(
            n_all=count(),
            n_delivered=count(delivered_at__isnull=False),
            n_read=count(read_at__isnull=False),
            n_ack=count(acknowledged_at__isnull=False),
            n_overdue=count(acknowledged_at__isnull=True, created_at__lte=cutoff),
        )
        .order_by("code")
        .values_list("pk", "code", "name", "n_all", "n_delivered", "n_read", "n_ack", "n_overdue")
    )
    return [BoardRow(*row, 0, 0) for row in rows]


@dataclass(frozen=True)
class RelayDelay:
    relay_id: int
    area_id: int
    area_name: str
    level: str
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    to_acknowledge: float | None  # seconds
    to_forward: float | None  # seconds from acknowledgement (or receipt) to forwarding
    intact: bool


@dataclass(frozen=True)
class Delays:
    relays: list[RelayDelay]
    medians: dict[str, dict[str, float | None]]  # level → {"to_acknowledge": s, "to_forward": s}


def _secs(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return (b - a).total_seconds() if a and b else None


def delays(*, alert: Alert) -> Delays:
    out: list[RelayDelay] = []
    for r in Relay.objects.filter(alert=alert).select_related("area").order_by("area__code"):
        out.append(
            RelayDelay(
                relay_id=r.pk,
                area_id=r.area_id,
                area_name=r.area.name,
                level=r.area.level,
                received_at=r.received_at,
                acknowledged_at=r.acknowledged_at,
                forwarded_at=r.forwarded_at,
                to_acknowledge=_secs(r.received_at, r.acknowledged_at),
                to_forward=_secs(r.acknowledged_at or r.received_at, r.forwarded_at),
                intact=r.intact,
            )
        )
    medians: dict[str, dict[str, float | None]] = {}
    for level in dict.fromkeys(d.level for d in out):
        mine = [d for d in out if d.level == level]
        acks = [d.to_acknowledge for d in mine if d.to_acknowledge is not None]
        fwds = [d.to_forward for d in mine if d.to_forward is not None]
        medians[level] = {
            "to_acknowledge": statistics.median(acks) if acks else None,
            "to_forward": statistics.median(fwds) if fwds else None,
        }
    return Delays(relays=out, medians=medians)


def my_receipt(*, user: object, alert: Alert) -> Recipient | None:
    return Recipient.objects.filter(alert=alert, user_id=getattr(user, "pk", 0) or 0).first()
