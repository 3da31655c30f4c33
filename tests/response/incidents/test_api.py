"""The incidents API: scoped lists and details, open, activate, transition, tasks, decisions."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
from tests.response.incidents.conftest import World, published_alert

pytestmark = pytest.mark.django_db
API = "/api/response/incidents/"


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_open_activate_and_run_an_incident(world: World, client_for: Any) -> None:
    client = client_for(world.street)
    alert = published_alert(world.tree, level="orange")
    response = _post(client, API, {"alert_id": alert.pk})
    assert response.status_code == 201
    body = response.json()
    pk = body["id"]
    assert (
        body["title"],
        body["level"],
        body["area_id"],
        body["state"],
        body["source_alert_id"],
    ) == (
        "和平街道暴雨红色预警",
        "2",
        world.tree.street.pk,
        "active",
        alert.pk,
    )
    again = _post(client, API, {"alert_id": alert.pk})
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"An incident is already open for this alert: “和平街道暴雨红色预警” (no. {pk})."
    )
    response = _post(client, f"{API}{pk}/activate", {"plan_id": world.plan.pk, "level": "2"})
    assert response.status_code == 200
    body = response.json()
    assert [m["role_code"] for m in body["roster"]] == ["chief", "rescue", "medical"]
    assert [t["title"] for t in body["tasks"]] == ["巡查易涝点", "转移低洼住户", "发放沙袋"]
    assert (
        _post(client, f"{API}{pk}/activate", {"plan_id": world.plan.pk, "level": "2"}).status_code
        == 409
    )
    assert (
        _post(client, f"{API}{pk}/activate", {"plan_id": world.plan.pk, "level": "1"}).status_code
        == 422
    )
    tasks = client.get(f"{API}{pk}/tasks").json()
    assert len(tasks) == 3
    task_id = tasks[0]["id"]
    r = _post(client, f"{API}tasks/{task_id}/assign", {"assignee_id": world.worker.pk})
    assert (r.status_code, r.json()["assignee_id"]) == (200, world.worker.pk)
    r = _post(client, f"{API}tasks/{task_id}/complete", {"text": "已巡查"})
    assert (r.status_code, r.json()["state"], r.json()["outcome"]) == (200, "done", "已巡查")
    assert _post(client, f"{API}tasks/{task_id}/complete", {"text": "again"}).status_code == 409
    r = _post(client, f"{API}tasks/{tasks[1]['id']}/cancel", {"text": ""})
    assert r.status_code == 422
    r = _post(client, f"{API}{pk}/tasks", {"title": "加固堤坝", "area_id": world.tree.grid11.pk})
    assert (r.status_code, r.json()["origin"]) == (201, "command")
    r = _post(client, f"{API}{pk}/decisions", {"what": "启用避难所", "why": "内涝"})
    assert (r.status_code, r.json()["note"], r.json()["data"]) == (
        201,
        "启用避难所",
        {"why": "内涝"},
    )
    r = _post(client, f"{API}{pk}/transition", {"action": "close"})
    assert (r.status_code, r.json()["state"]) == (409, "active")
    r = _post(client, f"{API}{pk}/transition", {"action": "stabilise", "note": "雨停"})
    assert (r.status_code, r.json()["state"]) == (200, "stabilised")
    seat = body["roster"][0]["id"]
    r = _post(client, f"{API}seats/{seat}/assign", {"person_id": world.street.pk})
    assert r.status_code == 200
    assert r.json()["roster"][0]["person_id"] == world.street.pk
    log = client.get(f"{API}{pk}/log").json()
    assert [e["action"] for e in log][-4:] == [
        "task_created",
        "decision",
        "stabilise",
        "seat_assigned",
    ]
    assert client.get(f"{API}{pk}").json()["state"] == "stabilised"


def test_open_by_hand_and_scope(world: World, client_for: Any, department: User) -> None:
    client = client_for(world.secretary)
    r = _post(
        client,
        API,
        {
            "title": "火情",
            "hazard_class": "accident",
            "level": "3",
            "area_id": world.tree.community2.pk,
        },
    )
    assert r.status_code == 403
    assert r.json()["detail"] == "You may not open incidents in 西湖社区."
    r = _post(client, API, {"title": "积水", "level": "9", "area_id": world.tree.community1.pk})
    assert r.status_code == 422
    assert Incident.objects.count() == 0
    r = _post(client, API, {"title": "积水", "level": "4", "area_id": world.tree.community1.pk})
    assert r.status_code == 201
    pk = r.json()["id"]
    # Out of scope: 404; in view scope without command: 403.
    assert client_for(world.worker).get(f"{API}{pk}").status_code == 404
    dept = client_for(department)
    assert dept.get(f"{API}{pk}").status_code == 200
    assert [i["id"] for i in dept.get(API).json()] == [pk]
    assert _post(dept, f"{API}{pk}/decisions", {"what": "越权"}).status_code == 403
    assert IncidentLog.objects.filter(action="decision").count() == 0
    assert IncidentTask.objects.count() == 0


def test_list_puts_open_incidents_first(world: World, client_for: Any) -> None:
    client = client_for(world.street)
    first = _post(client, API, {"title": "旧", "level": "4", "area_id": world.tree.community1.pk})
    Incident.objects.filter(pk=first.json()["id"]).update(state="closed")
    second = _post(client, API, {"title": "新", "level": "4", "area_id": world.tree.community2.pk})
    assert [i["title"] for i in client.get(API).json()] == ["新", "旧"]
    assert [i["title"] for i in client.get(f"{API}?state=closed").json()] == ["旧"]
    assert second.status_code == 201
