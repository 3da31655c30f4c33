"""Resources pages: depots with warnings, the movement form, facilities and the map page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine

from resigrid.accounts.models import User
from resigrid.resources.models import DepotItem, Facility, StockMovement
from resigrid.resources.stock import record_movement
from tests.resources.conftest import Stock


@time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
def test_depot_list_badges(stock: Stock, client_for: Any, community_staff: User) -> None:
    record_movement(
        actor=community_staff,
        depot=stock.depot1,
        item=stock.water,
        kind="in",
        quantity="4",
        batch_number="A",
        expiry=dt.date(2026, 11, 15),
    )
    html = client_for(community_staff).get("/resources/").content.decode()
    assert "东湖物资库" in html and "西湖物资库" not in html
    assert 'data-badge="low"' in html and 'data-badge="near-expiry"' in html
    assert 'data-nav="resources:depots"' in html


def test_movement_form(stock: Stock, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    url = f"/resources/depots/{stock.depot1.pk}/"
    r = client.post(url, {"item": stock.tent.pk, "kind": "in", "quantity": "6", "reason": "采购"})
    assert r.status_code == 302
    r = client.post(url, {"item": stock.tent.pk, "kind": "out", "quantity": "9"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-error="quantity"' in html
    assert "Not enough stock: 6 顶 of 帐篷 available in 东湖物资库, 9 requested." in html
    assert StockMovement.objects.count() == 1
    html = client.get(url).content.decode()
    assert 'data-item="S001"' in html and 'id="movement-form"' in html


def test_viewer_sees_no_form_and_cannot_post(
    stock: Stock, client_for: Any, department: User
) -> None:
    client = client_for(department)
    url = f"/resources/depots/{stock.depot1.pk}/"
    assert 'id="movement-form"' not in client.get(url).content.decode()
    r = client.post(url, {"item": stock.tent.pk, "kind": "in", "quantity": "6"})
    assert r.status_code == 403
    assert (StockMovement.objects.count(), DepotItem.objects.count()) == (0, 0)


def test_depot_outside_scope_404(stock: Stock, client_for: Any, community_staff: User) -> None:
    assert (
        client_for(community_staff).get(f"/resources/depots/{stock.depot2.pk}/").status_code == 404
    )


def test_facilities_and_map_page(stock: Stock, client_for: Any, community_staff: User) -> None:
    Facility.objects.create(
        kind="shelter",
        name="东湖避难场所",
        area=stock.tree.grid11,
        lon=120.02,
        lat=30.02,
        capacity=600,
        amenities=["water"],
    )
    Facility.objects.create(
        kind="aed", name="西湖AED", area=stock.tree.grid21, lon=120.22, lat=30.02
    )
    client = client_for(community_staff)
    html = client.get("/resources/facilities/").content.decode()
    assert "东湖避难场所" in html and "西湖AED" not in html
    assert "东湖避难场所" not in client.get("/resources/facilities/?kind=aed").content.decode()
    html = client.get("/resources/map/").content.decode()
    start = html.index('<script id="resource-map-config" type="application/json">')
    config = json.loads(html[start:].split(">", 1)[1].split("</script>", 1)[0])
    assert config["pointsUrl"] == "/api/resources/map/geojson"
    assert config["depotUrl"] == "/resources/depots/{id}/"


def test_resident_refused(stock: Stock, client_for: Any, resident: User) -> None:
    client = client_for(resident)
    for url in ("/resources/", "/resources/facilities/", "/resources/map/"):
        assert client.get(url).status_code == 403


def test_admin_changelists_open(stock: Stock, client: Any) -> None:
    admin = User.objects.create_user(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    for path in (
        "resources/depot", "resources/item", "resources/stockmovement", "resources/facility",
        "orgs/partyorg", "orgs/partymember", "orgs/unit", "orgs/commitment",
    ):  # fmt: skip
        assert client.get(f"/admin/{path}/").status_code == 200, path
    assert client.get("/admin/resources/stockmovement/add/").status_code == 403
