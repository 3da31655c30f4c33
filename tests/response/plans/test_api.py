"""The plans API: scope (404 outside, 403 without MANAGE_PLANS), 422 naming the field with
nothing written, the activation preview (422 naming a task without owner), revision."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from resigrid.accounts.models import User
from resigrid.response.plans.models import Plan, TaskTemplate
from tests.response.plans.conftest import World

pytestmark = pytest.mark.django_db
API = "/api/response/plans"


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def error(r: Any) -> tuple[int, str, str]:
    detail = r.json()["detail"]
    return r.status_code, detail[0]["loc"][-1], detail[0]["msg"]


def test_list_and_detail(world: World, client_for: Any, planner: User, street_admin: User) -> None:
    r = client_for(planner).get(f"{API}/")
    assert r.status_code == 200
    [row] = r.json()
    assert (row["id"], row["levels"], row["can_edit"], row["in_use"]) == (
        world.plan.pk,
        ["2", "4"],
        True,
        False,
    )
    body = client_for(planner).get(f"{API}/{world.plan.pk}").json()
    assert [t["title"] for t in body["tasks"]] == [
        "巡查易涝点",
        "转移低洼住户",
        "发放沙袋",
        "清淤消杀",
    ]
    patrol = body["tasks"][0]
    assert (patrol["owner"], patrol["owner_source"]) == (
        {"id": world.office.pk, "name": "街道应急办"},
        "list",
    )
    assert body["needs"][1]["level_factors"] == {"2": "1.5"}
    assert client_for(street_admin).get(f"{API}/?hazard_class=public_health").json() == []


def test_scope(
    world: World, client_for: Any, other_planner: User, outsider: User, department: User
) -> None:
    pk = world.plan.pk
    for user in (other_planner, outsider):
        client = client_for(user)
        assert client.get(f"{API}/").json() == []
        assert client.get(f"{API}/{pk}").status_code == 404
        assert (
            send(client, "post", f"{API}/{pk}/levels", {"level": "1", "criteria": "x"}).status_code
            == 404
        )
        assert client.delete(f"{API}/{pk}/tasks/{world.t_patrol.pk}").status_code == 404
    client = client_for(department)  # sees the plan, may not write it
    assert client.get(f"{API}/{pk}").json()["can_edit"] is False
    r = send(client, "post", f"{API}/{pk}/levels", {"level": "1", "criteria": "x"})
    assert r.status_code == 403
    assert client.delete(f"{API}/{pk}/tasks/{world.t_patrol.pk}").status_code == 403
    assert send(client, "post", f"{API}/{pk}/revise").status_code == 403
    r = send(
        client,
        "post",
        f"{API}/",
        {"title": "x", "hazard_class": "natural", "area_code": world.tree.grid11.code},
    )
    assert r.status_code == 403
    assert (world.plan.levels.count(), Plan.objects.count(), TaskTemplate.objects.count()) == (
        2,
        1,
        4,
    )


def test_write_parts(world: World, client_for: Any, planner: User) -> None:
    client, pk = client_for(planner), world.plan.pk
    r = send(
        client,
        "post",
        f"{API}/{pk}/tasks",
        {
            "title": "开放避难场所",
            "due_offset_minutes": 90,
            "duty_id": world.respond.pk,
            "level": "2",
        },
    )
    assert r.status_code == 201, r.content
    task = r.json()
    assert (task["owner"]["name"], task["owner_source"], task["duty_id"]) == (
        "街道应急办",
        "duty",
        world.respond.pk,
    )
    r = send(
        client, "patch", f"{API}/{pk}/tasks/{task['id']}", {"owner_unit_id": world.property1.pk}
    )
    assert (r.json()["owner"]["name"], r.json()["owner_source"], r.json()["duty_id"]) == (
        "东湖物业",
        "unit",
        None,
    )
    assert error(
        send(client, "post", f"{API}/{pk}/tasks", {"title": "x", "due_offset_minutes": -1})
    ) == (
        422,
        "due_offset_minutes",
        "Enter a number from 0 to 43200.",
    )
    assert error(send(client, "post", f"{API}/{pk}/levels", {"level": "2", "criteria": "x"}))[
        :2
    ] == (422, "level")
    assert error(
        send(client, "post", f"{API}/{pk}/needs", {"item_id": world.water.pk, "per_thousand": "5"})
    )[:2] == (
        422,
        "item",
    )
    r = send(
        client,
        "patch",
        f"{API}/{pk}/needs/{world.plan.needs.get(item=world.tent).pk}",
        {"per_thousand": "0"},
    )
    assert error(r)[:2] == (422, "per_thousand")
    r = send(client, "post", f"{API}/{pk}/bulletins", {"title": "x", "body": "{who}"})
    assert error(r) == (
        422,
        "body",
        "Unknown placeholder {who}: only {area}, {level} and {time} are filled in.",
    )
    r = send(
        client,
        "post",
        f"{API}/{pk}/roles",
        {"code": "logistics", "name": "后勤组", "unit_id": world.office.pk},
    )
    assert r.status_code == 201 and r.json()["unit"]["name"] == "街道应急办"
    assert client.delete(f"{API}/{pk}/roles/{r.json()['id']}").status_code == 204
    assert client.delete(f"{API}/{pk}/roles/{r.json()['id']}").status_code == 404
    assert client.delete(f"{API}/{pk}/widgets/1").status_code == 404
    # A row of another plan is not found through this one.
    other = Plan.objects.create(title="别的", hazard_class="natural", area=world.tree.community1)
    assert (
        send(
            client, "patch", f"{API}/{other.pk}/tasks/{world.t_patrol.pk}", {"title": "x"}
        ).status_code
        == 404
    )


def test_activation(world: World, client_for: Any, planner: User) -> None:
    client, pk = client_for(planner), world.plan.pk
    body = client.get(f"{API}/{pk}/activation?level=2").json()
    assert body["criteria"] == "橙色暴雨预警"
    assert [(t["title"], t["owner"]["name"], t["due_offset_minutes"]) for t in body["tasks"]] == [
        ("巡查易涝点", "街道应急办", 30),
        ("转移低洼住户", "街道应急办", 60),
        ("发放沙袋", "东湖物业", 90),
        ("清淤消杀", "东湖物业", 1440),
    ]
    assert [(n["item"]["name"], n["per_thousand"]) for n in body["needs"]] == [
        ("帐篷", "20.00"),
        ("瓶装水", "4500.00"),
    ]
    assert error(client.get(f"{API}/{pk}/activation?level=1"))[:2] == (422, "level")
    world.respond.active = False
    world.respond.save()
    code, field, msg = error(client.get(f"{API}/{pk}/activation?level=4"))
    assert (code, field) == (422, "tasks") and "巡查易涝点" in msg


def test_create_patch_and_revise(world: World, client_for: Any, planner: User) -> None:
    client = client_for(planner)
    r = send(
        client,
        "post",
        f"{API}/",
        {"title": "防台风预案", "hazard_class": "natural", "area_code": world.tree.community1.code},
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    r = send(
        client,
        "post",
        f"{API}/",
        {"title": "x", "hazard_class": "natural", "area_code": world.tree.community2.code},
    )
    assert error(r)[:2] == (422, "area_code")  # not in the caller's scope
    r = send(
        client, "post", f"{API}/", {"title": "x", "hazard_class": "natural", "area_code": "999"}
    )
    assert error(r)[:2] == (422, "area_code")
    pk = world.plan.pk
    r = send(client, "patch", f"{API}/{pk}", {"summary": "新摘要"})
    assert r.json()["summary"] == "新摘要"
    r = send(client, "post", f"{API}/{pk}/revise")
    assert r.status_code == 201
    new = r.json()
    assert (new["version"], new["revised_from_id"], len(new["tasks"])) == (2, pk, 4)
    r = send(client, "post", f"{API}/{pk}/levels", {"level": "1", "criteria": "x"})
    assert (r.status_code, r.json()["state"]) == (409, "inactive")
    ids = [p["id"] for p in client.get(f"{API}/").json()]
    assert new["id"] in ids and pk not in ids
    assert len(client.get(f"{API}/?include_inactive=true").json()) == 3
    r = send(client, "patch", f"{API}/{new['id']}", {"active": False})
    assert r.json()["active"] is False
