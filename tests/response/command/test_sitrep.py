"""The situation report: the structure, the PDF, the Excel workbook, the JSON API, and the
download log; the dashboard's live part."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from resigrid.resources.models import Depot, DepotItem, Facility, Item
from resigrid.resources.stock import record_movement
from resigrid.response.callups.models import CallUp
from resigrid.response.command import render, sitrep
from resigrid.response.incidents import activate, services
from resigrid.response.incidents.models import Incident, IncidentLog
from tests.response.incidents.conftest import NOW, World, make_case

pytestmark = pytest.mark.django_db


def _scene(world: World) -> Incident:
    tree = world.tree
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        make_case(tree, tree.grid11, title="开始前的案件")  # before the incident: not counted
    with time_machine.travel(NOW, tick=False):
        incident = services.open_incident(
            actor=world.street, title="东湖社区内涝", area=tree.community1, level="2"
        )
        activate.activate_plan(
            actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        make_case(tree, tree.grid11)
        closed = make_case(tree, tree.grid12, title="积水已排")
        make_case(tree, tree.grid21, title="西湖的案件")  # another community: not counted
    closed.state = "closed"
    closed.save(update_fields=["state"])
    depot = Depot.objects.create(name="街道应急仓库", area=tree.street, lon=120.2, lat=30.2)
    water = Item.objects.create(code="W1", name="瓶装水", category="water", uom="箱")
    tent = Item.objects.create(code="T1", name="帐篷", category="shelter", uom="顶")
    DepotItem.objects.create(depot=depot, item=water, min_level=Decimal("150"))
    DepotItem.objects.create(depot=depot, item=tent, min_level=Decimal("2"))
    record_movement(actor=world.street, depot=depot, item=water, kind="in", quantity=100)
    record_movement(actor=world.street, depot=depot, item=tent, kind="in", quantity=5)
    Facility.objects.create(
        kind="shelter",
        name="东湖小学体育馆",
        area=tree.community1,
        lon=120.1,
        lat=30.1,
        capacity=300,
        occupancy=120,
    )
    Facility.objects.create(
        kind="aed", name="东湖AED", area=tree.community1, lon=120.1, lat=30.1
    )  # not a shelter
    return incident


def test_the_report_structure(world: World) -> None:
    incident = _scene(world)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        report = sitrep.build(incident)
    sections = {s.key: s for s in report.sections}
    assert list(sections) == [
        "overview",
        "cases",
        "tasks",
        "sweep",
        "stock",
        "volunteers",
        "shelters",
        "supplies",
        "information",
    ]
    assert sections["overview"].rows[0] == ("Title", "东湖社区内涝")
    assert sections["overview"].rows[1] == ("Area", "东湖社区")
    assert sections["cases"].rows == (("防汛排涝", 1, 1),)
    # Three plan tasks due at +30, +60, +90 min: all overdue two hours on.
    assert sections["tasks"].rows == ((3, 0, 0, 3),)
    assert sections["stock"].rows == (
        (
            "街道应急仓库",
            "帐篷",
            "顶",
            Decimal("5"),
            Decimal("0"),
            Decimal("5"),
            Decimal("2"),
            "no",
        ),
        (
            "街道应急仓库",
            "瓶装水",
            "箱",
            Decimal("100"),
            Decimal("0"),
            Decimal("100"),
            Decimal("150"),
            "yes",
        ),
    )
    assert sections["stock"].note == "1 item(s) below their minimum level."
    assert sections["shelters"].rows == (("东湖小学体育馆", "东湖社区", 120, 300, "In service"),)
    assert sections["sweep"].rows[-1] == ("Total", 0, 0, 0, 0)
    assert sections["volunteers"].rows == ((0, 0, 0, 0, 0.0),)


def test_pdf_and_xlsx(world: World, client_for: Any) -> None:
    incident = _scene(world)
    client = client_for(world.street)
    response = client.get(f"/response/command/{incident.pk}/sitrep.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert b"STSong-Light" in data  # the CJK font is used
    response = client.get(f"/response/command/{incident.pk}/sitrep.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Incident",
        "Cases since the incident opened",
        "Tasks",
        "Vulnerable-person sweep",
        "Stock",
        "Volunteers",
        "Shelters",
        "Relief supplies",
        "Bulletins and recovery",
    ]
    assert [c.value for c in wb["Incident"][2]] == ["Title", "东湖社区内涝"]
    stock = wb["Stock"]
    assert [c.value for c in stock[1]] == [
        "Depot",
        "Item",
        "Unit",
        "On hand",
        "Reserved",
        "Available",
        "Minimum",
        "Below minimum",
    ]
    assert [c.value for c in stock[2]] == ["街道应急仓库", "帐篷", "顶", 5, 0, 5, 2, "no"]
    assert [c.value for c in stock[3]] == ["街道应急仓库", "瓶装水", "箱", 100, 0, 100, 150, "yes"]
    assert stock["A5"].value == "1 item(s) below their minimum level."
    cases = wb["Cases since the incident opened"]
    assert [c.value for c in cases[2]] == ["防汛排涝", 1, 1]
    log = list(
        IncidentLog.objects.filter(incident=incident, action="sitrep").values_list(
            "actor_id", "data"
        )
    )
    assert log == [(world.street.pk, {"format": "pdf"}), (world.street.pk, {"format": "xlsx"})]


def test_pdf_renderer_escapes_markup() -> None:
    report = sitrep.Sitrep(
        incident_id=1,
        title="<b>测试</b> & 报告",
        generated_at=NOW,
        sections=(sitrep.Section("x", "节", ("列",), (("<i>",),), note="a & b"),),
    )
    assert render.pdf(report).startswith(b"%PDF-")
    wb = load_workbook(
        io.BytesIO(
            render.xlsx(
                sitrep.Sitrep(1, "t", NOW, (sitrep.Section("x", "s", ("c",), (("=1+1",),)),))
            )
        )
    )
    assert wb["s"]["A2"].value == "'=1+1"


def test_sitrep_json_api(world: World, client_for: Any) -> None:
    incident = _scene(world)
    client = client_for(world.street)
    response = client.get(f"/api/response/command/{incident.pk}/sitrep")
    assert response.status_code == 200
    data = response.json()
    assert (data["incident"], data["title"]) == (incident.pk, "东湖社区内涝")
    stock = next(s for s in data["sections"] if s["key"] == "stock")
    assert stock["rows"][1] == [
        "街道应急仓库",
        "瓶装水",
        "箱",
        "100.00",
        "0.00",
        "100.00",
        "150.00",
        "yes",
    ]
    assert IncidentLog.objects.filter(incident=incident, action="sitrep").get().data == {
        "format": "json"
    }
    assert (
        client_for(world.worker).get(f"/api/response/command/{incident.pk}/sitrep").status_code
        == 404
    )


def test_downloads_outside_scope_are_404(world: World, client_for: Any) -> None:
    incident = _scene(world)
    client = client_for(world.worker)  # grid 11 only
    assert client.get(f"/response/command/{incident.pk}/sitrep.pdf").status_code == 404
    assert IncidentLog.objects.filter(action="sitrep").count() == 0


def test_live_part_and_map(world: World, client_for: Any) -> None:
    incident = _scene(world)
    CallUp.objects.create(
        incident=incident,
        area=world.tree.community1,
        title="转移群众",
        count=5,
        lon=120.05,
        lat=30.05,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=4),
        state="open",
        created_by=world.street,
    )
    client = client_for(world.street)
    body = client.get(f"/response/command/{incident.pk}/live/").content.decode()
    assert 'hx-trigger="every 30s"' in body
    assert 'data-open="3"' in body
    assert "瓶装水" in body
    page = client.get(f"/response/command/{incident.pk}/")
    config = page.context["map_config"]["data"]
    world.tree.community1.refresh_from_db()
    assert config["boundary"] == world.tree.community1.boundary
    assert [(p["layer"], p["name"]) for p in config["points"]] == [
        ("depot", "街道应急仓库"),
        ("shelter", "东湖小学体育馆"),
        ("volunteers", "转移群众"),
    ]
    assert config["points"][-1]["capacity"] == "0/5"
