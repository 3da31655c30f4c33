"""In a real browser: the community secretary sees depots and shelters on the resource map and
records a withdrawal that is too large (refused with the field's message)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.resources.models import Depot, Facility, Item, StockMovement
from tests.factories import TEST_PASSWORD, Tree, UserFactory, bind

SCREENSHOT = Path("/tmp/resigrid-resource-map.png")  # noqa: S108 - for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_map_and_refused_withdrawal(live_server: Any, browser: Any) -> None:
    tree = Tree()
    user: User = UserFactory(username="sec", full_name="书记")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    depot = Depot.objects.create(name="东湖物资库", area=tree.community1, lon=120.05, lat=30.05)
    Depot.objects.create(name="西湖物资库", area=tree.community2, lon=120.25, lat=30.05)
    Facility.objects.create(kind="shelter", name="东湖避难场所", area=tree.grid11, lon=120.02,
                            lat=30.03, capacity=600)  # fmt: skip
    tent = Item.objects.create(code="T1", name="帐篷", category="shelter", uom="顶")
    StockMovement.objects.create(depot=depot, item=tent, kind="in", quantity=3)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "sec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/resources/map/")
    page.wait_for_selector("#resource-map[data-loaded=true]")
    # Two grids of community 1 underneath, one depot and one shelter on top.
    assert page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").count() == 4
    assert page.locator("#map-legend").is_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.goto(f"{base}/resources/depots/{depot.pk}/")
    page.select_option("#id_item", str(tent.pk))
    page.select_option("#id_kind", "out")
    page.fill("#id_quantity", "5")
    page.click("#movement-form button[type=submit]")
    error = page.locator("[data-error=quantity]")
    assert "3" in error.inner_text() and "5" in error.inner_text()
    assert StockMovement.objects.count() == 1
    context.close()
