"""The community secretary on a phone: creates a household, adds a member with a mistyped ID
number (sees the check-digit error), fixes it, marks them vulnerable with an emergency need,
pairs a grid worker as carer; then registers another resident as a volunteer with skills and
weekly availability."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.core import pii
from resigrid.people import rules, services
from resigrid.people.models import Carer, EmergencyNeed, Household, Person, Volunteer
from tests.factories import TEST_PASSWORD, Tree

SCREENSHOT = Path("/tmp/resigrid-people-edit.png")  # noqa: S108 - for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _id(birth: dt.date, seq: int) -> str:
    first17 = f"330106{birth:%Y%m%d}{seq:03d}"
    return first17 + pii.id_check_digit(first17)


def test_secretary_registers_a_household_member_cares_for_them_and_a_volunteer(
    live_server: Any, phone: Any, tree: Tree, community_admin: User, grid_worker: User
) -> None:
    home = services.create_household(actor=community_admin, grid=tree.grid11, room="101")
    helper = services.create_person(
        actor=community_admin,
        household=home,
        data={"name": "陈志愿", "sex": "M", "birth_date": dt.date(1990, 4, 5)},
    )
    base = live_server.url

    phone.goto(f"{base}/accounts/login/?next=/people/")
    phone.fill("input[name=username]", community_admin.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/people/")

    # A new household: choosing a grid reloads its buildings (htmx).
    phone.click("#new-household")
    phone.wait_for_url(f"{base}/people/households/new/")
    building = phone.locator("#id_building option")
    expect(building).to_have_count(2)  # "—" and 1号楼 of the first grid
    phone.select_option("#id_grid", str(tree.grid12.pk))
    expect(building).to_have_count(1)  # grid 12 has no building
    phone.select_option("#id_grid", str(tree.grid11.pk))
    expect(building).to_have_count(2)
    phone.select_option("#id_building", str(tree.building11.pk))
    phone.fill("#id_room", "301")
    phone.click("#household-form button[type=submit]")
    household = Household.objects.exclude(pk=home.pk).get()
    assert (household.grid_id, household.building_id, household.room) == (
        tree.grid11.pk,
        tree.building11.pk,
        "301",
    )
    phone.wait_for_url(f"{base}/people/households/{household.pk}/")

    # A member whose ID number has a wrong check digit: the page says so, nothing is saved.
    good_id = _id(dt.date(1948, 10, 10), 128)
    typo = good_id[:17] + ("1" if good_id[17] != "1" else "2")
    phone.click("#add-member")
    phone.wait_for_url(f"{base}/people/households/{household.pk}/members/new/")
    assert phone.input_value("#id_building") == str(tree.building11.pk)  # the household's
    phone.fill("#id_name", "孙秀英")
    phone.fill("#id_id_number", typo)
    phone.fill("#id_phone", "139 0000 1234")
    phone.click("#person-form button[type=submit]")
    error = phone.locator("[data-error=id_number]")
    expect(error).to_have_text("身份证号码校验位错误，请检查是否输入有误。")
    assert not Person.objects.filter(name="孙秀英").exists()
    phone.fill("#id_id_number", good_id)
    phone.click("#person-form button[type=submit]")
    phone.wait_for_url(f"{base}/people/*/")
    member = Person.objects.get(name="孙秀英")
    assert phone.url == f"{base}/people/{member.pk}/"
    assert (member.household_id, member.sex, member.birth_date, member.building_id) == (
        household.pk,
        "F",
        dt.date(1948, 10, 10),
        tree.building11.pk,
    )
    assert pii.decrypt(member.phone_enc or "") == "13900001234"
    assert good_id not in phone.content()  # the detail page masks the ID number

    # Vulnerable: disabled (physical, grade 2), needs a wheelchair.
    phone.click("#edit-vulnerability")
    phone.wait_for_url(f"{base}/people/{member.pk}/vulnerability/")
    phone.check("#id_tag_disabled")
    phone.select_option("#id_disability_category", "physical")
    phone.select_option("#id_disability_grade", "2")
    phone.check("#id_need_mobility")
    phone.fill("#id_detail_mobility", "轮椅")
    phone.click("#vulnerability-form button[type=submit]")
    phone.wait_for_url(f"{base}/people/{member.pk}/")
    expect(phone.locator("#vulnerability .badge")).to_have_text(["残疾人 肢体 2"])
    tags = member.vulnerabilities.values_list("tag", "disability_category", "disability_grade")
    assert list(tags) == [("disabled", "physical", 2)]
    need = EmergencyNeed.objects.get(person=member)
    assert (need.need, pii.decrypt(need.detail_enc or "")) == ("mobility", "轮椅")

    # A carer: the kind decides the inputs (htmx); the grid worker's account is picked.
    phone.click("#add-carer")
    phone.wait_for_url(f"{base}/people/{member.pk}/carers/new/")
    phone.check("#carer-form input[name=kind][value=neighbour]")
    expect(phone.locator("#carer-fields select[name=user]")).to_have_count(0)
    expect(phone.locator("#carer-fields input[name=name]")).to_have_count(1)
    phone.check("#carer-form input[name=kind][value=grid_worker]")
    expect(phone.locator("#carer-fields select[name=user]")).to_have_count(1)
    phone.select_option("#carer-fields select[name=user]", str(grid_worker.pk))
    phone.click("#carer-form button[type=submit]")
    phone.wait_for_url(f"{base}/people/{member.pk}/#care")
    expect(phone.locator("#care [data-carer]")).to_have_count(1)
    expect(phone.locator("#care [data-carer]")).to_contain_text("网格员乙")
    carer = Carer.objects.get()
    assert (carer.person_id, carer.kind, carer.user_id, carer.active) == (
        member.pk,
        "grid_worker",
        grid_worker.pk,
        True,
    )

    # Another resident becomes a volunteer: medical and driver, free on Saturday daytime.
    phone.goto(f"{base}/people/{helper.pk}/")
    phone.click("#register-volunteer")
    phone.wait_for_url(f"{base}/people/{helper.pk}/volunteer/new/")
    phone.check("#volunteer-form input[name=skills][value=medical]")
    phone.check("#volunteer-form input[name=skills][value=driver]")
    phone.check("#id_avail_5_0")
    phone.check("#id_avail_5_1")
    phone.screenshot(path=str(SCREENSHOT), full_page=True)
    phone.click("#volunteer-form button[type=submit]")
    phone.wait_for_url(f"{base}/people/volunteers/*/")
    volunteer = Volunteer.objects.get()
    assert phone.url == f"{base}/people/volunteers/{volunteer.pk}/"
    assert volunteer.person_id == helper.pk
    assert volunteer.availability == rules.slot_bits([(5, 0), (5, 1)])
    assert sorted(volunteer.skills.values_list("skill", flat=True)) == ["driver", "medical"]
    assert phone.is_checked("#id_avail_5_0") and not phone.is_checked("#id_avail_6_0")
