"""The closed loop in a real browser (issue 4, "done when"): a resident on a phone reports a
problem with a photo and a map pin; the community secretary accepts and dispatches it; the
responsible unit reports the result; a grid worker verifies; the secretary closes; the resident
sees every step on the tracking page and rates it. And: the location button with the duplicate
hint on the report page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.cases.models import Case
from tests.cases.conftest import Casebook, report
from tests.cases.conftest import casebook as casebook  # the fixture, reused
from tests.factories import TEST_PASSWORD

SHOTS = Path("/tmp")  # noqa: S108 - screenshots for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def jpeg(colour: tuple[int, int, int]) -> dict[str, Any]:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """`open_as(user, phone=False)`: a logged-in page in its own browser context."""
    made: list[Any] = []

    def open_as(base: str, user: User, *, phone: bool = False, **options: Any) -> Any:
        settings = (
            dict(PHONE)
            if phone
            else {"viewport": {"width": 1280, "height": 860}, "locale": "zh-CN"}
        )
        settings.update(options)
        context = browser.new_context(**settings)
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


def steps(page: Any) -> list[str]:
    found: list[str] = page.locator("#timeline [data-step]").evaluate_all(
        "items => items.map(i => i.dataset.step)"
    )
    return found


def open_case(page: Any, base: str, tab: str, case: Case) -> None:
    page.goto(f"{base}/cases/?tab={tab}")
    row = page.locator(f'#queue-rows tr[data-case="{case.pk}"]')
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")


def submit_move(page: Any, move: str) -> None:
    page.locator(f'[data-move="{move}"] button[type=submit]').click()


def test_resident_to_rating_through_every_role(
    live_server: Any,
    contexts: Any,
    casebook: Casebook,
    resident: User,
    community_admin: User,
    department: User,
    grid_worker: User,
) -> None:
    base = live_server.url

    # 1. The resident reports from a phone: category, a pin on the map, a photo.
    phone = contexts(base, resident, phone=True)
    phone.goto(f"{base}/cases/report/")
    phone.select_option("#id_category", "01.01")
    expect(phone.locator("#report-map .leaflet-tile-pane")).to_have_count(1)
    x, y = phone.evaluate(
        "() => { const p = window.ResigridReportMap.latLngToContainerPoint([30.05, 120.05]);"
        " return [p.x, p.y]; }"
    )
    phone.locator("#report-map").click(position={"x": x, "y": y})
    expect(phone.locator("#report-map")).to_have_attribute("data-pinned", "true")
    assert abs(float(phone.input_value("#id_lon")) - 120.05) < 0.002
    assert abs(float(phone.input_value("#id_lat")) - 30.05) < 0.002
    expect(phone.locator('#nearby [data-nearby="grid"]')).to_contain_text("东湖一网格")
    phone.fill("#id_title", "东门垃圾堆积")
    phone.screenshot(path=str(SHOTS / "resigrid-case-report.png"), full_page=True)
    phone.fill("#id_description", "小区东门外垃圾三天没人清运，气味很大。")
    phone.set_input_files("#id_photos", [jpeg((180, 60, 40))])
    phone.click("#report-submit")
    phone.wait_for_url(f"{base}/cases/report/done/")
    case = Case.objects.get()
    assert phone.inner_text("#case-number") == case.number
    assert (case.reporter, case.grid, case.photos.count()) == (resident, casebook.tree.grid11, 1)
    phone.click("#track-link")
    track = f"{base}/cases/track/{case.tracking_code}/"
    phone.wait_for_url(track)
    assert steps(phone) == ["report"]
    expect(phone.locator('[data-photos="report"] img')).to_have_count(1)

    # 2. The community secretary accepts (and registers) it, then dispatches along the list.
    desk = contexts(base, community_admin)
    open_case(desk, base, "accept", case)
    submit_move(desk, "accept")
    expect(desk.locator("#case-state")).to_have_attribute("data-state", "registered")
    desk.screenshot(path=str(SHOTS / "resigrid-case-detail.png"), full_page=True)
    lead = desk.locator("#id_dispatch-lead_unit")
    assert lead.input_value() == str(casebook.city_admin.pk)  # preselected from the duty
    submit_move(desk, "dispatch")
    expect(desk.locator("#case-state")).to_have_attribute("data-state", "dispatched")
    assert desk.inner_text("#lead-unit") == "城管执法队"

    phone.goto(track)
    assert steps(phone) == ["report", "accept", "dispatch"]
    assert phone.inner_text("#handled-by") == "城管执法队"

    # 3. The unit (a department account acting for 城管执法队) reports the result with a photo.
    unit = contexts(base, department)
    open_case(unit, base, "handle", case)
    unit.fill("#id_handle-result", "已清运完毕，地面已冲洗。")
    unit.set_input_files("#id_handle-photos", [jpeg((40, 160, 60))])
    submit_move(unit, "handle")
    expect(unit.locator("#case-state")).to_have_attribute("data-state", "handled")
    assert unit.locator('[data-move="verify"]').count() == 0

    phone.goto(track)
    assert steps(phone) == ["report", "accept", "dispatch", "handle"]
    expect(phone.locator("#result")).to_contain_text("已清运完毕，地面已冲洗。")
    expect(phone.locator('[data-photos="result"] img')).to_have_count(1)

    # 4. The grid worker verifies on site.
    worker = contexts(base, grid_worker, phone=True)
    open_case(worker, base, "verify", case)
    worker.check('input[name="verify-outcome"][value="pass"]')
    submit_move(worker, "verify")
    expect(worker.locator("#case-state")).to_have_attribute("data-state", "verified")

    # 5. The secretary closes it.
    desk.reload()
    submit_move(desk, "close")
    expect(desk.locator("#case-state")).to_have_attribute("data-state", "closed")

    # 6. The resident sees the closing step and rates the outcome.
    phone.goto(track)
    assert steps(phone) == ["report", "accept", "dispatch", "handle", "close"]
    phone.check('#rating-form input[name="resolution"][value="partly"]')
    phone.check('#rating-form input[name="rating"][value="basically"]')
    phone.fill("#id_comment", "处理及时")
    phone.click("#rating-form button[type=submit]")
    expect(phone.locator("#my-rating")).to_contain_text("处理及时")
    expect(phone.locator("#my-resolution")).to_be_visible()
    assert steps(phone) == ["report", "accept", "dispatch", "handle", "close", "rate"]
    phone.screenshot(path=str(SHOTS / "resigrid-case-track.png"), full_page=True)
    case.refresh_from_db()
    assert (case.state, case.rating, case.resolution, case.rating_comment) == (
        "rated",
        "basically",
        "partly",
        "处理及时",
    )
    assert list(case.log.values_list("action", "actor")) == [
        ("report", resident.pk),
        ("accept", community_admin.pk),
        ("register", community_admin.pk),
        ("dispatch", community_admin.pk),
        ("handle", department.pk),
        ("verify_pass", grid_worker.pk),
        ("close", community_admin.pk),
        ("rate", resident.pk),
    ]


def test_location_button_and_duplicate_hint(
    live_server: Any, contexts: Any, casebook: Casebook, resident: User, grid_worker: User
) -> None:
    earlier = report(grid_worker, lon=120.0503, lat=30.0502)
    base = live_server.url
    phone = contexts(
        base,
        resident,
        phone=True,
        geolocation={"latitude": 30.05, "longitude": 120.05},
        permissions=["geolocation"],
    )
    phone.goto(f"{base}/cases/report/")
    phone.select_option("#id_category", "01.01")
    phone.click("#locate-me")
    expect(phone.locator("#report-map")).to_have_attribute("data-pinned", "true")
    assert (phone.input_value("#id_lon"), phone.input_value("#id_lat")) == ("120.05", "30.05")
    duplicate = phone.locator(f'#nearby [data-duplicate="{earlier.pk}"] a')
    expect(duplicate).to_have_attribute("href", f"/cases/public/{earlier.pk}/")
    duplicate.click()
    phone.wait_for_url(f"{base}/cases/public/{earlier.pk}/")
    assert steps(phone) == ["report"]
    assert Case.objects.count() == 1
