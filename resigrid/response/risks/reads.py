"""Reads of the risk register, shared by pages, API and export: the filtered list, one risk,
the overdue list and the map layer. Always through `visible_to`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError
from resigrid.registers.choices import HazardClass
from resigrid.response.risks.models import (
    BAND_COLOURS,
    BandChoice,
    RiskPoint,
    RiskPointQuerySet,
    RiskStatus,
)
from resigrid.response.risks.permissions import views_somewhere


def today() -> dt.date:
    return timezone.localdate()


def require_view(user: Any) -> None:
    if not views_somewhere(user):
        raise PermissionDeniedError(_("You may not view the risk register."))


@dataclass(frozen=True)
class Filters:
    band: str = ""
    hazard_class: str = ""
    status: str = ""
    area_id: int | None = None
    overdue: bool = False
    q: str = ""


def risks_for(user: Any) -> RiskPointQuerySet:
    return RiskPoint.objects.visible_to(user).select_related(
        "area", "building", "responsible_unit", "escalated_case"
    )


def filtered(user: Any, f: Filters, on: dt.date | None = None) -> RiskPointQuerySet:
    """Unknown filter values filter nothing out (the page shows every choice it knows)."""
    qs = risks_for(user)
    if f.band in BandChoice.values:
        qs = qs.filter(band=f.band)
    if f.hazard_class in HazardClass.values:
        qs = qs.filter(hazard_class=f.hazard_class)
    if f.status in RiskStatus.values:
        qs = qs.filter(status=f.status)
    elif not f.status:
        qs = qs.active()
    if f.area_id is not None:
        area = Area.objects.filter(pk=f.area_id).first()
        qs = qs.filter(area__code__startswith=area.scope_prefix) if area else qs.none()
    if f.overdue:
        qs = qs.overdue(on or today())
    if f.q.strip():
        qs = qs.filter(name__icontains=f.q.strip()[:100])
    return qs.order_by("next_review_due", "pk")


def risk_for(user: Any, pk: int) -> RiskPoint:
    risk = risks_for(user).filter(pk=pk).first()
    if risk is None:
        raise NotFoundError(_("No such risk point."))
    return risk


def overdue(user: Any, on: dt.date | None = None) -> list[tuple[RiskPoint, int]]:
    """Risks past their review date, the longest overdue first, with the days overdue."""
    on = on or today()
    rows = risks_for(user).overdue(on).order_by("next_review_due", "pk")
    return [(r, (on - r.next_review_due).days) for r in rows]


def areas_for(user: Any, perm: Perm = Perm.VIEW_RESPONSE) -> list[Area]:
    """Streets, communities and grids in the user's scope (filter and form choices)."""
    return list(
        Area.objects.visible_to(user, perm)
        .filter(level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
        .order_by("code")
    )


def counts_by_band(qs: RiskPointQuerySet) -> dict[str, int]:
    found = dict.fromkeys(BandChoice.values, 0)
    for band in qs.values_list("band", flat=True):
        found[band] += 1
    return found


def position(risk: RiskPoint) -> tuple[float, float] | None:
    if risk.lon is not None and risk.lat is not None:
        return risk.lon, risk.lat
    if risk.building is not None:
        return risk.building.lon, risk.building.lat
    area = risk.area
    if area.centroid_lon is not None and area.centroid_lat is not None:
        return area.centroid_lon, area.centroid_lat
    if area.boundary:
        from shapely.geometry import shape

        p = shape(area.boundary).representative_point()
        return float(p.x), float(p.y)
    return None


def geojson(qs: RiskPointQuerySet, on: dt.date | None = None) -> dict[str, Any]:
    """The risks as GeoJSON points coloured by band (the map layer)."""
    on = on or today()
    features = []
    for risk in qs:
        where = position(risk)
        if where is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [where[0], where[1]]},
                "properties": {
                    "id": risk.pk,
                    "name": risk.name,
                    "band": risk.band,
                    "band_label": str(BandChoice(risk.band).label),
                    "colour": BAND_COLOURS[risk.band],
                    "hazard_class": risk.hazard_class,
                    "hazard_label": str(HazardClass(risk.hazard_class).label),
                    "subtype": risk.subtype,
                    "area_name": risk.area.name,
                    "status": risk.status,
                    "status_label": str(RiskStatus(risk.status).label),
                    "score": f"{risk.score.normalize():f}",
                    "next_review_due": risk.next_review_due.isoformat(),
                    "overdue": risk.is_active and risk.next_review_due < on,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
