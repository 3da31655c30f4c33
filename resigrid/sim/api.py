"""Simulation API: scenarios, runs, progress and results. Outside the scope 404, without the
right 403, bad input 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from resigrid.sim import reads, risk_entry, services
from resigrid.sim.models import Run, Scenario

router = Router()


class ErrorOut(Schema):
    detail: Any


_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ScenarioIn(Schema):
    kind: str
    name: str
    area_code: str
    params: dict[str, Any] = Field(default_factory=dict)
    strategies: list[dict[str, Any]] = Field(default_factory=list)


class ScenarioOut(Schema):
    id: int
    kind: str
    name: str
    area_code: str
    area_name: str
    params: dict[str, Any]
    strategies: list[dict[str, Any]]
    created_at: str
    latest_run_id: int | None


class RunIn(Schema):
    replicates: int | None = None
    seed: int | None = None


class RunOut(Schema):
    id: int
    scenario_id: int
    state: str
    progress: int
    message: str
    seed: int
    replicates: int
    started_at: str | None
    finished_at: str | None
    error_code: str
    error_text: str
    snapshot_counts: dict[str, Any]


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _scenario(s: Scenario) -> dict[str, Any]:
    latest = reads.latest_run(s)
    return {
        "id": s.pk,
        "kind": s.kind,
        "name": s.name,
        "area_code": s.area.code,
        "area_name": s.area.name,
        "params": s.params,
        "strategies": s.strategies,
        "created_at": s.created_at.isoformat(),
        "latest_run_id": latest.pk if latest else None,
    }


def _run(r: Run) -> dict[str, Any]:
    return {
        "id": r.pk,
        "scenario_id": r.scenario_id,
        "state": r.state,
        "progress": r.progress,
        "message": r.message,
        "seed": r.seed,
        "replicates": r.replicates,
        "started_at": r.started_at.isoformat() if r.started_at else None,
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "error_code": r.error_code,
        "error_text": r.error_text,
        "snapshot_counts": r.snapshot_counts,
    }


@router.get("/scenarios", response={200: list[ScenarioOut], 403: ErrorOut})
def list_scenarios(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    reads.require_somewhere(user)
    return [_scenario(s) for s in reads.scenarios_for(user)]


@router.post("/scenarios", response={201: ScenarioOut, **_ERRORS})
def create_scenario(request: HttpRequest, payload: ScenarioIn) -> Status[dict[str, Any]]:
    user = _user(request)
    area = reads.area_for(user, payload.area_code)
    scenario = services.create_scenario(
        actor=user,
        kind=payload.kind,
        name=payload.name,
        area=area,
        params=payload.params,
        strategies=payload.strategies,
    )
    return Status(201, _scenario(scenario))


@router.get("/scenarios/{scenario_id}", response={200: ScenarioOut, **_ERRORS})
def get_scenario(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    return _scenario(reads.scenario_for(_user(request), scenario_id))


@router.post("/scenarios/{scenario_id}/runs", response={202: RunOut, **_ERRORS})
def start_run(request: HttpRequest, scenario_id: int, payload: RunIn) -> Status[dict[str, Any]]:
    user = _user(request)
    scenario = reads.scenario_for(user, scenario_id)
    run = services.start_run(
        actor=user, scenario=scenario, replicates=payload.replicates, seed=payload.seed
    )
    run.refresh_from_db()
    return Status(202, _run(run))


@router.get("/runs/{run_id}", response={200: RunOut, **_ERRORS})
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run(reads.run_for(_user(request), run_id))


@router.get("/runs/{run_id}/results", response={200: dict[str, Any], **_ERRORS})
def get_results(request: HttpRequest, run_id: int) -> Any:
    """The stored results; 409 while the run has none (queued, running or failed)."""
    run = reads.run_for(_user(request), run_id)
    if run.results is None:
        return Status(409, {"detail": run.state, "state": run.state})
    return run.results


class RiskEntryIn(Schema):
    kind: str = Field(..., description="grid, building, shelter or item")
    point: str = Field(..., description="The risk point's id in the run's results")


class RiskEntryOut(Schema):
    risk_id: int
    hazard_class: str
    band: str
    score: float
    area_id: int


@router.post("/runs/{run_id}/risk-entry", response={201: RiskEntryOut, **_ERRORS})
def enter_risk(request: HttpRequest, run_id: int, payload: RiskEntryIn) -> Status[dict[str, Any]]:
    """Turn one risk point of a finished run into a risk register entry (once per point)."""
    run = reads.run_for(_user(request), run_id)
    risk = risk_entry.enter_risk(
        actor=_user(request), run=run, kind=payload.kind, point_id=payload.point
    )
    return Status(
        201,
        {
            "risk_id": risk.pk,
            "hazard_class": risk.hazard_class,
            "band": risk.band,
            "score": float(risk.score),
            "area_id": risk.area_id,
        },
    )
