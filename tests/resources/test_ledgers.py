"""Stock ledger export and the facilities ledger (dry run, row errors, apply, export)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.models import User
from resigrid.core.errors import PermissionDeniedError
from resigrid.resources import ledgers
from resigrid.resources.models import Facility
from resigrid.resources.stock import record_movement
from tests.orgs.test_ledgers import book, read
from tests.resources.conftest import Stock

SHELTER = {"name": "东湖避难场所", "kind": "shelter", "area_code": "330106001001001",
           "lon": 120.05, "lat": 30.05, "capacity": 500, "amenities": "water、toilets"}  # fmt: skip


@time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
def test_stock_export(stock: Stock, community_staff: User) -> None:
    for number, expiry, qty in [("A", dt.date(2026, 11, 10), "4"), ("B", dt.date(2027, 6, 1), "3")]:
        record_movement(actor=community_staff, depot=stock.depot1, item=stock.water, kind="in",
                        quantity=qty, batch_number=number, expiry=expiry)  # fmt: skip
    record_movement(actor=community_staff, depot=stock.depot1, item=stock.tent, kind="in",
                    quantity="2")  # fmt: skip
    rows = read(ledgers.export_stock(actor=community_staff, area=stock.tree.community1))
    header = list(rows[0])
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [(b["Item code"], b["Batch number"], b["On hand"], b["Below minimum"],
             b["Near expiry"]) for b in body] == [
        ("S001", None, 2, "No", "No"),
        ("W001", "A", 4, "Yes", "Yes"),
        ("W001", "B", 3, "Yes", "No"),
    ]  # fmt: skip


def test_stock_export_gated(stock: Stock, resident: User) -> None:
    with pytest.raises(PermissionDeniedError):
        ledgers.export_stock(actor=resident, area=stock.tree.community1)


def test_facilities_import(stock: Stock, community_staff: User) -> None:
    rows: list[dict[str, Any]] = [
        SHELTER,
        {"name": "AED一号", "kind": "aed", "area_code": "330106001001002", "lon": 120.15,
         "lat": 30.05, "capacity": 4},
        {"name": "越界", "kind": "hydrant", "area_code": "330106001002001", "lon": 120.25,
         "lat": 30.05},
        {"name": "坐标错", "kind": "hydrant", "area_code": "330106001001001", "lon": 200,
         "lat": 30.05},
    ]  # fmt: skip
    report = ledgers.import_facilities(
        actor=community_staff, area=stock.tree.community1,
        file=book(ledgers.FACILITIES, rows), dry_run=False,
    )  # fmt: skip
    assert [(e.row_number, e.column_key) for e in report.errors] == [
        (3, "capacity"), (4, "area_code"), (5, "lon"),
    ]  # fmt: skip
    assert Facility.objects.count() == 0
    report = ledgers.import_facilities(
        actor=community_staff, area=stock.tree.community1,
        file=book(ledgers.FACILITIES, rows[:1]), dry_run=False,
    )  # fmt: skip
    assert report.created == 1
    f = Facility.objects.get()
    assert (f.area, f.capacity, f.amenities, f.status) == (
        stock.tree.grid11, 500, ["toilets", "water"], "in_service"
    )  # fmt: skip
    report = ledgers.import_facilities(
        actor=community_staff, area=stock.tree.community1,
        file=book(ledgers.FACILITIES, rows[:1]), dry_run=True,
    )  # fmt: skip
    assert [e.message for e in report.errors] == ["A facility with this name already exists here."]
    exported = read(ledgers.export_facilities(actor=community_staff, area=stock.tree.community1))
    assert exported[1][:3] == ("东湖避难场所", "Emergency shelter", "330106001001001")


def test_facility_ledger_pages(
    stock: Stock, client: Client, community_staff: User, grid_worker: User
) -> None:
    client.force_login(community_staff)
    assert client.get("/resources/ledgers/facilities/template.xlsx").status_code == 200
    r = client.get(f"/resources/ledgers/stock/export.xlsx?area={stock.tree.community1.code}")
    assert r.status_code == 200
    assert client.get("/resources/ledgers/stock/import/").status_code == 404
    html = client.get("/resources/facilities/").content.decode()
    assert 'data-export="facilities"' in html
    client.force_login(grid_worker)
    r = client.post("/resources/ledgers/facilities/import/",
                    {"area": stock.tree.grid11.code,
                     "file": io.BytesIO(book(ledgers.FACILITIES, [SHELTER]))})  # fmt: skip
    assert r.status_code == 403
    assert Facility.objects.count() == 0
