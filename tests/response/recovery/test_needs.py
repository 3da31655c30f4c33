"""Assessments, match suggestions, matching, closure: exact outcomes, and nothing written when
refused."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.people.models import Household
from resigrid.response.incidents.models import IncidentLog, IncidentTask, TaskState
from resigrid.response.recovery import matching, services, summary
from resigrid.response.recovery.models import HouseholdNeed, NeedsAssessment
from resigrid.response.recovery.services import NeedInput
from tests.factories import Tree

from .conftest import NOW, World


def _assess(world: World, actor: User, *needs: NeedInput) -> NeedsAssessment:
    return services.record_assessment(
        actor=actor, incident=world.incident, household=world.home1, needs=needs, notes=" 积水 "
    )


def test_assessment_records_one_need_per_kind_and_logs(world: World, community_admin: User) -> None:
    a = _assess(
        world,
        community_admin,
        NeedInput("housing", "high", " 一楼进水 "),
        NeedInput("medical", "moderate", "需要胰岛素"),
    )
    assert (a.household_id, a.grid_id, a.assessed_by_id, a.assessed_at, a.notes) == (
        world.home1.pk,
        world.home1.grid_id,
        community_admin.pk,
        NOW,
        "积水",
    )
    assert list(a.needs.order_by("pk").values_list("kind", "severity", "description", "state")) == [
        ("housing", "high", "一楼进水", "open"),
        ("medical", "moderate", "需要胰岛素", "open"),
    ]
    log = IncidentLog.objects.get(incident=world.incident)
    assert (log.action, log.data) == (
        "recovery_assessed",
        {"assessment": a.pk, "household": world.home1.pk, "needs": ["housing", "medical"]},
    )
    assert "胰岛素" not in log.note
    assert summary.for_incident(world.incident) == summary.RecoverySummary(2, 0, 0, 0)


@pytest.mark.parametrize(
    ("needs", "field"),
    [
        ([NeedInput("roof", "high")], "needs.0.kind"),
        ([NeedInput("housing", "high"), NeedInput("housing", "low")], "needs.1.kind"),
        ([NeedInput("housing", "urgent")], "needs.0.severity"),
        ([NeedInput("housing", "low", "x" * 2001)], "needs.0.description"),
    ],
)
def test_bad_needs_are_refused_nothing_written(
    world: World, community_admin: User, needs: list[NeedInput], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _assess(world, community_admin, *needs)
    assert field in exc.value.errors
    assert not NeedsAssessment.objects.exists()
    assert not IncidentLog.objects.exists()


def test_household_outside_the_incident_area_is_refused(world: World, street_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.record_assessment(
            actor=street_admin,
            incident=world.incident,
            household=world.far_home,
            needs=[NeedInput("housing", "low")],
        )
    assert exc.value.field == "household"
    assert str(exc.value.message) == "This household is outside the incident's area."
    assert not NeedsAssessment.objects.exists()


def test_no_right_no_assessment(world: World, resident: User, department: User) -> None:
    for user in (resident, department):
        with pytest.raises(PermissionDeniedError):
            _assess(world, user, NeedInput("housing", "low"))
    assert not NeedsAssessment.objects.exists()


def test_grid_worker_assesses_in_their_own_grid_only(
    world: World, grid_worker: User, tree: Tree
) -> None:
    a = _assess(world, grid_worker, NeedInput("housing", "low"))
    assert a.assessed_by_id == grid_worker.pk
    elsewhere = Household.objects.create(grid=tree.grid12, room="3")
    with pytest.raises(PermissionDeniedError):
        services.record_assessment(
            actor=grid_worker,
            incident=world.incident,
            household=elsewhere,
            needs=[NeedInput("housing", "low")],
        )
    assert NeedsAssessment.objects.count() == 1


def test_suggestions_fit_kind_area_validity_and_rank(world: World, community_admin: User) -> None:
    a = _assess(
        world,
        community_admin,
        NeedInput("housing", "high"),
        NeedInput("necessities", "moderate"),
        NeedInput("medical", "moderate"),
        NeedInput("psychological", "low"),
    )
    by_kind = {n.kind: n for n in a.needs.all()}

    def ids(kind: str) -> list[int]:
        return [s.commitment.pk for s in matching.suggestions(by_kind[kind])]

    # Housing: space and services of units in or above grid 11; the nearest first.
    assert ids("housing") == [world.clinic_visits.pk, world.hall.pk, world.counselling.pk]
    # Necessities: goods and vehicles; not community 2's, not daily-only, not expired.
    assert ids("necessities") == [world.clinic_van.pk, world.food.pk]
    # Medical: the clinic (medical specialty) first.
    assert ids("medical") == [world.clinic_visits.pk, world.clinic_van.pk, world.counselling.pk]
    # Psychological: the street social-work station (psychological specialty) before the clinic.
    first = matching.suggestions(by_kind["psychological"])
    assert [(s.commitment.pk, s.specialty_fit) for s in first] == [
        (world.counselling.pk, True),
        (world.clinic_visits.pk, False),
    ]


def test_match_close_and_summary(world: World, community_admin: User) -> None:
    a = _assess(world, community_admin, NeedInput("housing", "high", "一楼进水"))
    need = a.needs.get()
    due = dt.date(2026, 7, 3)
    matched = services.match_need(
        actor=community_admin,
        need=need,
        commitment=world.hall,
        owner=community_admin,
        due_date=due,
        with_task=True,
    )
    assert (matched.state, matched.matched_unit_id, matched.matched_at, matched.due_date) == (
        "matched",
        world.shelter.pk,
        NOW,
        due,
    )
    task = IncidentTask.objects.get()
    assert (task.origin, task.owner_unit_id, task.area_id, task.state, task.detail) == (
        "recovery",
        world.shelter.pk,
        world.home1.grid_id,
        "open",
        "一楼进水\n体育馆临时安置",
    )
    assert matched.task_id == task.pk
    # Another need of another household sees the commitment as already leaned on.
    b = services.record_assessment(
        actor=community_admin,
        incident=world.incident,
        household=world.home2,
        needs=[NeedInput("housing", "low")],
    )
    hall = [s for s in matching.suggestions(b.needs.get()) if s.commitment.pk == world.hall.pk]
    assert hall[0].already_matched == 1

    services.start_need(actor=community_admin, need=need)
    closed = services.close_need(actor=community_admin, need=need, outcome="met", note="已安置")
    assert (closed.state, closed.outcome, closed.outcome_note, closed.closed_at) == (
        "closed",
        "met",
        "已安置",
        NOW,
    )
    task.refresh_from_db()
    assert (task.state, task.done_at) == (TaskState.DONE, NOW)
    actions = list(
        IncidentLog.objects.filter(action__startswith="recovery_need").values_list(
            "action", "data__from", "data__to"
        )
    )
    assert actions == [
        ("recovery_need_matched", "open", "matched"),
        ("recovery_need_started", "matched", "in_progress"),
        ("recovery_need_closed", "in_progress", "closed"),
    ]
    assert summary.for_incident(world.incident) == summary.RecoverySummary(1, 1, 0, 0)
    with pytest.raises(ConflictError):
        services.close_need(actor=community_admin, need=need, outcome="met")
    with pytest.raises(ConflictError):
        services.match_need(actor=community_admin, need=need, service="再次")


def test_match_refuses_unfit_commitments_and_empty_matches(
    world: World, community_admin: User
) -> None:
    need = _assess(world, community_admin, NeedInput("housing", "high")).needs.get()
    for bad in (world.food, world.other_goods, world.daily_only, world.expired):
        with pytest.raises(ValidationFailed) as exc:
            services.match_need(actor=community_admin, need=need, commitment=bad)
        assert exc.value.field == "commitment"
    with pytest.raises(ValidationFailed) as exc:
        services.match_need(actor=community_admin, need=need)
    assert exc.value.field == "commitment"
    with pytest.raises(ValidationFailed) as exc:
        services.match_need(actor=community_admin, need=need, service="排水", with_task=True)
    assert exc.value.field == "unit"
    with pytest.raises(ValidationFailed) as exc:
        services.match_need(
            actor=community_admin, need=need, service="排水", due_date=dt.date(2026, 6, 30)
        )
    assert exc.value.field == "due_date"
    need.refresh_from_db()
    assert (need.state, need.matched_commitment_id, need.task_id) == ("open", None, None)
    assert not IncidentTask.objects.exists()


def test_service_in_words_then_close_without_match(world: World, community_admin: User) -> None:
    a = _assess(world, community_admin, NeedInput("livelihood", "low"), NeedInput("housing", "low"))
    live, house = a.needs.order_by("pk")
    m = services.match_need(actor=community_admin, need=live, service="街道就业服务站推荐岗位")
    assert (m.state, m.matched_unit_id, m.matched_service) == (
        "matched",
        None,
        "街道就业服务站推荐岗位",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.close_need(actor=community_admin, need=house, outcome="not_met")
    assert exc.value.field == "note"
    c = services.close_need(actor=community_admin, need=house, outcome="no_longer_needed")
    assert c.state == "closed"
    with pytest.raises(ValidationFailed):
        services.close_need(actor=community_admin, need=live, outcome="fine")
    assert HouseholdNeed.objects.get(pk=live.pk).state == "matched"


def test_other_community_staff_cannot_match(
    world: World, community_admin: User, tree: Tree
) -> None:
    from resigrid.accounts.roles import Role
    from tests.factories import UserFactory, bind

    other = UserFactory(username="other-secretary")
    bind(other, tree.community2, Role.COMMUNITY_SECRETARY)
    need = _assess(world, community_admin, NeedInput("housing", "high")).needs.get()
    with pytest.raises(PermissionDeniedError):
        services.match_need(actor=other, need=need, service="x")
    with pytest.raises(PermissionDeniedError):
        services.close_need(actor=other, need=need, outcome="met")
    need.refresh_from_db()
    assert need.state == "open"


def test_rematch_cancels_the_first_task(world: World, community_admin: User) -> None:
    need = _assess(world, community_admin, NeedInput("housing", "high")).needs.get()
    first = services.match_need(
        actor=community_admin, need=need, commitment=world.hall, with_task=True
    )
    first_task = first.task
    assert first_task is not None
    second = services.match_need(
        actor=community_admin, need=need, commitment=world.clinic_visits, with_task=True
    )
    first_task.refresh_from_db()
    assert (first_task.state, first_task.outcome) == ("cancelled", "Replaced by another match.")
    assert second.task is not None
    assert (second.task.owner_unit_id, second.task.state) == (world.clinic.pk, "open")
    assert second.matched_unit_id == world.clinic.pk
    assert IncidentLog.objects.filter(action="task_cancelled").count() == 1
