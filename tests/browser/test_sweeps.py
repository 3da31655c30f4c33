"""A grid worker's sweep on a phone: the list of their grid, one tap per outcome (safe, needs
help with a note, unreachable), and the progress page counting them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.response.incidents.models import IncidentTask
from resigrid.response.sweeps import services
from resigrid.response.sweeps.models import SweepContact
from tests.factories import TEST_PASSWORD, Tree
from tests.response.sweeps.conftest import Area1, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_sweeps_their_grid_on_a_phone(
    live_server: Any, phone: Any, tree: Tree, community_admin: User, grid_worker: User
) -> None:
    area = Area1(tree, community_admin)
    third = person(area.home11, "吴爷爷", "empty_nest")
    sweep = services.start_sweep(
        actor=community_admin,
        incident=area.incident,
        area=tree.community1,
        deadline=timezone.now() + dt.timedelta(hours=3),
    )
    ids = {p: SweepContact.objects.get(sweep=sweep, person=p).pk for p in (area.a, area.b, third)}
    base = live_server.url
    phone.goto(f"{base}/response/sweeps/{sweep.pk}/mine/")
    phone.fill("input[name=username]", grid_worker.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/response/sweeps/{sweep.pk}/mine/")
    expect(phone.locator("[data-contact]")).to_have_count(3)  # grid 11 only, not 赵阿姨
    assert "139****5678" in phone.content() and "13912345678" not in phone.content()
    assert phone.locator("[data-call]").count() == 0  # a grid worker may not unmask

    card = phone.locator(f"#contact-{ids[area.a]}")
    card.locator("[data-outcome-button=safe]").click()
    expect(phone.locator(f"#contact-{ids[area.a]}")).to_have_attribute("data-outcome", "safe")

    card = phone.locator(f"#contact-{ids[area.b]}")
    card.locator("input[name=method][value=phone]").check()
    card.locator("input[name=note]").fill("需要送药")
    card.locator("[data-outcome-button=needs_help]").click()
    expect(phone.locator(f"#contact-{ids[area.b]}")).to_have_attribute("data-outcome", "needs_help")

    phone.locator(f"#contact-{ids[third]} [data-outcome-button=unreachable]").click()
    expect(phone.locator(f"#contact-{ids[third]}")).to_have_attribute("data-outcome", "unreachable")

    assert dict(
        SweepContact.objects.filter(sweep=sweep).values_list("person__name", "outcome")
    ) == {"张奶奶": "safe", "李爷爷": "needs_help", "吴爷爷": "unreachable", "赵阿姨": ""}
    assert IncidentTask.objects.count() == 2  # the help task and the escalation

    phone.goto(f"{base}/response/sweeps/{sweep.pk}/")
    grid = phone.locator(f"[data-grid='{tree.grid11.code}']")
    expect(grid).to_have_attribute("data-contacted", "3")
    expect(phone.locator("[data-total=needs_help]")).to_have_text("1")
    expect(phone.locator("[data-total=unreachable]")).to_have_text("1")
    expect(phone.locator("[data-total=persons]")).to_have_text("4")
