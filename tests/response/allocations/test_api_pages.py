"""API and pages: scope (404 / 403), validation answered 422 naming the field, the conflict 409,
the plan page with its map data and the grid's deliveries page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.resources.models import StockMovement
from resigrid.response.allocations.models import (
    EVENT_LABELS,
    AllocationPlan,
    LineState,
    PlanState,
)
from resigrid.response.incidents.models import Incident
from resigrid.response.plans.models import Plan
from tests.response.allocations.conftest import Supplies

pytestmark = pytest.mark.django_db

API = "/api/response/allocations"


def call(client: Client, method: str, url: str, body: Any = None) -> Any:
    fn = getattr(client, method)
    return fn(url, data=json.dumps(body or {}), content_type="application/json")


def test_api_flow_validation_and_conflict(
    supplies: Supplies, client_for: Any, grid_worker: User
) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 5)
    client = client_for(s.actor)
    r = call(client, "post", f"{API}/", {"title": "  ", "area_id": t.street.pk})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"loc": ["body", "title"], "msg": "Give the plan a title.", "type": "value_error"}
    ]
    r = call(client, "post", f"{API}/", {"title": "洪水", "area_id": t.street.pk})
    assert r.status_code == 201
    pk = r.json()["id"]
    r = call(client, "put", f"{API}/{pk}/needs", {"needs": [
        {"grid_id": t.grid11.pk, "item_id": s.tent.pk, "quantity": -3}]})  # fmt: skip
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "quantity"
    r = call(client, "put", f"{API}/{pk}/needs", {"needs": [
        {"grid_id": t.community1.pk, "item_id": s.tent.pk, "quantity": 3}]})  # fmt: skip
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "needs.0"],
            "msg": "This grid is not in the plan's area.",
            "type": "value_error",
        }
    ]
    needs = {"needs": [{"grid_id": t.grid11.pk, "item_id": s.tent.pk, "quantity": 4}]}
    assert call(client, "put", f"{API}/{pk}/needs", needs).status_code == 200
    r = call(client, "post", f"{API}/{pk}/compute")
    assert r.status_code == 200
    assert [(x["depot_name"], x["grid_name"], x["quantity"]) for x in r.json()["lines"]] == [
        ("东湖物资库", "东湖一网格", 4)
    ]
    # A second plan takes the same stock first: this one's reservation is a 409.
    other = call(client, "post", f"{API}/", {"title": "另一个", "area_id": t.street.pk}).json()[
        "id"
    ]
    call(client, "put", f"{API}/{other}/needs", needs)
    call(client, "post", f"{API}/{other}/compute")
    assert call(client, "post", f"{API}/{other}/reserve").status_code == 200
    r = call(client, "post", f"{API}/{pk}/reserve")
    assert r.status_code == 409
    assert "帐篷" in r.json()["detail"] and "东湖物资库" in r.json()["detail"]
    assert call(client, "post", f"{API}/{other}/issue").json()["state"] == PlanState.ISSUED
    # The grid worker of grid 11 sees the delivery and confirms it.
    worker = Client()
    worker.force_login(grid_worker)
    lines = worker.get(f"{API}/deliveries").json()
    assert [(x["item_name"], x["quantity"]) for x in lines] == [("帐篷", 4)]
    r = call(worker, "post", f"{API}/lines/{lines[0]['id']}/confirm", {"received_quantity": 5})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "note"]
    r = call(worker, "post", f"{API}/lines/{lines[0]['id']}/confirm", {"received_quantity": 4})
    assert (r.status_code, r.json()["state"]) == (200, LineState.DELIVERED)
    assert call(worker, "post", f"{API}/{other}/cancel").status_code == 404  # above the grid
    assert StockMovement.objects.filter(kind="out").count() == 1


def test_api_scope(supplies: Supplies, client_for: Any, outsider: User) -> None:
    s, t = supplies, supplies.tree
    plan = AllocationPlan.objects.create(
        area=t.community2, title="西湖", needed_by=s.today, created_by=s.actor
    )
    client = client_for(outsider)
    assert client.get(f"{API}/{plan.pk}").status_code == 404
    assert call(client, "post", f"{API}/{plan.pk}/compute").status_code == 404
    assert client.get(f"{API}/").json() == []


def test_pages(supplies: Supplies, client_for: Any, community_admin: User) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 2)
    client = client_for(s.actor)
    assert client.get("/response/allocations/").status_code == 200
    r = client.post(
        "/response/allocations/new/",
        {"title": "页面", "area": t.street.pk, "needed_by": s.today.isoformat()},
    )
    plan = AllocationPlan.objects.get(title="页面")
    assert r.url == f"/response/allocations/{plan.pk}/"
    client.post(
        f"/response/allocations/{plan.pk}/needs/",
        {"grid": [t.grid12.pk], "item": [s.tent.pk], "quantity": ["3"]},
    )
    client.post(f"/response/allocations/{plan.pk}/compute/")
    page = client.get(f"/response/allocations/{plan.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'class="table-danger"' in body  # the shortage of 1 is highlighted
    data = page.context["map_data"]
    assert [x["label"] for x in data["lines"]] == ["东湖物资库 → 东湖二网格: 帐篷 2 顶"]
    assert [x["state_label"] for x in page.context["lines"]] == [LineState.PROPOSED.label]
    assert "<td>proposed</td>" not in body  # the state's label, not its code
    events = list(page.context["events"])
    assert [e.action_label for e in events] == [
        str(EVENT_LABELS[a]) for a in ("created", "needs", "computed")
    ]
    assert "· computed</li>" not in body
    assert client.post(f"/response/allocations/{plan.pk}/steal/").status_code == 404
    outsider_view = client_for(community_admin).get(f"/response/allocations/{plan.pk}/")
    assert outsider_view.status_code == 404  # a street plan is above a community secretary
    assert client_for(community_admin).get("/response/allocations/deliveries/").status_code == 200


def test_from_an_incident_with_a_plan_the_needs_come_from_the_plan(
    supplies: Supplies, client_for: Any
) -> None:
    t = supplies.tree
    plan = Plan.objects.create(title="防汛", hazard_class=HazardClass.NATURAL, area=t.street)
    common = {
        "hazard_class": HazardClass.NATURAL,
        "area": t.street,
        "level": ResponseLevel.II,
        "opened_by": supplies.actor,
    }
    planned = Incident.objects.create(title="内涝", plan=plan, plan_level="2", **common)
    bare = Incident.objects.create(title="大风", **common)
    client = client_for(supplies.actor)
    page = client.get(f"/response/allocations/?incident={planned.pk}")
    assert page.context["from_plan"] is True
    assert 'id="id_from_plan" checked' in page.content.decode()
    assert client.get(f"/response/allocations/?incident={bare.pk}").context["from_plan"] is False
    assert client.get("/response/allocations/").context["from_plan"] is False
    today = timezone.localdate().isoformat()
    assert f'name="needed_by" value="{today}"' in page.content.decode()
