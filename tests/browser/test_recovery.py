"""Community staff on a phone after a flood: finds a household by its room, records two needs,
matches the housing need to a unit's emergency commitment (with a task for the unit), closes it
with an outcome; then writes the after-action review with one improvement item that revises the
incident's plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resigrid.accounts.models import User
from resigrid.orgs.models import Commitment, Unit
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident, IncidentTask
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.plans.models import Plan
from resigrid.response.recovery.models import AfterActionReview, HouseholdNeed
from tests.factories import TEST_PASSWORD, Tree

SCREENSHOT = Path("/tmp/resigrid-recovery.png")  # noqa: S108 - for a human to look at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assess_match_close_and_review(
    live_server: Any, phone: Any, tree: Tree, community_admin: User
) -> None:
    plan = Plan.objects.create(
        title="防汛预案", hazard_class="natural", area=tree.community1, created_by=community_admin
    )
    incident = Incident.objects.create(
        title="东湖内涝",
        hazard_class="natural",
        area=tree.community1,
        level="3",
        plan=plan,
        opened_by=community_admin,
    )
    home = Household.objects.create(grid=tree.grid11, building=tree.building11, room="101")
    Household.objects.create(grid=tree.grid11, building=tree.building11, room="502")
    school = Unit.objects.create(kind="resident_unit", name="东湖小学", area=tree.community1)
    hall = Commitment.objects.create(
        unit=school, kind="space", description="体育馆临时安置", quantity=Decimal(500), uom="平方米"
    )
    base = live_server.url

    phone.goto(f"{base}/accounts/login/?next=/response/recovery/incidents/{incident.pk}/")
    phone.fill("input[name=username]", community_admin.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/response/recovery/incidents/{incident.pk}/")

    # Find the household by its room (htmx search) and record two needs.
    phone.click("#assess-household")
    phone.fill("#household-q", "101")
    expect(phone.locator("#household-results [data-household]")).to_have_count(1)
    phone.click(f"#household-results [data-household='{home.pk}']")
    phone.select_option("#id_housing_severity", "high")
    phone.fill("#id_housing_description", "一楼进水，无法居住")
    phone.select_option("#id_necessities_severity", "moderate")
    phone.fill("#id_necessities_description", "缺饮用水")
    phone.click("#assessment-form button[type=submit]")
    phone.wait_for_url(f"{base}/response/recovery/incidents/{incident.pk}/")
    expect(phone.locator("#need-rows [data-need]")).to_have_count(2)
    expect(phone.locator("#households-assessed")).to_have_text("1")

    # Match the housing need to the school's hall, with a task for the school; then close it.
    housing = HouseholdNeed.objects.get(kind="housing")
    phone.click(f"#need-rows [data-need='{housing.pk}']")
    phone.wait_for_url(f"{base}/response/recovery/needs/{housing.pk}/")
    phone.click(f"#suggestions [data-commitment='{hall.pk}'] button[type=submit]")
    expect(phone.locator("#need-state")).to_have_attribute("data-state", "matched")
    phone.select_option("#id_outcome", "met")
    phone.fill("#id_note", "已安置到体育馆")
    phone.click("#close-form button[type=submit]")
    expect(phone.locator("#need-state")).to_have_attribute("data-state", "closed")
    housing.refresh_from_db()
    assert (housing.state, housing.matched_commitment_id, housing.outcome) == (
        "closed",
        hall.pk,
        "met",
    )
    task = IncidentTask.objects.get()
    assert (task.origin, task.owner_unit_id, task.state) == ("recovery", school.pk, "done")

    # The after-action review with one improvement item (it revises the incident's plan).
    phone.goto(f"{base}/response/recovery/incidents/{incident.pk}/")
    expect(phone.locator("#needs-closed")).to_have_text("1")
    phone.click("#new-review")
    phone.fill("#id_went_well", "两小时内完成入户评估")
    phone.fill("#id_went_wrong", "排水泵不足")
    phone.fill("#id_f0-title", "增购两台排水泵")
    phone.select_option("#id_f0-owner_user", str(community_admin.pk))
    due = timezone.localdate() + dt.timedelta(days=30)
    phone.fill("#id_f0-due_date", due.isoformat())
    phone.click("#review-form button[type=submit]")
    review = AfterActionReview.objects.get()
    phone.wait_for_url(f"{base}/response/recovery/reviews/{review.pk}/")
    expect(phone.locator(f"#review-items [data-plan='{plan.pk}'] [data-item]")).to_have_count(1)
    item = ImprovementItem.objects.get()
    assert (item.title, item.plan_id, item.owner_user_id, item.due_date) == (
        "增购两台排水泵",
        plan.pk,
        community_admin.pk,
        due,
    )
    phone.screenshot(path=str(SCREENSHOT), full_page=True)
