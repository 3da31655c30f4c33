"""In a real browser: a street coordinator computes a plan (lines drawn on the map), reserves
and issues it; the grid worker confirms the delivery on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.resources.models import Depot, Item, StockMovement
from resigrid.response.allocations.models import AllocationLine, LineState
from tests.factories import TEST_PASSWORD, Tree, UserFactory, bind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_compute_reserve_issue_and_confirm_on_a_phone(
    live_server: Any, page: Any, phone: Any
) -> None:
    tree = Tree()
    coordinator: User = UserFactory(username="street", full_name="街道")
    bind(coordinator, tree.street, Role.STREET_STAFF)
    worker: User = UserFactory(username="gw", full_name="网格员")
    bind(worker, tree.grid11, Role.GRID_WORKER)
    depot = Depot.objects.create(name="东湖物资库", area=tree.community1, lon=120.05, lat=30.05)
    tent = Item.objects.create(code="T1", name="帐篷", category="shelter", uom="顶")
    StockMovement.objects.create(depot=depot, item=tent, kind="in", quantity=5)
    base = live_server.url

    login(page, base, "street")
    page.goto(f"{base}/response/allocations/")
    page.fill("#id_title", "内涝物资")
    page.select_option("#id_area", str(tree.street.pk))
    page.click("#new-plan button[type=submit]")
    page.wait_for_selector("#needs-form")
    page.select_option("#add-need select[name=grid]", str(tree.grid11.pk))
    page.select_option("#add-need select[name=item]", str(tent.pk))
    page.fill("#add-need input[name=quantity]", "4")
    page.click("#btn-save-needs")
    page.click("#btn-compute")
    page.wait_for_selector("#alloc-map[data-loaded=true]")
    assert page.get_attribute("#alloc-map", "data-lines") == "1"
    assert page.locator("path.alloc-line").count() == 1
    page.click("#btn-reserve")
    page.wait_for_selector("#btn-issue")
    page.click("#btn-issue")
    page.wait_for_selector("#lines tr[data-state=issued]")

    login(phone, base, "gw")
    phone.goto(f"{base}/response/allocations/deliveries/")
    card = phone.locator(".delivery")
    assert card.count() == 1 and "帐篷" in card.inner_text()
    phone.fill(".delivery input[name=received_quantity]", "4")
    phone.click(".delivery button[type=submit]")
    phone.wait_for_selector("#no-deliveries")
    line = AllocationLine.objects.get()
    assert (line.state, line.received_quantity, line.delivered_by_id) == (
        LineState.DELIVERED,
        4,
        worker.pk,
    )
