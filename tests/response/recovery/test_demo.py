"""The demo seed gives every kind of need a fitting commitment in each community with units."""

from __future__ import annotations

from resigrid.accounts.models import User
from resigrid.orgs.models import UnitSpecialty
from resigrid.response.recovery import matching
from resigrid.response.recovery.rules import NEED_COMMITMENT_KINDS
from resigrid.web.demo import response_recovery

from .conftest import NOW, World


def test_seed_makes_every_need_kind_matchable(world: World, community_admin: User) -> None:
    UnitSpecialty.objects.create(unit=world.shelter, specialty="accommodation")
    tree_ids = [world.incident.area_id, world.other_unit.area_id]
    counts = response_recovery.seed(seed=1, street_id=0, community_ids=tree_ids)
    # Both communities already reach space, goods and services (their own units and the street's
    # social-work station): only the medical and livelihood lines are added, two per community.
    assert counts == {"recovery_commitments": 4}
    for kind in NEED_COMMITMENT_KINDS:
        found = matching.candidate_commitments(world.far_home.grid, kind, NOW.date())
        assert found, kind
