"""Plan pages: the list by hazard class, the editor with its htmx rows (add, edit, delete, errors
in place), the preview of an activation (with the owner problem), revise; 404 outside the
scope, 403 without MANAGE_PLANS."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.response.plans.models import Plan, TaskTemplate
from tests.response.plans.conftest import World

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_list(
    world: World, client_for: Any, planner: User, department: User, outsider: User
) -> None:
    html = client_for(planner).get("/response/plans/").content.decode()
    assert f'data-plan="{world.plan.pk}"' in html and "Natural disaster" in html
    assert 'id="plan-new"' in html and "you may edit" in html
    html = client_for(department).get("/response/plans/").content.decode()
    assert f'data-plan="{world.plan.pk}"' in html and 'id="plan-new"' not in html
    html = client_for(planner).get("/response/plans/?hazard_class=public_health").content.decode()
    assert "No plans match." in html
    assert "data-plan" not in client_for(outsider).get("/response/plans/").content.decode()


def test_create_page(world: World, client_for: Any, planner: User, department: User) -> None:
    client = client_for(planner)
    html = client.get("/response/plans/new/").content.decode()
    assert world.tree.community1.code in html and world.tree.community2.code not in html
    r = client.post(
        "/response/plans/new/",
        {"title": "防汛应急预案", "hazard_class": "natural", "area": world.tree.community1.code},
    )
    assert r.status_code == 422 and "already has an active plan" in r.content.decode()
    r = client.post(
        "/response/plans/new/",
        {"title": "防台风", "hazard_class": "natural", "area": world.tree.community1.code},
    )
    plan = Plan.objects.get(title="防台风")
    assert r.status_code == 302 and r["Location"] == f"/response/plans/{plan.pk}/"
    assert client_for(department).get("/response/plans/new/").status_code == 403


def test_editor_and_rows(world: World, client_for: Any, planner: User) -> None:
    client, pk = client_for(planner), world.plan.pk
    html = client.get(f"/response/plans/{pk}/").content.decode()
    for kind in ("levels", "roles", "tasks", "needs", "bulletins"):
        assert f'id="sec-{kind}"' in html and f'id="add-{kind}"' in html
    assert "(responsibility list, 和平街道)" in html and 'id="owner-warning"' not in html
    assert (
        f'value="duty:{world.respond.pk}"' in html and f'value="unit:{world.property1.pk}"' in html
    )
    # Add a task with an owner from the responsibility list (htmx answers the section).
    data = {
        "task-title": "开放避难场所",
        "task-phase": "respond",
        "task-owner": f"duty:{world.respond.pk}",
        "task-due_offset_minutes": "90",
    }
    r = client.post(f"/response/plans/{pk}/tasks/add/", data, **HX)
    html = r.content.decode()
    task = TaskTemplate.objects.get(title="开放避难场所")
    assert r.status_code == 200 and html.startswith('<section class="card mb-3" id="sec-tasks">')
    assert (task.duty, task.owner_unit, task.due_offset_minutes) == (world.respond, None, 90)
    assert f'data-row="{task.pk}"' in html and "(duty set on 和平街道)" in html
    # A bad row comes back in the add form with the error, nothing written.
    r = client.post(
        f"/response/plans/{pk}/tasks/add/", data | {"task-due_offset_minutes": "-1"}, **HX
    )
    assert 'data-error="due_offset_minutes"' in r.content.decode()
    assert TaskTemplate.objects.filter(plan=world.plan).count() == 5
    # Without htmx the same error gets the whole editor with a 422.
    r = client.post(f"/response/plans/{pk}/tasks/add/", data | {"task-title": ""})
    assert r.status_code == 422 and 'id="sec-levels"' in r.content.decode()
    # Inline edit: the row becomes its form; saving returns the section.
    html = client.get(f"/response/plans/{pk}/tasks/{task.pk}/edit/", **HX).content.decode()
    assert 'class="edit-form"' in html and f'value="duty:{world.respond.pk}" selected' in html
    edit = data | {"task-owner": f"unit:{world.property1.pk}"}
    client.post(f"/response/plans/{pk}/tasks/{task.pk}/edit/", edit, **HX)
    task.refresh_from_db()
    assert (task.duty, task.owner_unit) == (None, world.property1)
    r = client.post(f"/response/plans/{pk}/tasks/{task.pk}/delete/", **HX)
    assert f'data-row="{task.pk}"' not in r.content.decode()
    assert not TaskTemplate.objects.filter(pk=task.pk).exists()
    # Other sections: a duplicate level, a need with factors, a bulletin.
    r = client.post(
        f"/response/plans/{pk}/levels/add/", {"level-level": "2", "level-criteria": "x"}, **HX
    )
    assert "The plan already defines this level." in r.content.decode()
    r = client.post(
        f"/response/plans/{pk}/needs/{world.plan.needs.get(item=world.tent).pk}/edit/",
        {"need-item": world.tent.pk, "need-per_thousand": "30", "need-factor_1": "2"},
        **HX,
    )
    assert "I × 2" in r.content.decode()
    r = client.post(
        f"/response/plans/{pk}/bulletins/add/",
        {"bulletin-title": "通知", "bulletin-body": "{area}{oops}"},
        **HX,
    )
    assert "Unknown placeholder {oops}" in r.content.decode()
    r = client.post(f"/response/plans/{pk}/tasks/add/", data)
    assert r.status_code == 302 and r["Location"] == f"/response/plans/{pk}/#sec-tasks"


def test_preview(world: World, client_for: Any, planner: User) -> None:
    client, pk = client_for(planner), world.plan.pk
    html = client.get(f"/response/plans/{pk}/preview/?level=2", **HX).content.decode()
    assert html.startswith('<div id="preview-body" data-level="2">')
    assert (
        "<td>巡查易涝点</td><td>街道应急办</td>" in html
        and '<td class="font-monospace">+24:00</td>' in html
    )
    assert "瓶装水: 4500 L" in html and "医疗救护组" in html and "值守组" not in html
    html = client.get(f"/response/plans/{pk}/preview/?level=1").content.decode()
    assert 'id="preview-problem"' in html and "does not define" in html
    world.respond.active = False
    world.respond.save()
    html = client.get(f"/response/plans/{pk}/preview/?level=2", **HX).content.decode()
    assert 'id="preview-problem"' in html and "巡查易涝点" in html
    html = client.get(f"/response/plans/{pk}/").content.decode()
    assert 'id="owner-warning"' in html and "data-no-owner" in html


def test_scope_and_rights(
    world: World, client_for: Any, other_planner: User, department: User
) -> None:
    pk, row = world.plan.pk, world.t_patrol.pk
    client = client_for(other_planner)
    for url in (
        f"/response/plans/{pk}/",
        f"/response/plans/{pk}/preview/?level=2",
        f"/response/plans/{pk}/tasks/{row}/edit/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/response/plans/{pk}/tasks/{row}/delete/").status_code == 404
    client = client_for(department)
    html = client.get(f"/response/plans/{pk}/").content.decode()
    assert "add-tasks" not in html and "plan-revise" not in html
    assert client.get(f"/response/plans/{pk}/tasks/{row}/edit/").status_code == 403
    assert client.post(f"/response/plans/{pk}/tasks/{row}/delete/").status_code == 403
    assert client.post(f"/response/plans/{pk}/tasks/add/", {"task-title": "x"}).status_code == 403
    assert client.post(f"/response/plans/{pk}/revise/").status_code == 403
    assert client.get(f"/response/plans/{pk}/widgets/").status_code == 404
    assert TaskTemplate.objects.filter(pk=row).exists()


def test_revise_page(world: World, client_for: Any, planner: User) -> None:
    client = client_for(planner)
    r = client.post(f"/response/plans/{world.plan.pk}/revise/")
    new = Plan.objects.get(version=2)
    assert r["Location"] == f"/response/plans/{new.pk}/"
    html = client.get(f"/response/plans/{world.plan.pk}/").content.decode()
    assert "This is an earlier version" in html and "add-tasks" not in html
    assert f'<a href="/response/plans/{new.pk}/">v2</a>' in html


def test_update_plan_header(world: World, client_for: Any, planner: User, department: User) -> None:
    client, pk = client_for(planner), world.plan.pk
    assert 'id="plan-details"' in client.get(f"/response/plans/{pk}/").content.decode()
    r = client.post(f"/response/plans/{pk}/update/", {"title": " ", "summary": "x"})
    assert r.status_code == 422 and 'data-error="title"' in r.content.decode()
    r = client.post(f"/response/plans/{pk}/update/", {"title": "防汛预案", "summary": "暴雨内涝"})
    assert r.status_code == 302
    world.plan.refresh_from_db()
    assert (world.plan.title, world.plan.summary) == ("防汛预案", "暴雨内涝")
    assert (
        client_for(department).post(f"/response/plans/{pk}/update/", {"title": "x"}).status_code
        == 403
    )
