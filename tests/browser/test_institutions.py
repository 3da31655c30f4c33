"""The institution list in a real browser (issue 6): a grid worker on a phone opens the
inspection schedules, records a fire-lane round with one finding and sees the number of the
case it opened."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.cases.models import Case
from tests.factories import TEST_PASSWORD
from tests.response.institutions.conftest import book as book  # the fixture, reused
from tests.response.institutions.conftest import schedule as schedule  # the fixture, reused

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_records_a_finding_on_a_phone(
    live_server: Any, phone: Any, schedule: Any, grid_worker: Any
) -> None:
    base = live_server.url
    phone.goto(f"{base}/accounts/login/")
    phone.fill("input[name=username]", grid_worker.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/")
    phone.goto(f"{base}/response/institutions/schedules/")
    row = phone.locator(f"[data-schedule='{schedule.pk}']")
    expect(row.locator("[data-overdue]")).to_be_visible()  # due 2026-06-01, long past
    row.locator("a.btn").click()
    first, second = list(schedule.items.all())
    phone.locator(f"label[for='r{first.pk}-finding']").click()
    phone.fill(f"#n{first.pk}", "两辆电动车堵住消防通道")
    phone.locator(f"label[for='r{second.pk}-ok']").click()
    phone.click("#record-submit")
    expect(phone).to_have_url(re.compile(r"/response/institutions/inspections/\d+/$"))
    case = Case.objects.get()
    expect(phone.locator(".case-number")).to_have_text(case.number)
    assert case.source == "inspection"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
