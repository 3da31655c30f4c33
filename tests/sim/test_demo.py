"""The demo's three scenarios: made at seed time (not run), each runs to done from the service."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from resigrid.accounts.models import User
from resigrid.sim import services
from resigrid.sim.models import Run, RunState, Scenario

pytestmark = pytest.mark.django_db


def test_demo_scenarios_run(django_capture_on_commit_callbacks: Any) -> None:
    call_command(
        "seed_demo", "--residents", "2000", "--grids", "4", "--communities", "1", stdout=StringIO()
    )
    scenarios = list(Scenario.objects.order_by("pk"))
    assert [s.kind for s in scenarios] == ["epidemic", "evacuation", "supplies"]
    assert [s["name"] for s in scenarios[0].strategies] == [
        "不干预",
        "隔离+检测",
        "网格封控(7天内3例)",
        "重点人群优先接种",
    ]
    assert scenarios[1].params["hazard"]["type"] in ("Polygon", "MultiPolygon")
    assert scenarios[2].params["days"] == 14
    assert Run.objects.count() == 0  # not run at seed time
    secretary = User.objects.get(username="secretary")
    for scenario in scenarios:
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_run(actor=secretary, scenario=scenario)
        run.refresh_from_db()
        assert (run.state, run.progress) == (RunState.DONE, 100), run.error_text
        assert run.snapshot_counts["residents"] == 2000
    epidemic = Run.objects.get(scenario=scenarios[0])
    assert (epidemic.results or {})["best"] in {s["name"] for s in scenarios[0].strategies}
    assert (epidemic.results or {})["risk_points"], "a grid above the average is a risk point"
