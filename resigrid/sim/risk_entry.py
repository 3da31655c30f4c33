"""A simulation's risk point as an entry of the risk register (风险清单), in one action (issue 7).

The entry is filed on the point's grid (else the scenario's area), at the point's position when
it lies there, and remembers the run and the point (`sim_run_id`, `sim_point_key` = kind:id);
the same point of the same run is entered once (a second attempt is refused, nothing written).

Hazard class and pre-rating (5×5 matrix) from the run's figures:

- epidemic grid (attack rate a): public health, 传染病聚集风险; L = 5 / 4 / 3 / 2 / 1 for
  a ≥ 50 / 30 / 15 / 5 % / less; harm 4 when deaths are expected, else 3; scale = L; property 1.
- evacuation building (too far, off the road network, cut off): natural disaster, 疏散困难;
  L 3; harm 5 cut off, 4 at twice the distance limit or more, else 3; scale 2; property 1.
- evacuation shelter (inside the hazard area, full): natural disaster, 避难场所容量/安全;
  L 3, harm 3, scale 4, property 2.
- supplies item (runs out; s = share of the days uncovered): social security, 生活必需品供应短缺;
  L = 5 / 4 / 3 / 2 for s ≥ 50 / 30 / 10 % / less; harm 3, scale 3, property 1.

Supplies go to social security: GB/T 35561 files shortages of necessities (生活必需品供应短缺,
市场供应异常) under 社会安全事件 / 经济安全, whatever disaster caused the lockdown.
Staff adjust the rating on the entry's page afterwards; the first assessment note says where the
figures came from."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, ValidationFailed
from resigrid.registers.choices import HazardClass
from resigrid.response.risks import rating
from resigrid.response.risks import services as risks
from resigrid.response.risks.models import Origin, RiskPoint
from resigrid.sim.models import Kind, Run, RunState
from resigrid.sim.services import _check_area, _fail, risk_point


def _steps(value: float, cuts: tuple[float, ...], top: int) -> int:
    """`top` when value ≥ cuts[0], top - 1 when ≥ cuts[1], …; the lowest otherwise."""
    for i, cut in enumerate(cuts):
        if value >= cut:
            return top - i
    return top - len(cuts)


def classify(kind: str, point: dict[str, Any]) -> tuple[str, str, rating.Factors]:
    """Hazard class, subtype and pre-rating of one risk point (see the module's table)."""
    score = float(point.get("score") or 0.0)
    code = str(point.get("code") or "")
    if kind == "grid":
        l_ = _steps(score, (0.5, 0.3, 0.15, 0.05), 5)
        deaths = "deaths" in str(point.get("reason", "")) and score > 0
        harm = 4 if deaths else 3
        return (
            HazardClass.PUBLIC_HEALTH,
            "传染病聚集风险",
            rating.Factors(method="matrix", likelihood=l_, harm=harm, scale=l_, property_loss=1),
        )
    if kind == "building":
        harm = 5 if code == "evacuation.disconnected" else 4 if score >= 2 else 3
        return (
            HazardClass.NATURAL,
            "疏散困难",
            rating.Factors(method="matrix", likelihood=3, harm=harm, scale=2, property_loss=1),
        )
    if kind == "shelter":
        return (
            HazardClass.NATURAL,
            "避难场所容量/安全",
            rating.Factors(method="matrix", likelihood=3, harm=3, scale=4, property_loss=2),
        )
    if kind == "item":
        l_ = _steps(score, (0.5, 0.3, 0.1), 5)
        return (
            HazardClass.SOCIAL_SECURITY,
            "生活必需品供应短缺",
            rating.Factors(method="matrix", likelihood=l_, harm=3, scale=3, property_loss=1),
        )
    raise _fail("kind", _("This kind of risk point cannot be entered in the risk register."))


def _area(run: Run, point: dict[str, Any]) -> Area:
    grid_id = point.get("grid_id")
    grid = Area.objects.filter(pk=int(grid_id)).first() if grid_id else None
    return grid or run.scenario.area


def existing(run: Run) -> dict[str, int]:
    """kind:id → risk point id, for the points of this run already in the register."""
    return dict(RiskPoint.objects.filter(sim_run_id=run.pk).values_list("sim_point_key", "pk"))


def enter_risk(*, actor: Any, run: Run, kind: str, point_id: str, run_url: str = "") -> RiskPoint:
    """The risk register entry for one risk point of a finished run."""
    _check_area(actor, run.scenario.area)
    if run.state != RunState.DONE:
        raise _fail("run", _("Only a finished run has risk points."))
    point = risk_point(run, kind, point_id)
    key = f"{kind}:{point_id}"[:120]
    found = RiskPoint.objects.filter(sim_run_id=run.pk, sim_point_key=key).first()
    if found is not None:
        raise ConflictError(
            _("This risk point is already in the risk register (entry %(id)s).") % {"id": found.pk}
        )
    hazard, subtype, factors = classify(kind, point)
    area = _area(run, point)
    name = (point.get("name") or point_id)[:80]
    note = _('From the simulation "%(scenario)s" (%(kind)s, run %(run)s): %(reason)s %(url)s') % {
        "scenario": run.scenario.name,
        "kind": Kind(run.scenario.kind).label,
        "run": run.pk,
        "reason": point.get("reason", ""),
        "url": run_url,
    }
    details = risks.Details(
        name=_("%(name)s (simulation)") % {"name": name},
        hazard_class=hazard,
        subtype=subtype,
        description=str(point.get("reason", ""))[:4000],
        lon=point.get("lon"),
        lat=point.get("lat"),
    )
    common: dict[str, Any] = {
        "actor": actor,
        "area": area,
        "factors": factors,
        "note": note.strip()[:2000],
        "origin": Origin.SIMULATION,
        "sim_run_id": run.pk,
        "sim_point_key": key,
    }
    try:
        return risks.create_risk(details=details, **common)
    except ValidationFailed as exc:
        if exc.field not in ("lon", "lat"):
            raise
    # The position lies outside the area (a shelter serving several grids): file it without.
    details.lon = details.lat = None
    return risks.create_risk(details=details, **common)
