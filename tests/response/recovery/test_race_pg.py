"""Two people at once on PostgreSQL: two first reviews of one incident (one wins, the other is
told to record a follow-up), and two closures of one need (one wins, one log row)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError
from resigrid.response.incidents.models import IncidentLog
from resigrid.response.recovery import reviews, services
from resigrid.response.recovery.models import AfterActionReview
from resigrid.response.recovery.services import NeedInput

from .conftest import NOW, World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def _race(work: Callable[[User], object], users: list[User]) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def run(user: User) -> None:
        try:
            barrier.wait()
            work(user)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_first_reviews_at_once(
    world: World, community_admin: User, community_staff: User
) -> None:
    outcomes = _race(
        lambda u: reviews.create_review(
            actor=u, incident=world.incident, held_at=NOW, went_well=u.username
        ),
        [community_admin, community_staff],
    )
    assert outcomes == ["conflict", "ok"]
    assert AfterActionReview.objects.count() == 1
    assert IncidentLog.objects.filter(action="review_held").count() == 1


def test_two_closures_at_once(world: World, community_admin: User, community_staff: User) -> None:
    need = services.record_assessment(
        actor=community_admin,
        incident=world.incident,
        household=world.home1,
        needs=[NeedInput("housing", "high")],
    ).needs.get()
    outcomes = _race(
        lambda u: services.close_need(actor=u, need=need, outcome="met"),
        [community_admin, community_staff],
    )
    assert outcomes == ["conflict", "ok"]
    assert IncidentLog.objects.filter(action="recovery_need_closed").count() == 1
