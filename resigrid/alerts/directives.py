"""Directives (指令): each receiving level reports back on what it did, the issuer sees who has
reported and who is late, and a directive may hand a receiving area a case (上级交办).

Report-back rule: a level may report more than once (a first report, then progress). The first
time is kept in `Relay.reported_at` (lateness counts from it), the text is the latest, and
every report — first or later — is a row in the alert log with its full text, so nothing said
is lost. Each report tells the issuer through the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from resigrid.accounts.roles import Perm
from resigrid.alerts.choices import Kind, State
from resigrid.alerts.distribution import notify_users
from resigrid.alerts.models import Alert, AlertLog, Relay
from resigrid.alerts.services import log
from resigrid.areas.codes import Level
from resigrid.areas.locator import locate_point
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.cases.choices import Source as CaseSource
from resigrid.cases.intake import Report, report_case
from resigrid.cases.models import Case
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.registers.choices import Priority

REPORT_MAX_CHARS = 2000
# A report to an expired directive is still a report (late, but said); not to a withdrawn one.
REPORTABLE = (State.PUBLISHED, State.EXPIRED)


def _locked_relay(relay_id: int) -> Relay:
    relay = (
        Relay.objects.select_for_update(of=("self",))
        .select_related("alert", "alert__issuer_area", "area")
        .filter(pk=relay_id)
        .first()
    )
    if relay is None:
        raise NotFoundError(_("No such relay."))
    return relay


def _directive(relay: Relay) -> Alert:
    alert: Alert = relay.alert
    if alert.kind != Kind.DIRECTIVE:
        raise ConflictError(_("Only a directive asks for a report back."), state=alert.state)
    return alert


def _issuers(alert: Alert) -> list[int]:
    """Who issued the directive: the publisher and the drafter."""
    return [u for u in (alert.published_by_id, alert.created_by_id) if u]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


@transaction.atomic
def report_back(*, actor: Any, relay_id: int, report: str) -> Relay:
    """The receiving level's report on a directive (staff of the relay's area). Reporting also
    acknowledges the relay if it was not yet. Later reports replace the text; the first time
    stays; each is logged and sent to the issuer."""
    relay = _locked_relay(relay_id)
    if not covers(actor, relay.area.code, Perm.RELAY_ALERTS):
        raise PermissionDeniedError(
            _("You may not report back for %(area)s.") % {"area": relay.area.name}
        )
    alert = _directive(relay)
    if alert.state not in REPORTABLE:
        raise ConflictError(
            _("This directive is %(state)s: no report back is taken.")
            % {"state": alert.get_state_display()},
            state=alert.state,
        )
    text = report.strip()
    if not text:
        raise _invalid("report", _("Say what this level has done."))
    if len(text) > REPORT_MAX_CHARS:
        raise _invalid("report", _("At most %(n)d characters.") % {"n": REPORT_MAX_CHARS})
    now = timezone.now()
    first = relay.reported_at is None
    relay.report = text
    if first:
        relay.reported_at = now
    if relay.acknowledged_at is None:
        relay.acknowledged_at, relay.acknowledged_by = now, actor
    relay.save(update_fields=["report", "reported_at", "acknowledged_at", "acknowledged_by"])
    log(
        alert,
        actor=actor,
        action="report" if first else "report_update",
        at=now,
        area_id=relay.area_id,
        note=text,
    )
    subject = (
        _("%(area)s reported back: %(headline)s")
        if first
        else _("%(area)s updated its report: %(headline)s")
    ) % {"area": relay.area.name, "headline": alert.headline}
    notify_users(alert=alert, user_ids=_issuers(alert), subject=subject, body=text)
    return relay


# --- the issuer's view ---


class ReportState:
    REPORTED = "reported"  # in time
    REPORTED_LATE = "reported_late"
    LATE = "late"  # not reported, past the time
    WAITING = "waiting"  # not reported, still in time


@dataclass(frozen=True)
class LevelReport:
    relay_id: int
    area_id: int
    area_name: str
    level: str
    received_at: dt.datetime
    due_at: dt.datetime
    reported_at: dt.datetime | None
    report: str
    state: str
    updates: int  # reports after the first


@dataclass(frozen=True)
class Reports:
    alert_id: int
    reported: int
    late: int  # not reported and past the time, plus those reported late
    waiting: int
    levels: list[LevelReport]


def reports(
    *, alert: Alert, now: dt.datetime | None = None, areas: QuerySet[Any] | None = None
) -> Reports:
    """Every receiving level of a directive (among `areas`, a queryset of area pks, when
    given): reported (in time or late), late, or waiting; due `ack_minutes` after the level
    received it. Ordered by area code (parents first)."""
    now = now or timezone.now()
    updates: dict[int, int] = {}
    for area_id in AlertLog.objects.filter(alert=alert, action="report_update").values_list(
        "area_id", flat=True
    ):
        if area_id is not None:
            updates[area_id] = updates.get(area_id, 0) + 1
    levels: list[LevelReport] = []
    relays = Relay.objects.filter(alert=alert)
    if areas is not None:
        relays = relays.filter(area__in=areas)
    for r in relays.select_related("area").order_by("area__code"):
        due = r.received_at + dt.timedelta(minutes=alert.ack_minutes)
        if r.reported_at is not None:
            state = ReportState.REPORTED if r.reported_at <= due else ReportState.REPORTED_LATE
        else:
            state = ReportState.LATE if now > due else ReportState.WAITING
        levels.append(
            LevelReport(
                relay_id=r.pk,
                area_id=r.area_id,
                area_name=r.area.name,
                level=r.area.level,
                received_at=r.received_at,
                due_at=due,
                reported_at=r.reported_at,
                report=r.report,
                state=state,
                updates=updates.get(r.area_id, 0),
            )
        )
    return Reports(
        alert_id=alert.pk,
        reported=sum(1 for x in levels if x.reported_at is not None),
        late=sum(1 for x in levels if x.state in (ReportState.LATE, ReportState.REPORTED_LATE)),
        waiting=sum(1 for x in levels if x.state == ReportState.WAITING),
        levels=levels,
    )


# --- a case from a directive (上级交办) ---


def case_ref(relay: Relay) -> str:
    """The case's external id: links it back to the directive and the receiving level, and
    (unique per source) makes a second case for the same level impossible."""
    return f"alert:{relay.alert_id}/relay:{relay.pk}"


def _point_in(area: Area) -> tuple[float, float] | None:
    """A point inside the area's first grid (the area itself when it is a grid)."""
    grid = (
        area
        if area.level == Level.GRID
        else Area.objects.subtree(area).grids().exclude(boundary=None).order_by("code").first()
    )
    if grid is None or not grid.boundary:
        return None
    point = shape(grid.boundary).representative_point()
    return float(point.x), float(point.y)


@transaction.atomic
def create_case(
    *,
    actor: Any,
    relay_id: int,
    category_code: str,
    title: str = "",
    description: str = "",
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    priority: str = Priority.NORMAL,
) -> Case:
    """A case of source 上级交办 for the receiving area of `relay`, filed by the issuer or by
    staff of that area: the directive's text as the description (unless given), located at
    (lon, lat) — which must lie in the area — or inside the area's first grid. One case per
    receiving level; the case's external id points back at the directive and the level."""
    relay = _locked_relay(relay_id)
    alert = relay.alert
    if not (
        covers(actor, relay.area.code, Perm.RELAY_ALERTS)
        or covers(actor, alert.issuer_area.code, Perm.ISSUE_ALERTS)
    ):
        raise PermissionDeniedError(
            _("You may not assign cases to %(area)s.") % {"area": relay.area.name}
        )
    _directive(relay)
    if alert.state != State.PUBLISHED:
        raise ConflictError(_("Only a published directive can hand out cases."), state=alert.state)
    ref = case_ref(relay)
    existing = Case.objects.filter(source=CaseSource.ASSIGNED, external_id=ref).first()
    if existing is not None:
        raise ConflictError(
            _("A case was already made for this level: %(code)s.")
            % {"code": existing.tracking_code},
            state=alert.state,
        )
    if (lon is None) != (lat is None):
        raise _invalid("lon" if lon is None else "lat", _("Give both longitude and latitude."))
    if lon is None or lat is None:
        point = _point_in(relay.area)
        if point is None:
            raise _invalid("lon", _("This area has no grid to place the case in; give a point."))
        lon, lat = point
    else:
        grid = locate_point(lon=lon, lat=lat)
        if not grid.is_within(relay.area):
            raise _invalid("lon", _("The point is outside %(area)s.") % {"area": relay.area.name})
    text = description.strip() or "\n\n".join(
        part for part in (alert.description, alert.instruction) if part
    )
    case = report_case(
        actor=actor,
        report=Report(
            category=category_code,
            title=(title.strip() or alert.headline)[:120],
            description=text[:4000],
            lon=lon,
            lat=lat,
            priority=priority,
            address=address,
            source=CaseSource.ASSIGNED,
            external_id=ref,
        ),
    )
    log(
        alert,
        actor=actor,
        action="case",
        at=case.reported_at,
        area_id=relay.area_id,
        note=f"{case.pk} {case.tracking_code}",
    )
    return case
