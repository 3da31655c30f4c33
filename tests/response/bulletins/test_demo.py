"""The demo's bulletins: one past official release and one past rebuttal, both public."""

from __future__ import annotations

from resigrid.accounts.roles import Role
from resigrid.response.bulletins import reads
from resigrid.response.bulletins.models import BulletinLog
from resigrid.web.demo import response_bulletins, response_sweeps
from tests.factories import Tree, UserFactory, bind


def test_demo_seed(tree: Tree) -> None:
    bind(UserFactory(username="staff"), tree.community1, Role.COMMUNITY_STAFF)
    bind(UserFactory(username="secretary"), tree.community1, Role.COMMUNITY_SECRETARY)
    counts = response_bulletins.seed(
        seed=1, street_id=tree.street.pk, community_ids=[tree.community1.pk]
    )
    assert counts == {"bulletins": 2}
    public = list(reads.public(tree.street.code))
    assert [b.kind for b in public] == ["rebuttal", "official"]  # newest first
    assert public[0].rumour == "水库要泄洪，全村要撤离"
    assert all(b.published_at and b.published_at < b.updated_at for b in public)
    assert BulletinLog.objects.count() == 6
    assert response_sweeps.seed(seed=1, street_id=tree.street.pk, community_ids=[]) == {}
