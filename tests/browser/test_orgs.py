"""The community secretary's orgs journey in a real browser: the Party organisation tree, Party
members and units filtered through the filter forms, a unit's commitments, and its contacts'
phone numbers masked until the logged "show"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core import pii
from resigrid.orgs.choices import CommitmentKind, MemberStatus, UnitKind
from resigrid.orgs.models import Commitment, PartyMember, Unit, UnitContact, UnitSpecialty
from tests.factories import TEST_PASSWORD, Tree
from tests.orgs.conftest import Orgs, add_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _registry(tree: Tree) -> Orgs:
    """The orgs fixture (committee → branch → group in community 1, a committee in community 2,
    东湖物业 with one contact) plus members, two more units and commitments."""
    orgs = Orgs(tree)
    carol_near = add_person(orgs.home11, "赵六", dt.date(1985, 4, 5))
    PartyMember.objects.create(
        person=orgs.alice, org=orgs.group11, in_service=True, joined=dt.date(2010, 7, 1)
    )
    PartyMember.objects.create(person=orgs.bob, org=orgs.branch1, status=MemberStatus.PROBATIONARY)
    PartyMember.objects.create(person=carol_near, org=orgs.committee1)
    PartyMember.objects.create(person=orgs.carol, org=orgs.committee2)  # community 2: hidden
    Unit.objects.create(kind=UnitKind.SHOP, name="东湖便利店", area=tree.grid11, scale=4)
    clinic = Unit.objects.create(
        kind=UnitKind.SOCIAL_ORG, name="东湖康复协会", area=tree.community1, co_building=True
    )
    UnitSpecialty.objects.create(unit=clinic, specialty="medical")
    UnitSpecialty.objects.create(unit=orgs.unit1, specialty="logistics")
    orgs.unit1.address = "东湖路1号"
    orgs.unit1.scale = 35
    orgs.unit1.save()
    UnitContact.objects.create(
        unit=orgs.unit1,
        name="钱主任",
        role="值班",
        phone_enc=pii.encrypt("13998765432"),
        phone_hash=pii.keyed_hash("13998765432"),
    )
    Commitment.objects.create(
        unit=orgs.unit1, kind=CommitmentKind.VEHICLES, description="应急车辆", quantity=2,
        uom="辆", conditions="提前两小时通知", for_daily=True,
    )  # fmt: skip
    Commitment.objects.create(
        unit=orgs.unit1, kind=CommitmentKind.SPACE, description="地下车库避险", quantity=300,
        uom="平方米",
    )  # fmt: skip
    return orgs


def _log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/orgs/")
    assert "/accounts/login/" in page.url  # anonymous: sent to the login form
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/orgs/")


def _names(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_secretary_browses_orgs_members_and_units_and_shows_phones(
    live_server: Any, page: Any, tree: Tree, community_admin: User
) -> None:
    orgs = _registry(tree)
    base = live_server.url
    _log_in(page, base, community_admin)

    # The tree: committee → branch → group, nested; community 2's committee is not in scope.
    root = page.locator(f"#org-tree > li[data-org='{orgs.committee1.pk}']")
    expect(root).to_be_visible()
    assert _names(page, "#org-tree .org-name") == ["东湖社区党委", "第一党支部", "一网格党小组"]
    branch = root.locator(f"li[data-org='{orgs.branch1.pk}']")
    expect(branch.locator(f"li[data-org='{orgs.group11.pk}'] .org-name")).to_have_text(
        "一网格党小组"
    )
    assert root.locator(".badge").first.inner_text() == "党委"
    assert "西湖社区党委" not in page.content()

    # Members: all three of community 1, then filtered by status and by in-service.
    page.click("a[href='/orgs/members/']")
    page.wait_for_url(f"{base}/orgs/members/")
    expect(page.locator("#members > [data-member]")).to_have_count(3)
    assert sorted(_names(page, "#members .fw-semibold")) == sorted(["张三", "李四", "赵六"])
    page.select_option("#id_status", "probationary")
    page.click("#member-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/members/?*status=probationary*")
    expect(page.locator("#members > [data-member]")).to_have_count(1)
    assert _names(page, "#members .fw-semibold") == ["李四"]
    expect(page.locator("#members .badge")).to_have_text(["预备党员"])
    page.select_option("#id_status", "")
    page.select_option("#id_in_service", "yes")
    page.click("#member-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/members/?*in_service=yes*")
    assert _names(page, "#members .fw-semibold") == ["张三"]
    assert page.locator("#members [data-member]").inner_text().count("一网格党小组") == 1
    page.select_option("#id_in_service", "")
    page.select_option("#id_org", str(orgs.committee1.pk))
    page.click("#member-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/members/?*org={orgs.committee1.pk}*")
    assert _names(page, "#members .fw-semibold") == ["赵六"]
    assert page.locator("#member-count").inner_text() == "1名党员"

    # Units: three in community 1; filtered by kind, then by co-building and specialty.
    page.goto(f"{base}/orgs/units/")
    expect(page.locator("#units > [data-unit]")).to_have_count(3)
    page.select_option("#id_kind", "shop")
    page.click("#unit-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/units/?*kind=shop*")
    assert _names(page, "#units .fw-semibold") == ["东湖便利店"]
    page.select_option("#id_kind", "")
    page.select_option("#id_co_building", "yes")
    page.click("#unit-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/units/?*co_building=yes*")
    assert sorted(_names(page, "#units .fw-semibold")) == sorted(["东湖物业", "东湖康复协会"])
    page.select_option("#id_specialty", "logistics")
    page.click("#unit-filters button[type=submit]")
    page.wait_for_url(f"{base}/orgs/units/?*specialty=logistics*")
    assert _names(page, "#units .fw-semibold") == ["东湖物业"]
    assert "2项资源" in page.locator(f"#units [data-unit='{orgs.unit1.pk}']").inner_text()

    # The unit: facts, both commitments, contacts masked until the secretary shows them.
    page.click(f"#units [data-unit='{orgs.unit1.pk}']")
    page.wait_for_url(f"{base}/orgs/units/{orgs.unit1.pk}/")
    expect(page.locator("h1")).to_have_text("东湖物业")
    facts = page.locator("#unit-facts").inner_text()
    assert "东湖路1号" in facts and "35" in facts and "物流仓储" in facts
    commitments = page.locator("#unit-commitments [data-commitment]")
    expect(commitments).to_have_count(2)
    vehicles = page.locator(
        f"#unit-commitments [data-commitment='{Commitment.objects.get(uom='辆').pk}']"
    )
    assert "应急车辆" in vehicles.inner_text() and "2 辆" in vehicles.inner_text()
    assert "提前两小时通知" in vehicles.inner_text()
    space = page.locator(
        f"#unit-commitments [data-commitment='{Commitment.objects.get(uom='平方米').pk}']"
    )
    assert "地下车库避险" in space.inner_text() and "300 平方米" in space.inner_text()
    phones = page.locator("#unit-contacts .contact-phone")
    assert _names(page, "#unit-contacts .contact-phone") == ["138****5678", "139****5432"]
    assert "13812345678" not in page.content() and "13998765432" not in page.content()
    assert PersonalDataAccess.objects.count() == 0

    page.click("#show-phones")
    expect(phones.first).to_have_text("13812345678")  # htmx swapped the contacts in place
    assert _names(page, "#unit-contacts .contact-phone") == ["13812345678", "13998765432"]
    assert page.locator("#unit-contacts a[href='tel:13998765432']").count() == 1
    assert page.locator("#show-phones").count() == 0
    assert page.url == f"{base}/orgs/units/{orgs.unit1.pk}/"
    assert list(
        PersonalDataAccess.objects.values_list("user", "action", "subject", "row_count")
    ) == [(community_admin.pk, "unmasked_read", "orgs.unitcontact", 2)]
