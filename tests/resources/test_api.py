"""The resources API per persona: depots, stock endpoints, warnings, facilities, map layer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.resources.models import Depot, Facility, StockMovement
from resigrid.resources.stock import record_movement
from tests.resources.conftest import Stock

API = "/api/resources"


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("grid_worker", []),
        ("community_staff", ["东湖物资库"]),
        ("street_admin", ["东湖物资库", "西湖物资库"]),
        ("department", ["东湖物资库", "西湖物资库"]),
        ("resident", []),
        ("outsider", []),
    ],
)
def test_depot_scope(
    stock: Stock, client_for: Any, request: pytest.FixtureRequest, persona: str, names: list[str]
) -> None:
    body = client_for(request.getfixturevalue(persona)).get(f"{API}/depots").json()
    assert [d["name"] for d in body] == names


def test_depot_outside_scope_is_404(stock: Stock, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    for url in (
        f"{API}/depots/{stock.depot2.pk}",
        f"{API}/depots/{stock.depot2.pk}/stock",
        f"{API}/depots/{stock.depot2.pk}/movements",
    ):
        assert client.get(url).status_code == 404
    r = post(
        client,
        f"{API}/depots/{stock.depot2.pk}/movements",
        {"item_id": stock.tent.pk, "kind": "in", "quantity": "1"},
    )
    assert r.status_code == 404
    assert StockMovement.objects.count() == 0


def test_movements_balances_and_refusal(
    stock: Stock, client_for: Any, community_staff: User
) -> None:
    client = client_for(community_staff)
    url = f"{API}/depots/{stock.depot1.pk}/movements"
    r = post(
        client, url, {"item_id": stock.tent.pk, "kind": "in", "quantity": "10", "reason": "采购"}
    )
    assert r.status_code == 201, r.content
    assert [(m["kind"], m["quantity"], m["by"]) for m in r.json()] == [("in", "10.00", "社工丁")]
    r = post(client, url, {"item_id": stock.tent.pk, "kind": "reserve", "quantity": "4"})
    assert r.status_code == 201
    r = post(client, url, {"item_id": stock.tent.pk, "kind": "out", "quantity": "7"})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "quantity"],
            "msg": "Not enough stock: 6 顶 of 帐篷 available in 东湖物资库, 7 requested.",
            "type": "value_error",
        }
    ]
    r = post(client, url, {"item_id": stock.tent.pk, "kind": "steal", "quantity": "1"})
    assert r.status_code == 422
    r = post(client, url, {"item_id": 99999, "kind": "in", "quantity": "1"})
    assert r.json()["detail"][0]["loc"] == ["body", "item_id"]
    assert StockMovement.objects.count() == 2
    balances = client.get(f"{API}/depots/{stock.depot1.pk}/stock").json()
    assert [(b["item_code"], b["on_hand"], b["reserved"], b["available"]) for b in balances] == [
        ("S001", "10.00", "4.00", "6.00")
    ]
    page = client.get(url).json()
    assert [m["kind"] for m in page["results"]] == ["reserve", "in"]


@pytest.mark.parametrize("persona", ["grid_worker", "department"])
def test_viewers_cannot_move_stock(
    stock: Stock, client_for: Any, request: pytest.FixtureRequest, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    r = post(
        client,
        f"{API}/depots/{stock.depot1.pk}/movements",
        {"item_id": stock.tent.pk, "kind": "in", "quantity": "1"},
    )
    # The grid worker cannot see community depots at all; the department sees but may not write.
    assert r.status_code == (404 if persona == "grid_worker" else 403)
    assert StockMovement.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
def test_low_stock_and_near_expiry(stock: Stock, client_for: Any, street_admin: User) -> None:
    for depot, number, expiry, qty in [
        (stock.depot1, "A", dt.date(2026, 11, 10), "4"),
        (stock.depot2, "B", dt.date(2027, 5, 1), "20"),
    ]:
        record_movement(
            actor=street_admin,
            depot=depot,
            item=stock.water,
            kind="in",
            quantity=qty,
            batch_number=number,
            expiry=expiry,
        )
    client = client_for(street_admin)
    low = client.get(f"{API}/low-stock").json()
    assert [(r["depot_name"], r["item_code"], r["available"], r["min_level"]) for r in low] == [
        ("东湖物资库", "W001", "4.00", "10.00")
    ]
    near = client.get(f"{API}/near-expiry").json()
    assert [(r["batch_number"], r["days_left"], r["on_hand"]) for r in near] == [("A", 9, "4.00")]
    assert client.get(f"{API}/near-expiry?days=200").json()[1]["batch_number"] == "B"
    assert client.get(f"{API}/near-expiry?days=-1").status_code == 422
    depots = {d["name"]: d for d in client.get(f"{API}/depots").json()}
    assert (depots["东湖物资库"]["low_items"], depots["东湖物资库"]["near_expiry_batches"]) == (
        1,
        1,
    )
    assert (depots["西湖物资库"]["low_items"], depots["西湖物资库"]["near_expiry_batches"]) == (
        0,
        0,
    )


def test_min_level_endpoint(stock: Stock, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    r = client.put(
        f"{API}/depots/{stock.depot1.pk}/items/{stock.tent.pk}/min-level",
        json.dumps({"min_level": "3"}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert (r.json()["min_level"], r.json()["low"]) == ("3.00", True)


def test_create_depot_and_masked_contact(
    stock: Stock, client: Client, community_admin: User, community_staff: User
) -> None:
    client.force_login(community_staff)
    r = post(
        client,
        f"{API}/depots",
        {
            "name": "二网格储备点",
            "area_code": stock.tree.grid12.code,
            "lon": 120.15,
            "lat": 30.05,
            "contact_name": "吴",
            "contact_phone": "13600001111",
        },
    )
    assert r.status_code == 201, r.content
    depot_id = r.json()["id"]
    assert r.json()["contact_phone"] == "136****1111"
    assert client.get(f"{API}/depots/{depot_id}?unmask=true").status_code == 403
    r = post(
        client,
        f"{API}/depots",
        {"name": "x", "area_code": stock.tree.grid12.code, "lon": 999, "lat": 30.05},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "lon"
    r = post(
        client,
        f"{API}/depots",
        {"name": "y", "area_code": stock.tree.grid21.code, "lon": 120.25, "lat": 30.05},
    )
    assert r.status_code == 403
    assert Depot.objects.count() == 3
    client.force_login(community_admin)
    assert client.get(f"{API}/depots/{depot_id}?unmask=true").json()["contact_phone"] == (
        "13600001111"
    )
    assert PersonalDataAccess.objects.filter(subject="resources.depot").count() == 1


def test_facilities_and_map(stock: Stock, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    r = post(
        client,
        f"{API}/facilities",
        {
            "kind": "shelter",
            "name": "东湖公园避难场所",
            "area_code": stock.tree.grid11.code,
            "lon": 120.02,
            "lat": 30.02,
            "capacity": 1500,
            "floor_area_m2": 5000,
            "amenities": ["water", "toilets"],
        },
    )
    assert r.status_code == 201, r.content
    r = post(
        client,
        f"{API}/facilities",
        {
            "kind": "aed",
            "name": "AED 一号",
            "area_code": stock.tree.grid11.code,
            "lon": 120.03,
            "lat": 30.03,
            "amenities": ["sauna"],
        },
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-2:] == ["amenities", 0]
    r = post(
        client,
        f"{API}/facilities",
        {
            "kind": "aed",
            "name": "AED 一号",
            "area_code": stock.tree.grid11.code,
            "lon": 120.03,
            "lat": 30.03,
        },
    )
    assert r.status_code == 201
    shelters = client.get(f"{API}/facilities?kind=shelter").json()
    assert [(f["name"], f["capacity"], f["amenities"]) for f in shelters] == [
        ("东湖公园避难场所", 1500, ["toilets", "water"])
    ]
    layer = client.get(f"{API}/map/geojson").json()
    assert sorted(
        (f["properties"]["layer"], f["properties"]["kind"]) for f in layer["features"]
    ) == [("depot", "depot"), ("facility", "aed"), ("facility", "shelter")]
    assert Facility.objects.count() == 2


def test_catalogue_endpoints(
    stock: Stock, client_for: Any, community_staff: User, grid_worker: User, outsider: User
) -> None:
    client = client_for(community_staff)
    r = post(
        client,
        f"{API}/items",
        {
            "code": "L001",
            "name": "手电筒",
            "category": "lighting",
            "uom": "个",
            "default_min_level": "20",
        },
    )
    assert r.status_code == 201
    assert [i["code"] for i in client.get(f"{API}/items?category=lighting").json()] == ["L001"]
    assert (
        post(
            client_for(grid_worker),
            f"{API}/items",
            {"code": "L002", "name": "x", "category": "lighting", "uom": "个"},
        ).status_code
        == 403
    )
    assert client_for(outsider).get(f"{API}/items").status_code == 404
