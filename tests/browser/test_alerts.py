"""Alerts in a real browser (issue 5): street staff draft a red warning, a second street
officer approves it, the drafter publishes it; the community secretary sees the banner on the
home page, acknowledges in one click and the banner is gone; the issuer's coverage board shows
the acknowledgement; a resident on a phone acknowledges through the signed link from an SMS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.alerts import acks
from resigrid.alerts.models import Alert, Recipient
from tests.alerts.conftest import World
from tests.alerts.conftest import world as world  # the fixture, reused
from tests.factories import TEST_PASSWORD

SHOTS = Path("/tmp")  # noqa: S108 - screenshots for a human to look at

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
    """`open_as(base, user)`: a logged-in page in its own context; `open_as(base, None)`: a
    fresh page nobody is logged in on."""
    made: list[Any] = []

    def open_as(base: str, user: User | None, *, phone: bool = False) -> Any:
        context = browser.new_context(**(PHONE if phone else DESKTOP))
        made.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if user is not None:
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", TEST_PASSWORD)
            page.click("main form button[type=submit]")
            page.wait_for_url(f"{base}/")
        return page

    yield open_as
    for context in made:
        context.close()


def test_issue_publish_banner_acknowledge_board(
    live_server: Any, contexts: Any, world: World
) -> None:
    base = live_server.url
    t = world.tree

    # 1. Street staff draft a red warning for 东湖社区.
    street = contexts(base, world.street)
    street.goto(f"{base}/alerts/")
    street.click("#alert-new")
    street.wait_for_url(f"{base}/alerts/new/")
    expect(street.locator("#draw-map")).to_have_attribute("data-loaded", "true")
    street.select_option("#id_level", "red")
    street.fill("#id_event", "暴雨")
    street.fill("#id_headline", "暴雨红色预警")
    street.fill("#id_description", "预计未来3小时降雨量将达100毫米以上。")
    street.fill("#id_instruction", "停止户外活动，低洼地区人员转移。")
    street.check(f"input[name=target_areas][value='{t.community1.pk}']")
    street.click("#alert-submit")
    alert = Alert.objects.get()
    street.wait_for_url(f"{base}/alerts/{alert.pk}/")
    expect(street.locator("#alert-state")).to_have_attribute("data-state", "draft")
    expect(street.locator("#needs-approval")).to_be_visible()

    # 2. A second street officer approves; the drafter publishes.
    approver = contexts(base, world.approver)
    approver.goto(f"{base}/alerts/{alert.pk}/")
    approver.click("#move-approve")
    expect(approver.locator("#alert-state")).to_have_attribute("data-state", "approved")
    street.reload()
    street.click("#move-publish")
    expect(street.locator("#alert-state")).to_have_attribute("data-state", "published")
    expect(street.locator("#integrity")).to_have_attribute("data-intact", "1")
    expect(
        street.locator(f'#board-levels [data-level-area="{t.community1.pk}"]')
    ).to_have_attribute("data-acknowledged", "0")

    # 3. The community secretary sees the banner on the home page and acknowledges.
    secretary = contexts(base, world.secretary)
    banner = secretary.locator(f'[data-banner="{alert.pk}"]')
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("暴雨红色预警")
    secretary.screenshot(path=str(SHOTS / "resigrid-alert-banner.png"))
    banner.locator("button[type=submit]").click()
    secretary.wait_for_url(f"{base}/")
    expect(secretary.locator("#alert-banner")).to_have_count(0)
    assert Recipient.objects.get(alert=alert, user=world.secretary).acknowledged_at is not None

    # 4. The issuer's board shows it: the 15-second htmx refresh brings it in without a
    # reload (the wait allows for two refreshes on a loaded machine).
    row = street.locator(f'#board-levels [data-level-area="{t.community1.pk}"]')
    expect(row).to_have_attribute("data-acknowledged", "1", timeout=45_000)
    street.screenshot(path=str(SHOTS / "resigrid-alert-board.png"), full_page=True)


def test_signed_link_on_a_phone(live_server: Any, contexts: Any, world: World) -> None:
    from resigrid.alerts import services
    from tests.alerts.conftest import draft

    alert = draft(world)
    services.approve(actor=world.approver, alert_id=alert.pk)
    services.publish(actor=world.street, alert_id=alert.pk)
    rec = Recipient.objects.get(alert=alert, person=world.young)
    url = f"{live_server.url}/alerts/ack/{acks.token_for(rec)}/"

    phone = contexts(live_server.url, None, phone=True)
    phone.goto(url)
    expect(phone.locator("#ack-text")).to_contain_text("低洼地区人员转移")
    button = phone.locator("#ack-button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["width"] > 300  # a thumb-sized button across the screen
    rec.refresh_from_db()
    assert rec.acknowledged_at is None  # opening the link writes nothing
    phone.screenshot(path=str(SHOTS / "resigrid-alert-link.png"), full_page=True)
    button.tap()
    expect(phone.locator("#ack-done")).to_be_visible()
    expect(phone.locator("#ack-button")).to_have_count(0)
    rec.refresh_from_db()
    assert (rec.acknowledged_at is not None, rec.ack_channel) == (True, "link")

    bad = contexts(live_server.url, None, phone=True)
    response = bad.goto(url.replace(f"/{rec.pk}.", "/999999.", 1))
    assert response is not None and response.status == 404
    expect(bad.locator("#ack-problem")).to_be_visible()
