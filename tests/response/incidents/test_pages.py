"""Incident pages: the list, the open form prefilled from an alert or a case, the buttons on the
alert and case pages, and the command post's actions posted from the dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.response.incidents import activate, services
from resigrid.response.incidents.models import Incident, IncidentLog, IncidentTask
from tests.response.incidents.conftest import World, make_case, published_alert

pytestmark = pytest.mark.django_db


def test_list_shows_open_incidents_first(world: World, client_for: Any) -> None:
    old = services.open_incident(actor=world.street, title="旧事件", area=world.tree.community1)
    Incident.objects.filter(pk=old.pk).update(state="closed")
    new = services.open_incident(actor=world.street, title="新事件", area=world.tree.community2)
    client = client_for(world.street)
    body = client.get("/response/incidents/").content.decode()
    assert body.index(f'data-incident="{new.pk}"') < body.index(f'data-incident="{old.pk}"')
    assert 'id="incident-new"' in body


def test_list_without_command_right_has_no_open_button(world: World, client_for: Any) -> None:
    body = client_for(world.worker).get("/response/incidents/").content.decode()
    assert 'id="incident-new"' not in body
    assert client_for(world.worker).get("/response/incidents/open/").status_code == 403


def test_alert_page_offers_the_button_to_commanders_only(world: World, client_for: Any) -> None:
    alert = published_alert(world.tree)
    body = client_for(world.street).get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/response/incidents/open/?alert={alert.pk}"' in body
    incident = services.open_incident(actor=world.street, alert_id=alert.pk)
    body = client_for(world.street).get(f"/alerts/{alert.pk}/").content.decode()
    assert 'id="open-incident"' not in body
    assert f'href="/response/command/{incident.pk}/"' in body


def test_open_form_prefilled_from_the_alert_and_posted(world: World, client_for: Any) -> None:
    alert = published_alert(world.tree, level="orange")
    client = client_for(world.street)
    body = client.get(f"/response/incidents/open/?alert={alert.pk}").content.decode()
    assert 'value="和平街道暴雨红色预警"' in body
    assert '<option value="2" selected>' in body
    assert f'<option value="{world.tree.street.pk}" selected>' in body
    assert '<option value="natural" selected>' in body
    response = client.post(
        "/response/incidents/open/",
        {
            "alert": alert.pk,
            "title": "和平街道暴雨内涝",
            "hazard_class": "natural",
            "hazard_subtype": "暴雨",
            "level": "2",
            "area": world.tree.street.pk,
            "description": "",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/response/command/{incident.pk}/"
    assert (incident.source_alert_id, incident.title, incident.level) == (
        alert.pk,
        "和平街道暴雨内涝",
        "2",
    )
    # Again: the form names the open one and refuses.
    body = client.get(f"/response/incidents/open/?alert={alert.pk}").content.decode()
    assert 'id="already-open"' in body
    response = client.post(
        "/response/incidents/open/",
        {
            "alert": alert.pk,
            "title": "重复",
            "hazard_class": "natural",
            "level": "2",
            "area": world.tree.street.pk,
        },
    )
    assert response.status_code == 200
    assert "An incident is already open for this alert" in response.content.decode()
    assert Incident.objects.count() == 1


def test_open_form_from_a_case(world: World, client_for: Any) -> None:
    case = make_case(world.tree)
    client = client_for(world.secretary)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/response/incidents/open/?case={case.pk}"' in body
    body = client.get(f"/response/incidents/open/?case={case.pk}").content.decode()
    assert 'value="地下车库进水"' in body
    assert f'<option value="{world.tree.community1.pk}" selected>' in body
    assert client.get("/response/incidents/open/?case=abc").status_code == 404
    assert client.get("/response/incidents/open/?alert=999999").status_code == 404


def test_open_form_outside_scope_shows_the_error(world: World, client_for: Any) -> None:
    response = client_for(world.secretary).post(
        "/response/incidents/open/",
        {
            "title": "火情",
            "hazard_class": "accident",
            "level": "3",
            "area": world.tree.community2.pk,
        },
    )
    assert response.status_code == 200  # community 2 is not a choice for the secretary
    assert Incident.objects.count() == 0


def test_dashboard_actions(world: World, client_for: Any) -> None:
    incident = services.open_incident(actor=world.street, alert_id=published_alert(world.tree).pk)
    client = client_for(world.street)
    url = f"/response/command/{incident.pk}/"
    body = client.get(url).content.decode()
    assert 'id="activate-submit"' in body
    response = client.post(
        f"/response/incidents/{incident.pk}/activate/", {"plan": world.plan.pk, "level": "2"}
    )
    assert (response.status_code, response["Location"]) == (302, url)
    assert IncidentTask.objects.filter(incident=incident).count() == 3
    task = IncidentTask.objects.order_by("pk").first()
    assert task is not None
    client.post(f"/response/incidents/tasks/{task.pk}/assign/", {"person": world.worker.pk})
    client.post(f"/response/incidents/tasks/{task.pk}/complete/", {"text": "已巡查"})
    task.refresh_from_db()
    assert (task.state, task.outcome, task.assignee_id) == ("done", "已巡查", world.worker.pk)
    client.post(f"/response/incidents/{incident.pk}/decide/", {"what": "启用避难所", "why": "内涝"})
    client.post(f"/response/incidents/{incident.pk}/transition/", {"action": "stabilise"})
    client.post(f"/response/incidents/{incident.pk}/tasks/add/", {"title": "加固堤坝"})
    incident.refresh_from_db()
    assert incident.state == "stabilised"
    actions = list(IncidentLog.objects.filter(incident=incident).values_list("action", flat=True))
    assert actions[-5:] == ["task_assigned", "task_done", "decision", "stabilise", "task_created"]
    # A move the state machine refuses comes back as a message.
    response = client.post(
        f"/response/incidents/{incident.pk}/transition/", {"action": "close"}, follow=True
    )
    assert "cannot do" in response.content.decode()
    body = client.get(url).content.decode()
    for part in ('id="roster"', 'data-role="chief"', 'id="command-map"', 'id="sweep-grids"'):
        assert part in body
    assert "启用避难所" in body


def test_dashboard_for_viewers_has_no_forms(
    world: World, client_for: Any, department: User
) -> None:
    incident = services.open_incident(actor=world.street, alert_id=published_alert(world.tree).pk)
    activate.activate_plan(
        actor=world.street, incident_id=incident.pk, plan_id=world.plan.pk, level="2"
    )
    client = client_for(department)
    body = client.get(f"/response/command/{incident.pk}/").content.decode()
    assert 'id="incident-title"' in body
    assert 'id="activate-submit"' not in body
    assert 'id="decision-form"' not in body
    task = IncidentTask.objects.first()
    assert task is not None
    response = client.post(f"/response/incidents/tasks/{task.pk}/complete/", {"text": "x"})
    assert response.status_code == 403
    assert client_for(world.worker).get(f"/response/command/{incident.pk}/").status_code == 404
