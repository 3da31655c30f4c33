"""A rumour rebuttal: community staff draft it, the secretary approves and publishes it, and
the public page (no login) shows it marked 辟谣 with the rumour and the facts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.response.bulletins.models import Bulletin
from tests.factories import TEST_PASSWORD, Tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, user: User, then: str) -> None:
    page.goto(f"{base}/accounts/login/?next={then}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{then}")


def test_rebuttal_drafted_approved_published(
    live_server: Any,
    browser: Any,
    page: Any,
    tree: Tree,
    community_staff: User,
    community_admin: User,
) -> None:
    base = live_server.url
    login(page, base, community_staff, "/response/bulletins/")
    page.click("#bulletin-new-rebuttal")
    page.check("input[name=kind][value=rebuttal]")
    page.select_option("select[name=area]", str(tree.community1.pk))
    page.fill("input[name=title]", "“水库泄洪”是谣言")
    page.fill("textarea[name=rumour]", "水库要泄洪，全村要撤离")
    page.fill("textarea[name=body]", "水库水位正常，没有泄洪计划，无需撤离。")
    page.click("#bulletin-save")
    expect(page.locator("#bulletin-state")).to_have_attribute("data-state", "draft")
    expect(page.locator("#bulletin-four-eyes")).to_be_visible()  # not their own approval
    assert page.locator("#bulletin-approve").count() == 0
    pk = Bulletin.objects.get().pk

    other = browser.new_context(locale="zh-CN").new_page()
    login(other, base, community_admin, f"/response/bulletins/{pk}/")
    other.click("#bulletin-approve")
    expect(other.locator("#bulletin-state")).to_have_attribute("data-state", "approved")
    other.click("#bulletin-publish")
    expect(other.locator("#bulletin-state")).to_have_attribute("data-state", "published")

    anon = browser.new_context(locale="zh-CN").new_page()
    anon.goto(f"{base}/response/bulletins/public/")
    card = anon.locator(f"[data-bulletin='{pk}']")
    expect(card).to_contain_text("辟谣")
    expect(card).to_contain_text("水库要泄洪，全村要撤离")
    expect(card).to_contain_text("没有泄洪计划")
    other.context.close()
    anon.context.close()
