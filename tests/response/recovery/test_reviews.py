"""After-action reviews: findings become improvement items with owner, due date and plan; an
item without an owner leaves nothing behind; one review per incident unless a follow-up."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.incidents.models import IncidentLog
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.plans.models import Plan
from resigrid.response.recovery import reviews, summary
from resigrid.response.recovery.models import AfterActionReview
from resigrid.response.recovery.reviews import FindingInput

from .conftest import NOW, World

DUE = dt.date(2026, 8, 1)


def _review(world: World, actor: User, *findings: FindingInput, **kw: object) -> AfterActionReview:
    return reviews.create_review(
        actor=actor,
        incident=world.incident,
        held_at=NOW,
        participants="书记、网格员、诊所",
        went_well="转移及时",
        went_wrong="排水泵不足",
        findings=findings,
        **kw,  # type: ignore[arg-type]
    )


def test_review_findings_become_items_of_the_plan(
    world: World, community_admin: User, grid_worker: User
) -> None:
    other_plan = Plan.objects.create(
        title="停电预案",
        hazard_class="accident",
        area=world.incident.area,
        created_by=community_admin,
    )
    review = _review(
        world,
        community_admin,
        FindingInput("增购排水泵", DUE, owner_user=community_admin, detail="至少两台"),
        FindingInput("备用电源", DUE, owner_unit=world.shelter, plan=other_plan),
        FindingInput("联系表更新", DUE, owner_user=grid_worker, no_plan=True),
        participant_accounts=[grid_worker],
    )
    items = reviews.review_items(review)
    assert [(i.title, i.source, i.source_id, i.plan_id, i.due_date, i.area_id) for i in items] == [
        ("增购排水泵", "review", review.pk, world.plan.pk, DUE, world.incident.area_id),
        ("备用电源", "review", review.pk, other_plan.pk, DUE, world.incident.area_id),
        ("联系表更新", "review", review.pk, None, DUE, world.incident.area_id),
    ]
    assert list(review.participant_accounts.all()) == [grid_worker]
    log = IncidentLog.objects.get(action="review_held")
    assert log.data["items"] == sorted(i.pk for i in items)
    assert summary.for_incident(world.incident) == summary.RecoverySummary(0, 0, 1, 3)

    pump = next(i for i in items if i.title == "增购排水泵")
    closed = reviews.close_item(actor=community_admin, review=review, item=pump)
    assert (closed.state, closed.done_at) == ("done", NOW)
    assert summary.for_incident(world.incident) == summary.RecoverySummary(0, 0, 1, 2)
    with pytest.raises(ConflictError):
        reviews.close_item(actor=community_admin, review=review, item=pump)


def test_owner_missing_writes_nothing(world: World, community_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _review(
            world,
            community_admin,
            FindingInput("增购排水泵", DUE, owner_user=community_admin),
            FindingInput("无人负责", DUE),
        )
    assert exc.value.field == "findings.1.owner"
    assert str(exc.value.message) == "An improvement item needs an owner."
    assert not AfterActionReview.objects.exists()
    assert not ImprovementItem.objects.exists()
    assert not IncidentLog.objects.exists()


def test_due_date_checks(world: World, community_admin: User) -> None:
    for due, msg in ((None, "needs a due date"), (dt.date(2026, 6, 1), "before the review")):
        with pytest.raises(ValidationFailed) as exc:
            _review(world, community_admin, FindingInput("x", due, owner_user=community_admin))
        assert exc.value.field == "findings.0.due_date"
        assert msg in str(exc.value.message)
    assert not AfterActionReview.objects.exists()


def test_one_review_per_incident_unless_follow_up(world: World, community_admin: User) -> None:
    first = _review(world, community_admin)
    with pytest.raises(ConflictError) as exc:
        _review(world, community_admin)
    assert exc.value.field == "follow_up_of"
    second = _review(world, community_admin, follow_up_of=first)
    assert second.follow_up_of_id == first.pk
    assert AfterActionReview.objects.count() == 2


def test_empty_review_and_future_review_refused(world: World, community_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        reviews.create_review(actor=community_admin, incident=world.incident, held_at=NOW)
    assert exc.value.field == "went_well"
    with pytest.raises(ValidationFailed) as exc:
        reviews.create_review(
            actor=community_admin,
            incident=world.incident,
            held_at=NOW + dt.timedelta(days=1),
            went_well="x",
        )
    assert exc.value.field == "held_at"
    assert not AfterActionReview.objects.exists()


def test_no_right_no_review(world: World, grid_worker: User, department: User) -> None:
    for user in (grid_worker, department):
        with pytest.raises(PermissionDeniedError):
            _review(world, user)
    assert not AfterActionReview.objects.exists()


def test_a_person_field_is_not_labelled_as_a_unit() -> None:
    """The owner chosen among accounts reads 责任人, not 负责单位 (the unit has its own field)."""
    from django.utils import translation

    from resigrid.response.recovery.forms import FindingForm, MatchForm

    with translation.override("zh-hans"):
        assert str(FindingForm.base_fields["owner_user"].label) == "责任人"
        assert str(MatchForm.base_fields["owner"].label) == "责任人"
        assert str(FindingForm.base_fields["owner_unit"].label) != "责任人"
