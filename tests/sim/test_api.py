"""API: list/create/detail, start a run, status, results; 404 outside the scope, 403 without
the right, 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.sim.models import Run, Scenario
from tests.factories import Tree, UserFactory, bind
from tests.sim.conftest import World

pytestmark = pytest.mark.django_db


def test_create_run_and_results(
    client_for: Any, secretary: User, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(secretary)
    made = client.post(
        "/api/sim/scenarios",
        {
            "kind": "supplies",
            "name": "水",
            "area_code": world.tree.community1.code,
            "params": {"days": 10, "items": [{"item": "瓶装水", "per_household": 0.5}]},
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["area_name"], body["latest_run_id"]) == (
        "supplies",
        "东湖社区",
        None,
    )
    assert body["params"]["items"][0]["per_household"] == 0.5
    pk = body["id"]
    assert [s["id"] for s in client.get("/api/sim/scenarios").json()] == [pk]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/api/sim/scenarios/{pk}/runs", {"seed": 3}, content_type="application/json"
        )
    assert started.status_code == 202
    run_id = started.json()["id"]
    status = client.get(f"/api/sim/runs/{run_id}").json()
    assert (status["state"], status["progress"], status["seed"]) == ("done", 100, 3)
    assert status["snapshot_counts"]["residents"] == 36
    results = client.get(f"/api/sim/runs/{run_id}/results").json()
    assert results == Run.objects.get(pk=run_id).results
    # 12 households × 0.5 = 6 a day against 20 cases: 3.3 days of cover.
    assert results["prepositioned"][0]["min_cover_days"] == 3.3


def test_bad_input_422(client_for: Any, secretary: User, world: World) -> None:
    client = client_for(secretary)
    answer = client.post(
        "/api/sim/scenarios",
        {
            "kind": "epidemic",
            "name": "x",
            "area_code": world.tree.community1.code,
            "params": {"r0": 1000, "days": 0},
            "strategies": [{"name": "a"}, {"name": "a"}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "params.r0"], "msg": "Must be at most 20.", "type": "value_error"},
        {"loc": ["body", "params.days"], "msg": "Must be at least 1.", "type": "value_error"},
    ]
    assert Scenario.objects.count() == 0


def test_scope(
    client_for: Any,
    secretary: User,
    world: World,
    tree: Tree,
    community_staff: User,
    outsider: User,
) -> None:
    scenario = Scenario.objects.create(
        kind="supplies",
        name="s",
        area=tree.community1,
        params={"days": 3, "items": [{"item": "W001"}]},
    )
    other = UserFactory(username="sec2")
    bind(other, tree.community2, Role.COMMUNITY_SECRETARY)
    c = client_for(other)
    assert c.get(f"/api/sim/scenarios/{scenario.pk}").status_code == 404
    assert (
        c.post(
            f"/api/sim/scenarios/{scenario.pk}/runs", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert c.get("/api/sim/scenarios").json() == []
    assert (
        c.post(
            "/api/sim/scenarios",
            {"kind": "supplies", "name": "n", "area_code": tree.community1.code, "params": {}},
            content_type="application/json",
        ).status_code
        == 404
    )
    c = client_for(community_staff)
    assert c.get(f"/api/sim/scenarios/{scenario.pk}").status_code == 403
    assert (
        c.post(
            f"/api/sim/scenarios/{scenario.pk}/runs", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert c.get("/api/sim/scenarios").status_code == 403
    assert client_for(outsider).get("/api/sim/scenarios").status_code == 403
    assert Run.objects.count() == 0
