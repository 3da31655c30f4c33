"""In a real browser: the community secretary adds a risk point and watches the live rating
(htmx) change as the factors change, finds it on the risk map coloured by its level, and
records a review with a residual rating."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.response.risks.models import RiskPoint
from tests.factories import TEST_PASSWORD, Tree, UserFactory, bind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_map_review(live_server: Any, page: Any) -> None:
    tree = Tree()
    user: User = UserFactory(username="sec", full_name="书记")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    reverse("risks:list")  # load the URL modules here, not in the server's first request
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "sec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/response/risks/new/")
    page.fill("#id_name", "老旧小区电动车充电")
    page.select_option("#id_area", str(tree.grid11.pk))
    page.select_option("#id_hazard_class", "accident")
    page.fill("#id_lon", "120.05")
    page.fill("#id_lat", "30.05")
    assert page.locator("#id_lec_l").is_hidden()  # the matrix is the default method
    page.select_option("#id_likelihood", "2")
    page.select_option("#id_harm", "3")
    page.select_option("#id_scale", "1")
    page.select_option("#id_property_loss", "1")
    page.wait_for_selector("#rating-result[data-score='6'][data-band=general]")
    page.select_option("#id_likelihood", "4")
    page.select_option("#id_harm", "5")
    page.wait_for_selector("#rating-result[data-score='20'][data-band=major]")
    page.click("#risk-save")
    page.wait_for_selector("#risk-title")
    risk = RiskPoint.objects.get()
    assert (risk.band, risk.score) == ("major", Decimal(20))

    page.goto(f"{base}/response/risks/map/")
    page.wait_for_selector("#risk-map[data-loaded=true]")
    assert page.locator("path.risk-marker-major").count() == 1
    assert page.locator("#map-legend").is_visible()

    page.goto(f"{base}/response/risks/{risk.pk}/")
    page.click("#review-panel summary")
    page.select_option("#review-form [name=residual_likelihood]", "2")
    page.select_option("#review-form [name=residual_severity]", "5")
    page.wait_for_selector("#review-form #rating-residual")
    page.fill("#review-form [name=note]", "集中充电棚已建成")
    page.select_option("#review-form [name=controlled]", "yes")
    page.click("#review-save")
    page.wait_for_selector("#messages .alert-success")
    assert page.locator("#risk-reviews tbody tr").count() == 2
    risk.refresh_from_db()
    assert (risk.status, risk.band, risk.residual_score) == ("controlled", "large", Decimal(10))
