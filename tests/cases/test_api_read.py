"""Reading cases: scopes, filters, queues, the two views of one case, tracking by code."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from resigrid.cases import coordination, services
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import CASES, T0, Z0, client_of, move_to

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def three(casebook: Casebook, resident, community_staff, street_admin):
    """The resident's case in grid 11, a patrol case in grid 12, a street case in grid 21."""
    with time_machine.travel(T0, tick=False):
        mine = report(resident)
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        patrol = report(community_staff, source="patrol", category="02.01", lon=120.15)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        far = report(street_admin, source="inspection", lon=120.25)
    return mine, patrol, far


def test_scopes(three, resident, grid_worker, community_admin, street_admin, outsider, client_for):
    mine, patrol, far = three
    assert numbers(client_for(outsider).get(CASES)) == []
    assert numbers(client_for(resident).get(CASES)) == [mine.number]
    assert numbers(client_for(grid_worker).get(CASES)) == [mine.number]  # grid 11 only
    assert numbers(client_for(community_admin).get(CASES)) == [patrol.number, mine.number]
    assert numbers(client_for(street_admin).get(CASES)) == [far.number, patrol.number, mine.number]


def test_the_unit_sees_what_is_dispatched_to_it(
    three, community_admin, department, grid_worker, client_for
):
    mine, patrol, _far = three
    assert numbers(client_for(department).get(CASES)) == []
    move_to(mine, "dispatched", manager=community_admin, unit=department, verifier=grid_worker)
    assert numbers(client_for(department).get(CASES)) == [mine.number]
    assert client_for(department).get(f"{CASES}{patrol.pk}").status_code == 404


def test_anonymous_is_401(three) -> None:
    mine, *_ = three
    assert Client().get(CASES).status_code == 401
    assert Client().get(f"{CASES}{mine.pk}").status_code == 401


def test_outsiders_and_other_residents_get_404(three, outsider, client_for) -> None:
    from tests.factories import UserFactory

    mine, patrol, _far = three
    assert client_for(outsider).get(f"{CASES}{mine.pk}").json() == {"detail": "No such case."}
    neighbour = UserFactory(username="neighbour")
    assert client_for(neighbour).get(f"{CASES}{mine.pk}").status_code == 404
    assert client_for(outsider).get(f"{CASES}{patrol.pk}").status_code == 404


def test_the_reporter_sees_the_public_view_only(
    three, resident, community_admin, department, grid_worker, client_for
):
    mine, *_ = three
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        services.accept(actor=community_admin, case_id=mine.pk, register=True, note="马上处理")
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        services.dispatch(actor=community_admin, case_id=mine.pk)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        coordination.whistle(
            actor=community_admin, case_id=mine.pk, unit_id=casebook_unit(mine), reason="需要协调"
        )
    body = client_for(resident).get(f"{CASES}{mine.pk}").json()
    z10, z20 = "2026-11-02T09:10:00Z", "2026-11-02T09:20:00Z"
    assert body == {
        "id": mine.pk,
        "number": mine.number,
        "state": "dispatched",
        "state_label": "Dispatched",
        "category": "01.01",
        "category_name": "暴露垃圾",
        "priority": "normal",
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运。",
        "address": "",
        "lon": 120.05,
        "lat": 30.05,
        "grid": "330106001001001",
        "grid_name": "东湖一网格",
        "reported_at": Z0,
        "lead_unit": {"id": casebook_unit(mine), "name": "城管执法队"},
        "result": "",
        "rejection_reason": "",
        "rating": "",
        "resolution": "",
        "merged_into": None,
        "photos": [],
        "view": "public",
        "rating_comment": "",
        "closed_at": None,
        # Registering and the whistle are internal: not on the reporter's timeline.
        "timeline": [
            {"at": Z0, "action": "report", "to_state": "reported", "note": ""},
            {"at": z10, "action": "accept", "to_state": "accepted", "note": "马上处理"},
            {
                "at": z20,
                "action": "dispatch",
                "to_state": "dispatched",
                "note": "Dispatched to 城管执法队.",
            },
        ],
        "can_rate": False,
        "tracking_code": mine.tracking_code,
    }
    staff = client_for(community_admin).get(f"{CASES}{mine.pk}").json()
    assert staff["view"] == "staff"
    assert [(r["action"], r["public"], r["actor"]) for r in staff["log"]] == [
        ("report", True, "居民甲"),
        ("accept", True, "书记丙"),
        ("register", False, "书记丙"),
        ("dispatch", True, "书记丙"),
        ("whistle", False, "书记丙"),
    ]
    assert [u["name"] for u in staff["support_units"]] == ["东湖物业"]
    # The community may handle a case itself (自办), so it may make the unit's moves too.
    assert staff["actions"] == ["return", "start", "handle", "merge", "request", "whistle"]
    assert staff["tracking_code"] is None
    assert [w["unit"]["name"] for w in staff["whistles"]] == ["城管执法队"]
    assert client_for(department).get(f"{CASES}{mine.pk}").json()["actions"] == [
        "return",
        "start",
        "handle",
        "request",
    ]


def casebook_unit(case) -> int:
    from resigrid.orgs.models import Unit

    return Unit.objects.get(name="城管执法队").pk


def test_filters(three, community_admin, department, grid_worker, street_admin):
    mine, patrol, far = three
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False) as clock:
        client = client_of(street_admin)
        assert numbers(client.get(CASES, {"category": "01"})) == [far.number, mine.number]
        assert numbers(client.get(CASES, {"category": "02.01"})) == [patrol.number]
        assert numbers(client.get(CASES, {"category": "0"})) == []
        community = {"grid": "330106001001000"}
        assert numbers(client.get(CASES, community)) == [patrol.number, mine.number]
        assert numbers(client.get(CASES, {"grid": "330106001002001"})) == [far.number]
        assert numbers(client.get(CASES, {"source": "patrol"})) == [patrol.number]
        assert numbers(client.get(CASES, {"mine": True})) == [far.number]
        move_to(mine, "registered", manager=community_admin, unit=department, verifier=grid_worker)
        assert numbers(client.get(CASES, {"state": "registered"})) == [mine.number]
        # Accept clocks: 60 minutes for 01, the default 240 for 02.01; the resident's case is
        # registered at 09:05, so its dispatch clock (120 minutes) runs until 11:05.
        clock.shift(dt.timedelta(minutes=60))  # 10:05: the street case (due 10:02) is late
        assert numbers(client.get(CASES, {"overdue": True})) == [far.number]
        clock.shift(dt.timedelta(minutes=175))  # 13:00
        assert numbers(client.get(CASES, {"overdue": True})) == [far.number, mine.number]
        assert numbers(client.get(CASES, {"overdue": False})) == [patrol.number]
        clock.shift(dt.timedelta(minutes=2))  # 13:02
        assert numbers(client.get(CASES, {"overdue": False})) == []


def test_bad_filters_are_422(three, street_admin, client_for) -> None:
    client = client_for(street_admin)
    for params, field, msg in [
        ({"state": "done"}, "state", "Unknown state."),
        ({"grid": "330106009009009"}, "grid", "No area has this code."),
        (
            {"queue": "mine"},
            "queue",
            "Unknown queue; use one of accept, dispatch, handle, verify, overdue, requests, "
            "whistles.",
        ),
    ]:
        response = client.get(CASES, params)
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {"loc": ["body", field], "msg": msg, "type": "value_error"}
        ]
    assert client.get(CASES, {"page": 0}).status_code == 422


def test_queues(three, resident, community_admin, department, grid_worker):
    mine, patrol, _far = three
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False) as clock:
        admin, unit = client_of(community_admin), client_of(department)
        assert numbers(admin.get(CASES, {"queue": "accept"})) == [mine.number, patrol.number]
        move_to(mine, "dispatched", manager=community_admin, unit=department, verifier=grid_worker)
        assert numbers(admin.get(CASES, {"queue": "accept"})) == [patrol.number]
        assert numbers(unit.get(CASES, {"queue": "handle"})) == [mine.number]
        services.handle(actor=department, case_id=mine.pk, result="已清运。")
        assert numbers(client_of(grid_worker).get(CASES, {"queue": "verify"})) == [mine.number]
        assert numbers(unit.get(CASES, {"queue": "verify"})) == []  # not the handler
        assert numbers(admin.get(CASES, {"queue": "overdue"})) == []
        clock.shift(dt.timedelta(hours=4))  # 13:05: the patrol case waited too long
        assert numbers(admin.get(CASES, {"queue": "overdue"})) == [patrol.number]
        coordination.whistle(
            actor=community_admin, case_id=patrol.pk, unit_id=casebook_unit(patrol), reason="协调"
        )
        assert numbers(unit.get(CASES, {"queue": "whistles"})) == [patrol.number]
        assert numbers(admin.get(CASES, {"queue": "requests"})) == []
        services.accept(actor=community_admin, case_id=patrol.pk, register=True)
        services.dispatch(
            actor=community_admin, case_id=patrol.pk, lead_unit_id=casebook_unit(patrol)
        )
        coordination.request_change(
            actor=department, case_id=patrol.pk, kind="suspend", reason="等待材料"
        )
        assert numbers(admin.get(CASES, {"queue": "requests"})) == [patrol.number]


def test_pages_of_fifty(casebook: Casebook, resident, client_for) -> None:
    with time_machine.travel(T0, tick=False):
        cases = [report(resident, title=f"第{i}件") for i in range(52)]
    client = client_for(resident)
    first = client.get(CASES).json()
    second = client.get(CASES, {"page": 2}).json()
    assert (first["count"], first["page"], first["page_size"], len(first["results"])) == (
        52,
        1,
        50,
        50,
    )
    assert [r["id"] for r in second["results"]] == [cases[1].pk, cases[0].pk]
    assert client.get(CASES, {"page": 3}).json()["results"] == []


def test_track_by_code_without_an_account(casebook: Casebook, community_admin) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(None, contact_phone="13800138000")
        services.reject(actor=community_admin, case_id=case.pk, reason="不属于本社区")
    response = Client().get(f"/api/cases/track/{case.tracking_code.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "public"
    assert (body["state"], body["rejection_reason"], body["tracking_code"]) == (
        "rejected",
        "不属于本社区",
        None,
    )
    assert [(t["action"], t["note"]) for t in body["timeline"]] == [
        ("report", ""),
        ("reject", "不属于本社区"),
    ]
    assert "contact_phone" not in body and "log" not in body
    missing = Client().get("/api/cases/track/NOSUCHCODE99")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No such case."})
