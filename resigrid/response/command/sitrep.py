"""The situation report (态势报告) of an incident, generated on demand: one structure that the
PDF, the Excel workbook and the API all render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.response.command import reads
from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Sitrep:
    incident_id: int
    title: str
    generated_at: dt.datetime
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident_id,
            "title": self.title,
            "generated_at": self.generated_at.isoformat(),
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "columns": list(s.columns),
                    "rows": [[_plain(v) for v in row] for row in s.rows],
                    "note": s.note,
                }
                for s in self.sections
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def build(incident: Incident, now: dt.datetime | None = None) -> Sitrep:
    now = now or timezone.now()
    s = reads.summaries(incident)
    tasks = reads.task_counts(incident, now)
    yes, no = _("yes"), _("no")
    overview = Section(
        "overview",
        _("Incident"),
        (_("Field"), _("Value")),
        (
            (_("Title"), incident.title),
            (_("Area"), incident.area.name),
            (_("Hazard class"), incident.get_hazard_class_display()),
            (_("Level"), incident.get_level_display()),
            (_("State"), incident.get_state_display()),
            (_("Opened at"), _when(incident.opened_at)),
            (_("Plan"), incident.plan.title if incident.plan else ""),
            (_("Plan activated at"), _when(incident.activated_at)),
            (_("Report generated at"), _when(now)),
        ),
    )
    case_rows = tuple((r.category, r.open, r.closed) for r in reads.cases(incident))
    cases = Section(
        "cases",
        _("Cases since the incident opened"),
        (_("Category"), _("Open"), _("Closed")),
        case_rows,
    )
    task_section = Section(
        "tasks",
        _("Tasks"),
        (_("Open"), _("Done"), _("Cancelled"), _("Overdue")),
        ((tasks.open, tasks.done, tasks.cancelled, tasks.overdue),),
    )
    sw = s.sweep
    grids = sw.by_grid
    sweep = Section(
        "sweep",
        _("Vulnerable-person sweep"),
        (_("Grid"), _("Persons"), _("Contacted"), _("Needs help"), _("Unreachable")),
        (
            *((g.grid_name, g.persons, g.contacted, g.needs_help, g.unreachable) for g in grids),
            (_("Total"), sw.persons, sw.contacted, sw.needs_help, sw.unreachable),
        ),
        note=_("Overdue: %(v)s; safe: %(safe)d")
        % {"v": yes if s.sweep.overdue else no, "safe": s.sweep.safe},
    )
    stock_rows = reads.stock(incident)
    stock = Section(
        "stock",
        _("Stock"),
        (
            _("Depot"),
            _("Item"),
            _("Unit"),
            _("On hand"),
            _("Reserved"),
            _("Available"),
            _("Minimum"),
            _("Below minimum"),
        ),
        tuple(
            (
                r.depot,
                r.item,
                r.uom,
                r.on_hand,
                r.reserved,
                r.available,
                r.min_level,
                yes if r.low else no,
            )
            for r in stock_rows
        ),
        note=_("%(n)d item(s) below their minimum level.") % {"n": sum(r.low for r in stock_rows)},
    )
    c = s.callups
    volunteers = Section(
        "volunteers",
        _("Volunteers"),
        (_("Open call-ups"), _("Slots"), _("Confirmed"), _("Reported back"), _("Hours")),
        ((c.needs_open, c.slots, c.confirmed, c.reported_back, c.hours),),
    )
    shelter_rows = tuple(
        (
            f.name,
            f.area.name,
            f.occupancy if f.occupancy is not None else "",
            f.capacity if f.capacity is not None else "",
            f.get_status_display(),
        )
        for f in reads.shelters(incident)
    )
    shelters = Section(
        "shelters",
        _("Shelters"),
        (_("Shelter"), _("Area"), _("Occupancy"), _("Capacity"), _("Status")),
        shelter_rows,
        note=_("Occupancy as the shelter last recorded it (blank: not recorded)."),
    )
    sup = s.supplies
    supplies = Section(
        "supplies",
        _("Relief supplies"),
        (_("Plans"), _("Reserved"), _("Issued"), _("Delivered"), _("Shortages")),
        ((sup.plans, sup.lines_reserved, sup.lines_issued, sup.lines_delivered, sup.shortages),),
    )
    b, r = s.bulletins, s.recovery
    info = Section(
        "information",
        _("Bulletins and recovery"),
        (_("Measure"), _("Value")),
        (
            (_("Bulletins published"), b.published),
            (_("Rumour rebuttals"), b.rebuttals),
            (_("Bulletins awaiting approval"), b.awaiting_approval),
            (_("Recovery needs open"), r.needs_open),
            (_("Recovery needs closed"), r.needs_closed),
            (_("After-action reviews"), r.reviews),
            (_("Improvement items open"), r.improvements_open),
        ),
    )
    return Sitrep(
        incident_id=incident.pk,
        title=incident.title,
        generated_at=now,
        sections=(
            overview,
            cases,
            task_section,
            sweep,
            stock,
            volunteers,
            shelters,
            supplies,
            info,
        ),
    )
