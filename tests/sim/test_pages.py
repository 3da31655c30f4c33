"""Pages: list, create form (errors shown on the field), detail with results, progress partial,
downloads, run button, and a case opened from a risk point."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from resigrid.accounts.models import User
from resigrid.cases.models import Case
from resigrid.registers.models import Category
from resigrid.sim import services
from resigrid.sim.models import Run, RunState, Scenario
from tests.sim.conftest import World

pytestmark = pytest.mark.django_db


def _done(scenario: Scenario, user: User, capture: Any) -> Run:
    with capture(execute=True):
        run = services.start_run(actor=user, scenario=scenario, seed=1)
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error_text
    return run


def test_list_and_create(client_for: Any, secretary: User, world: World) -> None:
    client = client_for(secretary)
    page = client.get("/sim/")
    assert page.status_code == 200
    assert "No scenarios yet." in page.content.decode()
    form = client.get("/sim/new/epidemic/")
    assert form.status_code == 200 and "Vulnerable first vaccination" in form.content.decode()
    bad = client.post(
        "/sim/new/epidemic/",
        {
            "name": "x",
            "area": world.tree.community1.pk,
            "params": '{"r0": 1000}',
            "strategies": '[{"name": "a"}]',
        },
    )
    assert bad.status_code == 200
    assert "params.r0: Must be at most 20." in bad.content.decode()
    assert Scenario.objects.count() == 0
    ok = client.post(
        "/sim/new/supplies/",
        {
            "name": "封控",
            "area": world.tree.community1.pk,
            "params": '{"days": 14, "items": [{"item": "W001", "per_household": 1}]}',
        },
    )
    scenario = Scenario.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/sim/{scenario.pk}/"
    assert scenario.params["days"] == 14 and scenario.created_by == secretary


def test_detail_results_downloads(
    client_for: Any, secretary: User, epidemic: Scenario, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(secretary)
    assert (
        "This scenario has not been run yet." in client.get(f"/sim/{epidemic.pk}/").content.decode()
    )
    run = _done(epidemic, secretary, django_capture_on_commit_callbacks)
    html = client.get(f"/sim/{epidemic.pk}/").content.decode()
    assert 'id="best-strategy"' in html and (run.results or {})["best_text"] in html
    assert 'id="comparison"' in html and 'data-state="done"' in html
    c = run.snapshot_counts
    assert (
        f"Data used: {c['residents']} residents in {c['households']} households, "
        f"{c['buildings']} buildings, {c['grids']} grids, {c['vulnerable']} vulnerable, "
        f"{c['shelters']} shelters, {c['stock_rows']} stock lines</p>"
    ) in html
    status = client.get(f"/sim/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true" and "100%" in status.content.decode()
    got = client.get(f"/sim/runs/{run.pk}/download.json")
    assert json.loads(got.content) == run.results
    xlsx = client.get(f"/sim/runs/{run.pk}/download.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Strategies", "Grids", "Best strategy", "Risk points"]
    assert [c.value for c in book["Strategies"]["B"][1:]] == [
        s["rank"] for s in (run.results or {})["strategies"]
    ]


def test_run_button_and_progress(
    client_for: Any, secretary: User, supplies: Scenario, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(f"/sim/{supplies.pk}/run/")
    assert answer.status_code == 302 and len(callbacks) == 1
    run = Run.objects.get()
    html = client.get(f"/sim/{supplies.pk}/").content.decode()
    assert f'hx-get="/sim/runs/{run.pk}/status/"' in html and 'hx-trigger="every 2s"' in html
    again = client.post(f"/sim/{supplies.pk}/run/", follow=True)
    assert "A run of this scenario is already under way." in again.content.decode()
    assert Run.objects.count() == 1


def test_case_from_risk_point(
    client_for: Any, secretary: User, supplies: Scenario, django_capture_on_commit_callbacks: Any
) -> None:
    Category.objects.create(code="SUP", name="物资", kind="event")
    run = _done(supplies, secretary, django_capture_on_commit_callbacks)
    point = (run.results or {})["risk_points"][0]
    client = client_for(secretary)
    answer = client.post(
        f"/sim/runs/{run.pk}/case/",
        {"kind": point["kind"], "point": point["id"], "category": "SUP"},
    )
    case = Case.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{case.pk}/"
    assert case.source == "inspection" and case.category.code == "SUP"
    assert case.title == f"Risk point: {point['name']}"
    assert point["reason"] in case.description
    assert f"/sim/{supplies.pk}/" in case.description
    unknown = client.post(
        f"/sim/runs/{run.pk}/case/",
        {"kind": "item", "point": "nope", "category": "SUP"},
        follow=True,
    )
    assert "This run has no such risk point." in unknown.content.decode()
    assert Case.objects.count() == 1


def test_scope_pages(
    client_for: Any,
    supplies: Scenario,
    community_staff: User,
    outsider: User,
    tree: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from resigrid.accounts.roles import Role
    from tests.factories import UserFactory, bind

    other = UserFactory(username="other_sec")
    bind(other, tree.community2, Role.COMMUNITY_SECRETARY)
    assert client_for(other).get(f"/sim/{supplies.pk}/").status_code == 404
    assert client_for(other).post(f"/sim/{supplies.pk}/run/").status_code == 404
    # Community staff see the area but may not simulate (the secretary may).
    assert client_for(community_staff).get(f"/sim/{supplies.pk}/").status_code == 403
    assert client_for(community_staff).post(f"/sim/{supplies.pk}/run/").status_code == 403
    assert client_for(community_staff).get("/sim/").status_code == 403
    assert client_for(outsider).get("/sim/").status_code == 403
    assert Run.objects.count() == 0
