"""Main journeys in a real browser: the community secretary logs in, opens the map, picks a grid;
the navbar collapses on a phone."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from resigrid.areas.models import Area
from resigrid.web.demo.builder import DEFAULT_PASSWORD

SCREENSHOT = Path("/tmp/resigrid-map.png")  # noqa: S108 - for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo() -> None:
    call_command(
        "seed_demo",
        "--seed", "5", "--residents", "6000", "--communities", "2", "--grids", "6",
        stdout=StringIO(),
    )  # fmt: skip


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url  # anonymous: sent to the login form
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_secretary_logs_in_and_inspects_a_grid_on_the_map(
    live_server: Any, page: Any, demo: None
) -> None:
    community = Area.objects.get(code="330106001001000")
    grids = {g.code: g for g in Area.objects.filter(parent=community)}
    others = Area.objects.filter(level="grid").exclude(parent=community)
    assert grids and others.exists()

    log_in(page, live_server.url, "secretary")
    assert page.locator("#scope-areas .area-name").all_inner_texts() == [community.name]
    assert page.locator("[data-count=grids]").inner_text() == str(len(grids))

    page.click("[data-nav='web:map']")
    page.wait_for_url(f"{live_server.url}/map/")
    page.wait_for_selector("#grid-map[data-loaded=true]")
    paths = page.locator(".leaflet-overlay-pane svg path")
    assert paths.count() == len(grids)
    assert page.locator("#map-legend").is_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    paths.nth(0).click()
    panel = page.locator("#grid-facts")
    panel.wait_for(state="visible")
    code = panel.locator("[data-field=code]").inner_text()
    grid = grids[code]
    assert panel.locator("[data-field=name]").inner_text() == grid.name
    assert panel.locator("[data-field=population]").inner_text() == f"{grid.population:,}"
    assert panel.locator("[data-field=community]").inner_text() == community.name
    assert panel.locator("[data-field=households]").inner_text() == f"{grid.households:,}"


def test_navbar_collapses_on_a_phone(live_server: Any, phone: Any, demo: None) -> None:
    log_in(phone, live_server.url, "gridworker")
    toggler = phone.locator(".navbar-toggler")
    menu = phone.locator("#main-nav")
    assert toggler.is_visible()
    assert not menu.is_visible()
    assert not phone.locator("[data-nav='web:map']").is_visible()
    toggler.click()
    phone.locator("[data-nav='web:map']").wait_for(state="visible")
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # waits for the collapse animation
    # Nothing wider than the screen: no horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
