"""Escalation (上报): a risk the area cannot resolve locally goes upward as a case.

The case is filed as an inspection finding at the risk's position (its point, its building, or
a point inside its area), so the cases workflow routes it to the grid's community and on up; the
risk records the parent area it was escalated to and keeps the case. A risk is escalated once:
a second attempt is refused and writes nothing (the row is locked, so two clicks at the same time
open one case).

The case category: the one given, else the first active leaf of `RISK_ESCALATION_CATEGORIES`
(a setting: hazard class → category codes) for the risk's hazard class, else the first active
leaf under 突发事件 (04) or 安全隐患 (06), else the first active leaf."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.areas.codes import Level
from resigrid.areas.locator import locate_point
from resigrid.areas.models import Area
from resigrid.cases.choices import Source
from resigrid.cases.intake import Report, report_case
from resigrid.cases.models import Case
from resigrid.core.errors import ConflictError, ValidationFailed
from resigrid.registers.choices import HazardClass, Priority
from resigrid.registers.models import Category
from resigrid.response.risks.models import BandChoice, RiskPoint, RiskStatus
from resigrid.response.risks.services import _area_point, clean_text, fail, lock, log

DEFAULT_CATEGORIES: dict[str, tuple[str, ...]] = {
    HazardClass.NATURAL: ("04.01", "04.04", "04.05"),
    HazardClass.ACCIDENT: ("04.02", "04.03", "06.02", "06.04", "06.05"),
    HazardClass.PUBLIC_HEALTH: ("05.01", "01.01"),
    HazardClass.SOCIAL_SECURITY: ("05.06", "06.05"),
}
FALLBACK_ROOTS = ("04", "06")
PRIORITY = {BandChoice.MAJOR: Priority.URGENT, BandChoice.LARGE: Priority.HIGH}


def _leaves() -> list[Category]:
    return list(Category.objects.active().leaves().order_by("sort", "code"))


def pick_category(hazard_class: str, code: str = "") -> Category:
    leaves = _leaves()
    by_code = {c.code: c for c in leaves}
    if code:
        if code not in by_code:
            raise fail("category", _("Unknown case category %(code)s.") % {"code": repr(code)})
        return by_code[code]
    mapping = getattr(settings, "RISK_ESCALATION_CATEGORIES", None) or DEFAULT_CATEGORIES
    for candidate in mapping.get(hazard_class, ()):
        if candidate in by_code:
            return by_code[candidate]
    for root in FALLBACK_ROOTS:
        for leaf in leaves:
            if leaf.code.startswith(root + "."):
                return leaf
    if leaves:
        return leaves[0]
    raise fail("category", _("There is no case category to file the escalation under."))


def _position(risk: RiskPoint) -> tuple[float, float]:
    """A point inside a grid: the risk's own point or building if inside one, else a point of
    the risk's grid, else of the first grid of its area that has a shape."""
    candidates: list[tuple[float, float] | None] = []
    if risk.lon is not None and risk.lat is not None:
        candidates.append((risk.lon, risk.lat))
    if risk.building is not None:
        candidates.append((risk.building.lon, risk.building.lat))
    if risk.area.level == Level.GRID:
        candidates.append(_area_point(risk.area))
    else:
        grids = Area.objects.subtree(risk.area).grids().order_by("code")
        candidates += [_area_point(g) for g in grids]
    for point in candidates:
        if point is None:
            continue
        try:
            locate_point(lon=point[0], lat=point[1])
        except ValidationFailed:
            continue
        return point
    raise fail("area", _("This risk point has no location inside a grid."))


def escalate(
    *, actor: Any, risk_id: int, note: str, category: str = "", case_url: str = ""
) -> Case:
    """Open a case upward for the risk; the risk becomes escalated and keeps the case."""
    note = clean_text(note, field="note", limit=2000, required=True)
    with transaction.atomic():
        risk = lock(actor=actor, risk_id=risk_id)
        if risk.escalated_case_id is not None or risk.status == RiskStatus.ESCALATED:
            raise ConflictError(
                _("This risk point has already been escalated (case %(case)s).")
                % {"case": risk.escalated_case_id},
                state=risk.status,
            )
        if risk.status == RiskStatus.CLOSED:
            raise ConflictError(_("This risk point is closed."), state=risk.status)
        chosen = pick_category(risk.hazard_class, category)
        lon, lat = _position(risk)
        parent = risk.area.parent or risk.area
        description = _(
            "Risk point “%(name)s” (%(hazard)s, level %(band)s, R/D = %(score)s) in %(area)s "
            "cannot be resolved locally and is escalated to %(parent)s. %(note)s %(url)s"
        ) % {
            "name": risk.name,
            "hazard": HazardClass(risk.hazard_class).label,
            "band": BandChoice(risk.band).label,
            "score": f"{risk.score.normalize():f}",
            "area": risk.area.name,
            "parent": parent.name,
            "note": note,
            "url": case_url,
        }
        report = Report(
            category=chosen.code,
            title=(_("Escalated risk: %(name)s") % {"name": risk.name})[:120],
            description=description.strip()[:4000],
            lon=lon,
            lat=lat,
            priority=PRIORITY.get(BandChoice(risk.band), Priority.NORMAL),
            address=(risk.location or risk.area.name)[:200],
            source=Source.INSPECTION,
        )
        try:
            case = report_case(actor=actor, report=report)
        except ValidationFailed as exc:
            raise fail(exc.field or "category", str(exc.message)) from None
        before = risk.status
        risk.status = RiskStatus.ESCALATED
        risk.escalated_case = case
        risk.escalated_to = parent
        risk.escalated_at = timezone.now()
        risk.save(
            update_fields=[
                "status",
                "escalated_case",
                "escalated_to",
                "escalated_at",
                "updated_at",
            ]
        )
        log(
            risk,
            actor=actor,
            action="escalate",
            note=note,
            from_status=before,
            to_status=risk.status,
        )
    return case
