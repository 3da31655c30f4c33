"""A run's risk point becomes a risk register entry in one click (issue 7): page button and
API, hazard class and pre-rating from the run's figures, linked to the run, refused twice."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.response.risks.models import RiskPoint
from resigrid.sim import services
from resigrid.sim.models import Run, RunState, Scenario
from resigrid.sim.risk_entry import classify

pytestmark = pytest.mark.django_db


def _done(scenario: Scenario, user: User, capture: Any) -> Run:
    with capture(execute=True):
        run = services.start_run(actor=user, scenario=scenario, seed=1)
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error_text
    return run


def test_classify_each_kind() -> None:
    grid = classify("grid", {"score": 0.32, "reason": "… with 0.4 deaths expected."})
    assert (grid[0], grid[2].likelihood, grid[2].harm, grid[2].scale) == ("public_health", 4, 4, 4)
    far = classify("building", {"score": 2.5, "code": "evacuation.far"})
    cut = classify("building", {"score": 9, "code": "evacuation.disconnected"})
    assert (far[0], far[2].harm, cut[2].harm) == ("natural", 4, 5)
    assert classify("shelter", {"score": 1.0})[0] == "natural"
    item = classify("item", {"score": 0.6})
    assert (item[0], item[1], item[2].likelihood) == ("social_security", "生活必需品供应短缺", 5)


def test_page_and_api(
    client_for: Any, secretary: User, supplies: Scenario, django_capture_on_commit_callbacks: Any
) -> None:
    run = _done(supplies, secretary, django_capture_on_commit_callbacks)
    point = (run.results or {})["risk_points"][0]
    assert point["kind"] == "item"
    client = client_for(secretary)
    page = client.get(f"/sim/{supplies.pk}/").content.decode()
    assert f'action="/sim/runs/{run.pk}/risk/"' in page
    answer = client.post(f"/sim/runs/{run.pk}/risk/", {"kind": "item", "point": point["id"]})
    risk = RiskPoint.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/response/risks/{risk.pk}/"
    assert (risk.hazard_class, risk.origin, risk.sim_run_id, risk.sim_point_key) == (
        "social_security",
        "simulation",
        run.pk,
        f"item:{point['id']}",
    )
    assert risk.area.level == "grid" and risk.reviews.get().note.startswith("From the simulation")
    assert point["reason"] in risk.description
    answer = client.get(f"/sim/{supplies.pk}/")
    page = answer.content.decode()
    assert f'href="/response/risks/{risk.pk}/"' in page
    # The entered point links to its entry and no longer offers the button; the others do.
    rows = answer.context["risk_rows"]
    assert [r["entered"] for r in rows if r["id"] == point["id"]] == [risk.pk]
    assert page.count("risk-entry-form") == sum(1 for r in rows if not r["entered"])
    assert page.count("risk-entry-form") == len(rows) - 1
    again = client.post(
        f"/sim/runs/{run.pk}/risk/", {"kind": "item", "point": point["id"]}, follow=True
    )
    assert "already in the risk register" in again.content.decode()
    api = client.post(
        f"/api/sim/runs/{run.pk}/risk-entry",
        {"kind": "item", "point": point["id"]},
        content_type="application/json",
    )
    assert api.status_code == 409 and "already in the risk register" in api.json()["detail"]
    unknown = client.post(
        f"/api/sim/runs/{run.pk}/risk-entry",
        {"kind": "item", "point": "nope"},
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert RiskPoint.objects.count() == 1
    RiskPoint.objects.all().delete()
    made = client.post(
        f"/api/sim/runs/{run.pk}/risk-entry",
        {"kind": "item", "point": point["id"]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["hazard_class"] == "social_security"
    assert made.json()["risk_id"] == RiskPoint.objects.get().pk
