"""The call-ups API: the coordinator's and the volunteer's journeys, scope, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.models import User
from resigrid.response.callups.models import CallUp
from tests.factories import Tree
from tests.response.callups.conftest import END, START, TZ, Crew, make_callup, user_of

pytestmark = pytest.mark.django_db
URL = "/api/response/callups/"


def body(tree: Tree, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "area_id": tree.grid11.pk,
        "title": "防汛沙袋搬运",
        "count": 2,
        "lon": 120.05,
        "lat": 30.05,
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        "skills": ["rescue"],
    }
    data.update(over)
    return data


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_journey(crew: Crew, community_admin: User) -> None:
    boss = as_user(community_admin)
    r = boss.post(URL, body(crew.tree), content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["state"] == "open"
    jia = as_user(user_of(crew.jia))
    needs = jia.get(URL + "open").json()
    assert [(n["callup"]["id"], n["signed_up"], n["distance_m"] > 900) for n in needs] == [
        (pk, False, True)
    ]
    assert jia.post(f"{URL}{pk}/signup").status_code == 201
    assert jia.post(f"{URL}{pk}/signup").status_code == 409
    r = boss.post(f"{URL}{pk}/propose", {"include_area": False}, content_type="application/json")
    assert r.status_code == 200
    got = r.json()
    assert (got["filled"], got["unfilled"], got["signed_up"]) == (1, 1, 1)
    assert got["assignments"][0]["explanation"]["skills"] == ["rescue"]
    r = boss.post(f"{URL}{pk}/confirm", {}, content_type="application/json")
    assert [a["state"] for a in r.json()] == ["confirmed"]
    (task,) = jia.get(URL + "mine").json()
    assert task["callup"]["id"] == pk
    with time_machine.travel(dt.datetime(2026, 7, 4, 13, 0, tzinfo=TZ), tick=False):
        jia = as_user(user_of(crew.jia))  # a fresh session three days later
        r = jia.post(
            f"{URL}assignments/{task['id']}/report",
            {"report": "完成", "hours": "x"},
            content_type="application/json",
        )
        assert r.status_code == 422
        assert r.json()["detail"] == [
            {
                "loc": ["body", "hours"],
                "msg": "Give the hours as a number, e.g. 2.5.",
                "type": "value_error",
            }
        ]
        r = jia.post(
            f"{URL}assignments/{task['id']}/report",
            {"report": "完成", "hours": 3},
            content_type="application/json",
        )
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["hours"], r.json()["points"]) == ("reported", 3.0, 30)
    assert boss.get(f"{URL}{pk}").json()["n_reported"] == 1


def test_errors_and_scope(crew: Crew, community_admin: User, street_admin: User) -> None:
    boss = as_user(community_admin)
    r = boss.post(URL, body(crew.tree, count=0, skills=["x"]), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "skills.0"]
    assert r.json()["detail"][0]["msg"] == "Unknown skill: x."
    r = boss.post(
        URL, body(crew.tree, area_id=crew.tree.grid21.pk), content_type="application/json"
    )
    assert r.status_code == 404
    other = make_callup(street_admin, crew.tree, area=crew.tree.grid21)
    assert boss.get(f"{URL}{other.pk}").status_code == 404
    assert [c["id"] for c in as_user(street_admin).get(URL).json()] == [other.pk]
    # Not a volunteer: 403 on the volunteer's endpoints.
    assert boss.get(URL + "open").status_code == 403
    assert boss.post(f"{URL}{other.pk}/signup").status_code == 403
    # A volunteer is no coordinator.
    mine = make_callup(community_admin, crew.tree)
    jia = as_user(user_of(crew.jia))
    assert (
        jia.post(f"{URL}{mine.pk}/propose", {}, content_type="application/json").status_code == 404
    )
    assert CallUp.objects.count() == 2


def test_link_account_and_translated_errors(
    tree: Tree, community_admin: User, grid_worker: User, outsider: User
) -> None:
    from resigrid.response.callups.models import VolunteerAccount
    from tests.response.callups.conftest import make_volunteer

    v = make_volunteer(tree, "丁", 120.05, 30.05, ["rescue"], login=False)
    far = make_volunteer(tree, "戊", 120.25, 30.05, ["rescue"], grid=tree.grid21, login=False)
    boss = as_user(community_admin)
    r = boss.post(
        URL + "accounts",
        {"volunteer_id": v.pk, "username": "nobody"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "username"])
    r = boss.post(
        URL + "accounts",
        {"volunteer_id": far.pk, "username": "outsider"},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = boss.post(
        URL + "accounts",
        {"volunteer_id": v.pk, "username": "outsider"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["username"]) == (201, "outsider")
    assert VolunteerAccount.objects.get().user == outsider
    r = boss.post(
        URL + "accounts",
        {"volunteer_id": v.pk, "username": "gridworker"},
        content_type="application/json",
    )
    assert r.json()["detail"][0]["msg"] == "This volunteer already has an account."
    # The messages come back in the caller's language.
    r = boss.post(
        URL,
        body(tree, skills=["x"]),
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    assert r.json()["detail"][0]["msg"] == "未知的技能：x。"
