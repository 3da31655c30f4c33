"""In a real browser: a community secretary opens an epidemic scenario like the demo's, runs it,
sees the run queued with its progress bar, and — once a worker has run it — the best strategy,
the comparison, the map and the risk points."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from resigrid.accounts.roles import Role
from resigrid.response.risks.models import RiskPoint
from resigrid.sim import defaults, schemas
from resigrid.sim.models import Run, RunState, Scenario
from tests.factories import TEST_PASSWORD, Tree, UserFactory, bind
from tests.sim.conftest import World

SCREENSHOT = Path("/tmp/resigrid-sim.png")  # noqa: S108 - for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_runs_epidemic(live_server: Any, page: Any, settings: Any) -> None:
    # A real queue: the page must show the run waiting, then its results.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    tree = Tree()
    World(tree)
    user = UserFactory(username="simsec", full_name="书记")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    params, strategies = schemas.clean(
        "epidemic",
        dict(defaults.EPIDEMIC_PARAMS, r0=3.0, days=60, replicates=2),
        defaults.EPIDEMIC_STRATEGIES,
    )
    scenario = Scenario.objects.create(
        kind="epidemic", name="疫情推演", area=tree.community1, params=params,
        strategies=strategies,
    )  # fmt: skip

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "simsec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/sim/")
    page.click(f"#scenario-list a[href='/sim/{scenario.pk}/']")
    assert page.locator("#no-run").is_visible()

    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#run-progress[data-state=queued]")
    assert page.locator("#run-progress .progress").is_visible()
    assert page.locator("#run-form button[type=submit]").is_disabled()

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())
    run = Run.objects.get()
    assert run.state == RunState.DONE, run.error_text

    # The poll (every 2 s) sees the run finished and reloads the page with the results.
    page.wait_for_selector("#best-strategy", timeout=30_000)
    assert page.locator("#best-strategy").inner_text().strip() == (run.results or {})["best_text"]
    assert page.locator("#comparison tbody tr").count() == 4
    page.wait_for_selector("#sim-map[data-loaded=true]")
    assert page.locator("#chart-curves canvas").count() == 1
    points = (run.results or {})["risk_points"]
    assert len(points) >= 1
    assert page.locator("#risk-points li").count() == len(points)
    assert page.locator("#risk-points li").first.inner_text().startswith(points[0]["name"])
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # One click turns the first risk point into a risk register entry (issue 7).
    page.locator("#risk-points li .risk-entry-form button").first.click()
    page.wait_for_selector("#risk-title")
    entry = RiskPoint.objects.get()
    assert (entry.hazard_class, entry.sim_run_id) == ("public_health", run.pk)
    page.goto("about:blank")  # no poll in flight when the test database goes away
