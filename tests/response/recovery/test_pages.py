"""Pages: scope (outsider 404, no right 403, nothing written), the assessment form, the need
page (health details hidden and the read logged), the review form and the plan link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.recovery import reviews, services
from resigrid.response.recovery.models import AfterActionReview, HouseholdNeed, NeedsAssessment
from resigrid.response.recovery.reads import plan_url
from resigrid.response.recovery.reviews import FindingInput
from resigrid.response.recovery.services import NeedInput

from .conftest import NOW, World


def test_board_scope_and_rights(
    world: World, client_for: Any, outsider: User, department: User
) -> None:
    url = f"/response/recovery/incidents/{world.incident.pk}/"
    assert client_for(outsider).get(url).status_code == 404
    c = client_for(department)
    assert c.get(url).status_code == 200
    assert c.get(f"{url}review/new/").status_code == 403
    r = c.post(f"{url}review/new/", {"held_at": "2026-07-01T09:00", "went_well": "x"})
    assert r.status_code == 403
    assert not AfterActionReview.objects.exists()


def test_assess_a_household_on_the_form(
    world: World, client_for: Any, community_admin: User
) -> None:
    c = client_for(community_admin)
    url = f"/response/recovery/incidents/{world.incident.pk}/assess/"
    found = c.get(f"/response/recovery/incidents/{world.incident.pk}/households/?q=202")
    assert f'data-household="{world.home2.pk}"' in found.content.decode()
    assert f'data-household="{world.home1.pk}"' not in found.content.decode()
    # Text without a severity is refused, nothing written.
    r = c.post(url, {"household": world.home1.pk, "housing_description": "进水"})
    assert r.status_code == 422
    assert 'data-error="housing_severity"' in r.content.decode()
    assert not NeedsAssessment.objects.exists()
    r = c.post(
        url,
        {
            "household": world.home1.pk,
            "housing_severity": "high",
            "housing_description": "进水",
            "medical_severity": "moderate",
            "medical_description": "胰岛素",
        },
    )
    assert r.status_code == 302
    assert sorted(HouseholdNeed.objects.values_list("kind", "severity")) == [
        ("housing", "high"),
        ("medical", "moderate"),
    ]
    # Outside the incident's area (another community's household): the service refuses.
    r = c.post(url, {"household": world.far_home.pk, "housing_severity": "low"})
    assert r.status_code == 404  # not in the secretary's scope at all


def test_need_page_hides_health_data_and_logs_reads(
    world: World, client_for: Any, community_admin: User, street_admin: User
) -> None:
    a = services.record_assessment(
        actor=community_admin,
        incident=world.incident,
        household=world.home1,
        needs=[NeedInput("medical", "high", "透析")],
    )
    need = a.needs.get()
    url = f"/response/recovery/needs/{need.pk}/"
    r = client_for(street_admin).get(url)
    assert r.status_code == 403
    board = client_for(street_admin).get(f"/response/recovery/incidents/{world.incident.pk}/")
    assert "透析" not in board.content.decode()
    assert 'id="needs-hidden"' in board.content.decode()
    assert not PersonalDataAccess.objects.exists()
    r = client_for(community_admin).get(url)
    assert r.status_code == 200
    assert "透析" in r.content.decode()
    assert f'data-commitment="{world.clinic_visits.pk}"' in r.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.user_id, row.subject, row.object_ids) == (
        community_admin.pk,
        "recovery.householdneed",
        [need.pk],
    )
    # Match from the suggestion, then close.
    c = client_for(community_admin)
    r = c.post(
        f"{url}match/", {"commitment": world.clinic_visits.pk, "with_task": "on", "due_date": ""}
    )
    assert r.status_code == 302
    need.refresh_from_db()
    assert (need.state, need.matched_commitment_id, need.task.origin) == (  # type: ignore[union-attr]
        "matched",
        world.clinic_visits.pk,
        "recovery",
    )
    r = c.post(f"{url}close/", {"outcome": "partly_met", "note": ""})
    assert r.status_code == 422
    assert 'data-error="note"' in r.content.decode()
    r = c.post(f"{url}close/", {"outcome": "met"})
    assert r.status_code == 302
    need.refresh_from_db()
    assert need.state == "closed"


def test_review_form_owner_missing_and_plan_link(
    world: World, client_for: Any, community_admin: User
) -> None:
    c = client_for(community_admin)
    url = f"/response/recovery/incidents/{world.incident.pk}/review/new/"
    data = {
        "held_at": "2026-07-01T09:00",
        "went_wrong": "排水泵不足",
        "f0-title": "增购排水泵",
        "f0-due_date": "2026-08-01",
    }
    r = c.post(url, data)
    assert r.status_code == 422
    assert 'data-error="owner_user"' in r.content.decode()
    assert not AfterActionReview.objects.exists()
    assert not ImprovementItem.objects.exists()
    r = c.post(url, {**data, "f0-owner_user": community_admin.pk})
    assert r.status_code == 302
    review = AfterActionReview.objects.get()
    item = ImprovementItem.objects.get()
    assert (item.plan_id, item.owner_user_id, item.source_id) == (
        world.plan.pk,
        community_admin.pk,
        review.pk,
    )
    page = c.get(f"/response/recovery/reviews/{review.pk}/").content.decode()
    assert f'data-plan="{world.plan.pk}"' in page
    r = c.post(f"/response/recovery/reviews/{review.pk}/items/{item.pk}/close/", {"done": "1"})
    assert r.status_code == 302
    assert r["Location"] == f"/response/recovery/reviews/{review.pk}/?revise={world.plan.pk}"
    page = c.get(r["Location"]).content.decode()
    assert f'href="{plan_url(world.plan.pk)}" id="revise-plan-link"' in page


def test_second_review_must_be_a_follow_up(
    world: World, client_for: Any, community_admin: User
) -> None:
    first = reviews.create_review(
        actor=community_admin,
        incident=world.incident,
        held_at=NOW,
        went_well="x",
        findings=[FindingInput("y", dt.date(2026, 8, 1), owner_user=community_admin)],
    )
    c = client_for(community_admin)
    url = f"/response/recovery/incidents/{world.incident.pk}/review/new/"
    r = c.post(url, {"held_at": "2026-07-01T09:30", "went_well": "z", "follow_up_of": ""})
    assert r.status_code == 422
    assert 'data-error="follow_up_of"' in r.content.decode()
    r = c.post(url, {"held_at": "2026-07-01T09:30", "went_well": "z", "follow_up_of": first.pk})
    assert r.status_code == 302
    assert AfterActionReview.objects.filter(follow_up_of=first).count() == 1
