"""The street commander opens an incident from the red rainstorm alert, activates the flood
plan at level II, sees the tasks and the map, and downloads the situation report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.response.incidents.models import Incident, IncidentLog
from tests.factories import TEST_PASSWORD, Tree
from tests.response.incidents.conftest import World, published_alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_an_incident_from_the_alert_and_activate_the_plan(
    live_server: Any,
    page: Any,
    tree: Tree,
    street_admin: User,
    community_admin: User,
    grid_worker: User,
) -> None:
    world = World(tree, street_admin, community_admin, grid_worker)
    alert = published_alert(tree)
    base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/alerts/{alert.pk}/")
    page.fill("input[name=username]", street_admin.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/alerts/{alert.pk}/")

    page.click("#open-incident")
    expect(page.locator("#id_title")).to_have_value("和平街道暴雨红色预警")
    expect(page.locator("#id_level")).to_have_value("1")
    page.select_option("#id_level", "2")
    page.click("#incident-submit")
    incident = Incident.objects.get()
    page.wait_for_url(f"{base}/response/command/{incident.pk}/")
    expect(page.locator("#incident-title")).to_have_text("和平街道暴雨红色预警")

    page.select_option("#act-plan", str(world.plan.pk))
    page.select_option("#act-level", "2")
    page.click("#activate-submit")
    expect(page.locator("#tasks [data-task]")).to_have_count(3)
    expect(page.locator("#roster [data-role]")).to_have_count(3)
    expect(page.locator("#incident-level")).to_have_attribute("data-level", "2")
    expect(page.locator("#command-map .leaflet-overlay-pane path")).not_to_have_count(0)
    expect(page.locator("#command-map")).to_have_attribute("data-ready", re.compile(r"^\d+$"))
    assert errors == []

    with page.expect_download() as download_info:
        page.click("#sitrep-pdf")
    download = download_info.value
    assert download.suggested_filename.startswith(f"sitrep-{incident.pk}-")
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    assert IncidentLog.objects.filter(incident=incident, action="sitrep").count() == 1
