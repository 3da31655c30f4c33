"""What an incident opened from an alert or a case starts with (the form's initial values and
the service's defaults): title, hazard class, level and area."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.alerts.choices import Level as AlertLevel
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.cases.models import Case
from resigrid.registers.choices import HazardClass, ResponseLevel

# 突发事件应对法: red is level I … blue level IV.
LEVEL_OF_COLOUR: dict[str, ResponseLevel] = {
    AlertLevel.RED: ResponseLevel.I,
    AlertLevel.ORANGE: ResponseLevel.II,
    AlertLevel.YELLOW: ResponseLevel.III,
    AlertLevel.BLUE: ResponseLevel.IV,
}

# CAP categories → the four classes of emergencies (GB/T 35561).
HAZARD_OF_CATEGORY: dict[str, HazardClass] = {
    "Geo": HazardClass.NATURAL,
    "Met": HazardClass.NATURAL,
    "Safety": HazardClass.SOCIAL_SECURITY,
    "Security": HazardClass.SOCIAL_SECURITY,
    "Rescue": HazardClass.ACCIDENT,
    "Fire": HazardClass.ACCIDENT,
    "Health": HazardClass.PUBLIC_HEALTH,
    "Env": HazardClass.ACCIDENT,
    "Transport": HazardClass.ACCIDENT,
    "Infra": HazardClass.ACCIDENT,
    "CBRNE": HazardClass.ACCIDENT,
}


@dataclass(frozen=True)
class Draft:
    title: str
    hazard_class: str
    hazard_subtype: str
    level: str
    area: Area | None
    description: str


def alert_area(alert: Alert) -> Area:
    """The area the alert covers: its one target area; for several, their common parent when
    they share one; otherwise the issuing area."""
    targets = list(alert.target_areas.select_related("parent").order_by("code"))
    if len(targets) == 1:
        return targets[0]
    parents = {t.parent_id for t in targets}
    if len(parents) == 1 and targets[0].parent is not None:
        return targets[0].parent
    return alert.issuer_area


def from_alert(alert: Alert) -> Draft:
    return Draft(
        title=alert.headline[:160],
        hazard_class=HAZARD_OF_CATEGORY.get(alert.category, HazardClass.NATURAL),
        hazard_subtype=alert.event[:60],
        level=LEVEL_OF_COLOUR.get(alert.level, ResponseLevel.IV),
        area=alert_area(alert),
        description=alert.description,
    )


def from_case(case: Case) -> Draft:
    """The area is the community of the case's grid (the grid itself when it has no parent)."""
    grid = case.grid
    return Draft(
        title=case.title[:160],
        hazard_class=HazardClass.ACCIDENT,
        hazard_subtype=case.category.name[:60],
        level=ResponseLevel.IV,
        area=grid.parent if grid.parent_id is not None else grid,
        description=case.description,
    )


def by_hand() -> Draft:
    return Draft(
        title="",
        hazard_class=HazardClass.NATURAL,
        hazard_subtype="",
        level=ResponseLevel.IV,
        area=None,
        description="",
    )
