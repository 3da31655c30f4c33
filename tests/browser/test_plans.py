"""The plan editor in a real browser: add a task template whose owner is picked from the
responsibility list (htmx swaps the section in place), then preview what activation at level II
gives — the new task with its owner among them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.response.plans.models import TaskTemplate
from tests.factories import TEST_PASSWORD, Tree
from tests.response.plans.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_editor_journey(
    page: Any, live_server: Any, tree: Tree, community_admin: User
) -> None:
    world = World(tree)
    base = live_server.url
    editor = f"{base}/response/plans/{world.plan.pk}/"
    page.goto(editor)
    page.fill("input[name=username]", community_admin.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(editor)

    form = page.locator("#add-tasks")
    form.locator("input[name=task-title]").fill("开放应急避难场所")
    form.locator("select[name=task-owner]").select_option(f"duty:{world.respond.pk}")
    form.locator("input[name=task-due_offset_minutes]").fill("45")
    form.locator("button[type=submit]").click()
    task_row = page.locator("#sec-tasks [data-row]").filter(has_text="开放应急避难场所")
    expect(task_row).to_have_count(1)
    expect(task_row.locator("[data-owner]")).to_contain_text("街道应急办")
    assert page.url == editor  # swapped in place, no reload
    task = TaskTemplate.objects.get(title="开放应急避难场所")
    assert (task.duty_id, task.due_offset_minutes) == (world.respond.pk, 45)

    page.select_option("#preview-level", "2")
    page.click("#preview-go")
    rows = page.locator("#preview-tasks tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(1)).to_contain_text("开放应急避难场所")
    expect(rows.nth(1)).to_contain_text("街道应急办")
    expect(rows.nth(1)).to_contain_text("+0:45")
    expect(page.locator("#preview-roles")).to_contain_text("医疗救护组")
