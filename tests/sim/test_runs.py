"""A full run of each kind on the tiny community, through the task (ImmediateBackend)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from resigrid.accounts.models import User
from resigrid.sim import services
from resigrid.sim.models import Run, RunState, Scenario
from resigrid.sim.snapshot import Snapshot

pytestmark = pytest.mark.django_db


def _run(scenario: Scenario, user: User, capture: Any, **kwargs: Any) -> Run:
    with capture(execute=True):
        run = services.start_run(actor=user, scenario=scenario, **kwargs)
    run.refresh_from_db()
    return run


def test_epidemic_run(
    epidemic: Scenario, secretary: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(epidemic, secretary, django_capture_on_commit_callbacks, seed=7)
    assert (run.state, run.progress, run.error_code) == (RunState.DONE, 100, "")
    assert run.replicates == 3
    results = run.results or {}
    assert [s["name"] for s in results["strategies"]] == [
        "No intervention",
        "Isolation and testing",
        "Grid lockdown",
    ]
    assert results["population"] == 36
    assert results["best"] in {s["name"] for s in results["strategies"]}
    assert results["best_text"].startswith(f"Best strategy: {results['best']}.")
    assert len(results["strategies"][0]["series"]["I"]["median"]) == 61
    assert {g["name"] for g in results["grids"]} == {"东湖一网格", "东湖二网格"}
    snap = Snapshot.from_bytes(bytes(run.snapshot or b""))
    assert snap.counts() == run.snapshot_counts
    assert run.snapshot_counts == {
        "residents": 36,
        "households": 12,
        "buildings": 3,
        "grids": 2,
        "vulnerable": 6,
        "shelters": 2,
        "stock_rows": 1,
    }
    assert np.array_equal(np.sort(snap.age), np.sort(snap.age))


def test_evacuation_run(
    evacuation: Scenario, secretary: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(evacuation, secretary, django_capture_on_commit_callbacks)
    assert (run.state, run.progress) == (RunState.DONE, 100), run.error_text
    results = run.results or {}
    assert results["summary"]["evacuees"] == 36
    assert results["summary"]["assisted"] == 6
    assert sum(s["load"] for s in results["shelters"]) == 36
    assert all(s["load"] <= s["capacity"] for s in results["shelters"])


def test_supplies_run(
    supplies: Scenario, secretary: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(supplies, secretary, django_capture_on_commit_callbacks)
    assert (run.state, run.progress) == (RunState.DONE, 100), run.error_text
    plan = (run.results or {})["prepositioned"][0]
    assert plan["item"] == "W001" and plan["central_stock"] == 20.0
    # 12 households × 0.25 a day = 3 a day; 20 cases last 6.7 days of 14.
    assert plan["min_cover_days"] == 6.7
    assert {p["kind"] for p in (run.results or {})["risk_points"]} == {"item"}
    # The reader sees the item's name, not its code.
    assert plan["item_name"] == "瓶装水"
    reasons = [p["reason"] for p in (run.results or {})["risk_points"]]
    assert reasons and all("瓶装水" in r and "W001" not in r for r in reasons)
