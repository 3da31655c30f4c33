"""Medical and psychological needs are health data: listed with details only to holders of
VIEW_VULNERABLE on the household's grid (and the read is logged); counted for everyone else."""

from __future__ import annotations

import pytest

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core.errors import PermissionDeniedError
from resigrid.response.recovery import reads, services
from resigrid.response.recovery.services import NeedInput

from .conftest import World


@pytest.fixture
def needs(world: World, community_admin: User) -> dict[str, int]:
    a = services.record_assessment(
        actor=community_admin,
        incident=world.incident,
        household=world.home1,
        needs=[NeedInput("housing", "high", "进水"), NeedInput("psychological", "high", "失眠")],
    )
    return {n.kind: n.pk for n in a.needs.all()}


def test_street_staff_sees_counts_not_health_details(
    world: World, street_admin: User, needs: dict[str, int]
) -> None:
    b = reads.board(street_admin, world.incident)
    assert b.counts["psychological"]["open"] == 1
    assert b.totals["open"] == 2
    assert [n.pk for n in b.needs] == [needs["housing"]]
    assert b.hidden == 1
    assert not PersonalDataAccess.objects.exists()
    with pytest.raises(PermissionDeniedError):
        reads.check_health(street_admin, reads.need_for(street_admin, needs["psychological"]))


def test_community_staff_sees_details_and_the_read_is_logged(
    world: World, community_admin: User, needs: dict[str, int]
) -> None:
    b = reads.board(community_admin, world.incident)
    assert sorted(n.pk for n in b.needs) == sorted(needs.values())
    assert b.hidden == 0
    row = PersonalDataAccess.objects.get()
    assert (row.user_id, row.action, row.subject, row.object_ids, row.row_count, row.scope) == (
        community_admin.pk,
        "unmasked_read",
        "recovery.householdneed",
        [needs["psychological"]],
        1,
        world.incident.area.code,
    )
    # Filtering to housing only shows no health data: nothing more logged.
    reads.board(community_admin, world.incident, kind="housing")
    assert PersonalDataAccess.objects.count() == 1


def test_grid_worker_reaches_the_community_incident_for_their_grid(
    world: World, grid_worker: User, outsider: User, needs: dict[str, int]
) -> None:
    assert reads.incident_for(grid_worker, world.incident.pk) == world.incident
    b = reads.board(grid_worker, world.incident)
    assert sorted(n.pk for n in b.needs) == sorted(needs.values())  # VIEW_VULNERABLE on grid 11
    reach = reads.households_in_reach(grid_worker, world.incident)
    assert [h.pk for h in reach] == [world.home1.pk, world.home2.pk]  # grid 11 only
    with pytest.raises(Exception, match="No such incident"):
        reads.incident_for(outsider, world.incident.pk)
