"""Reads: scenarios and runs the user may see, with 404 outside the scope and 403 without the
right (a user who sees the area but may not simulate there)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.areas.permissions import can_view_area
from resigrid.core.errors import NotFoundError, PermissionDeniedError
from resigrid.sim.models import Run, Scenario
from resigrid.sim.permissions import can_run_simulations, may_simulate_somewhere


def require_somewhere(user: Any) -> None:
    if not may_simulate_somewhere(user):
        raise PermissionDeniedError(_("You may not run simulations."))


def _gate(user: Any, area: Area, missing: str) -> None:
    if not can_view_area(user, area):
        raise NotFoundError(missing)
    if not can_run_simulations(user, area):
        raise PermissionDeniedError(_("You may not run simulations for this area."))


def scenario_for(user: Any, pk: int) -> Scenario:
    scenario = Scenario.objects.select_related("area").filter(pk=pk).first()
    if scenario is None:
        raise NotFoundError(_("No such scenario."))
    _gate(user, scenario.area, _("No such scenario."))
    return scenario


def run_for(user: Any, pk: int, scenario: Scenario | None = None) -> Run:
    qs = Run.objects.select_related("scenario__area").filter(pk=pk)
    if scenario is not None:
        qs = qs.filter(scenario=scenario)
    run = qs.first()
    if run is None:
        raise NotFoundError(_("No such run."))
    _gate(user, run.scenario.area, _("No such run."))
    return run


def area_for(user: Any, code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFoundError(_("No such area."))
    _gate(user, area, _("No such area."))
    return area


def scenarios_for(user: Any) -> Any:
    return Scenario.objects.visible_to(user).select_related("area").order_by("-created_at", "-pk")


def latest_run(scenario: Scenario) -> Run | None:
    return scenario.runs.order_by("-created_at", "-pk").defer("snapshot").first()
