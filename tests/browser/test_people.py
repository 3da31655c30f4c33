"""A grid worker's journey on a phone: log in, list residents filtered by a vulnerability tag,
open one, see the masked ID number and log a contact with the phone form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.core import pii
from resigrid.people import care, services
from resigrid.people.models import ContactLog, Person
from tests.factories import TEST_PASSWORD, Tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _id(birth: dt.date, seq: int) -> str:
    first17 = f"330106{birth:%Y%m%d}{seq:03d}"
    return first17 + pii.id_check_digit(first17)


def _residents(tree: Tree, worker: User) -> dict[str, Any]:
    """Three residents of the worker's grid, made with the services: two vulnerable (each with a
    carer), one not."""
    home = services.create_household(
        actor=worker, grid=tree.grid11, building=tree.building11, room="502"
    )
    id_zhang = _id(dt.date(1944, 5, 6), 122)
    zhang = services.create_person(
        actor=worker,
        household=home,
        data={"name": "张奶奶", "id_number": id_zhang, "phone": "13912345678", "is_head": True},
    )
    liu = services.create_person(
        actor=worker,
        household=home,
        data={"name": "刘大爷", "id_number": _id(dt.date(1940, 2, 3), 131)},
    )
    services.create_person(
        actor=worker,
        household=home,
        data={"name": "陈小明", "sex": "M", "birth_date": dt.date(2012, 9, 1)},
    )
    care.set_vulnerability(
        actor=worker,
        person=zhang,
        tags=[care.TagEntry("chronic_illness"), care.TagEntry("living_alone")],
        needs=[care.NeedEntry("medicines", "降压药")],
        health_notes="",
    )
    care.set_vulnerability(
        actor=worker, person=liu, tags=[care.TagEntry("bedridden")], needs=[], health_notes=""
    )
    care.add_carer(actor=worker, person=zhang, kind="grid_worker", user=worker)
    care.add_carer(actor=worker, person=liu, kind="neighbour", name="邻居老王")
    return {"zhang": zhang, "id_zhang": id_zhang}


def test_grid_worker_logs_a_phone_call_with_a_vulnerable_resident(
    live_server: Any, phone: Any, tree: Tree, grid_worker: User
) -> None:
    made = _residents(tree, grid_worker)
    zhang: Person = made["zhang"]
    base = live_server.url

    phone.goto(f"{base}/people/")
    assert "/accounts/login/" in phone.url  # anonymous: sent to the login form
    phone.fill("input[name=username]", grid_worker.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/people/")
    expect(phone.locator("#person-rows > li")).to_have_count(3)

    phone.click("details summary")
    phone.select_option("#id_tag", "chronic_illness")
    phone.click("#person-filters button[type=submit]")
    phone.wait_for_url(f"{base}/people/?*tag=chronic_illness*")
    rows = phone.locator("#person-rows > li")
    expect(rows).to_have_count(1)
    assert rows.locator("a").inner_text() == "张奶奶"
    # Tags show their translated labels (the browser asks for Chinese).
    assert rows.locator(".badge").all_inner_texts() == ["慢病", "独居老人（65岁以上）"]

    rows.locator("a").click()
    phone.wait_for_url(f"{base}/people/{zhang.pk}/")
    identity = phone.locator("#identity").inner_text()
    assert identity == f"{pii.mask_id_number(made['id_zhang'])} · {pii.mask_phone('13912345678')}"
    assert made["id_zhang"] not in phone.content()
    assert phone.locator("#unmask").count() == 0  # a grid worker may not unmask
    assert phone.locator("#care .list-group-item").first.inner_text().startswith("网格员乙")
    expect(phone.locator("#contact-rows > li")).to_have_count(1)  # "No contacts yet."

    day = timezone.localdate() - dt.timedelta(days=1)
    form = phone.locator("#contact-form")
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=way][value=phone]").check()
    form.locator("input[name=outcome][value=needs_help]").check()
    carer_id = str(zhang.carers.get().pk)
    form.locator("select[name=carer]").select_option(carer_id)
    form.locator("textarea[name=note]").fill("血压偏高，明天上门")
    form.locator("button[type=submit]").click()

    entry = phone.locator("#contact-rows > li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("血压偏高，明天上门")
    assert entry.inner_text().startswith(day.strftime("%Y-%m-%d"))
    assert phone.url == f"{base}/people/{zhang.pk}/"  # htmx swapped the log in place
    assert list(
        ContactLog.objects.values_list("person", "carer", "date", "way", "outcome", "note", "by")
    ) == [
        (
            zhang.pk,
            int(carer_id),
            day,
            "phone",
            "needs_help",
            "血压偏高，明天上门",
            grid_worker.pk,
        )
    ]
