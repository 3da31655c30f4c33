"""Volunteer call-up in a real browser (issue 6): the community secretary publishes a need,
a volunteer signs up on a phone, the secretary proposes and confirms (the explanation and map
are shown), the volunteer reports back and the hours are recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.people.models import Volunteer
from resigrid.response.callups.models import AssignmentState, CallUp
from tests.factories import TEST_PASSWORD, Tree
from tests.response.callups.conftest import make_volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 860}, "locale": "zh-CN"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    made: list[Any] = []

    def open_as(base: str, user: User, *, phone: bool = False) -> Any:
        context = browser.new_context(**(PHONE if phone else DESKTOP))
        made.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{base}/")
        return page

    yield open_as
    for context in made:
        context.close()


def test_publish_sign_up_propose_confirm_report(
    live_server: Any, contexts: Any, tree: Tree, community_admin: User
) -> None:
    base = live_server.url
    volunteer = make_volunteer(tree, "甲", 120.06, 30.05, ["rescue"])
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"

    # 1. The secretary publishes a need for one rescuer, from an hour ago for three hours.
    boss = contexts(base, community_admin)
    boss.goto(f"{base}/response/callups/")
    boss.fill("#id_title", "防汛沙袋搬运")
    boss.select_option("#id_area", str(tree.grid11.pk))
    boss.check("input[name=skills][value=rescue]")
    boss.fill("#id_count", "1")
    boss.fill("#id_address", "东湖一网格 1号楼")
    boss.fill("#id_lon", "120.05")
    boss.fill("#id_lat", "30.05")
    boss.fill("#id_starts_at", (now - dt.timedelta(hours=1)).strftime(fmt))
    boss.fill("#id_ends_at", (now + dt.timedelta(hours=2)).strftime(fmt))
    boss.click("#callup-form button[type=submit]")
    callup = CallUp.objects.get()
    boss.wait_for_url(f"{base}/response/callups/{callup.pk}/")
    expect(boss.locator("#no-assignments")).to_be_visible()

    # 2. The volunteer signs up on a phone.
    phone = contexts(base, volunteer.account.user, phone=True)
    phone.goto(f"{base}/response/callups/open/")
    need = phone.locator(f"[data-need='{callup.pk}']")
    need.locator("button[type=submit]").click()
    expect(need.locator(".badge")).to_be_visible()

    # 3. The secretary proposes and confirms; the explanation names the skill and distance.
    boss.reload()
    expect(boss.locator("#signups [data-volunteer]")).to_have_count(1)
    boss.click("#propose")
    row = boss.locator("#assignments tbody tr")
    expect(row).to_have_attribute("data-state", "proposed")
    expect(row.locator(".explanation")).to_contain_text("救援")  # the skill, in Chinese
    expect(boss.locator("#callup-map")).to_have_attribute("data-loaded", "true")
    expect(boss.locator("#callup-map path.leaflet-interactive")).to_have_count(3)
    boss.click("#confirm")
    expect(boss.locator("#assignments tbody tr")).to_have_attribute("data-state", "confirmed")

    # 4. The volunteer reports back: 2.5 hours, 25 points.
    phone.reload()
    task = phone.locator("#my-tasks [data-task]")
    task.locator("textarea[name=report]").fill("搬运沙袋 80 袋")
    task.locator("input[name=hours]").fill("2.5")
    task.locator("button[type=submit]").click()
    expect(phone.locator("#my-tasks [data-task]")).to_have_attribute("data-state", "reported")
    assert callup.assignments.get().state == AssignmentState.REPORTED
    volunteer = Volunteer.objects.get(pk=volunteer.pk)
    assert (volunteer.service_hours, volunteer.points) == (Decimal("2.5"), 25)
