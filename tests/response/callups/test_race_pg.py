"""Two coordinators confirm the same volunteer on two overlapping call-ups at once on
PostgreSQL: one wins, the other gets "a volunteer cannot be booked twice" and writes nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError
from resigrid.notify.models import Message
from resigrid.response.callups import assign, services
from resigrid.response.callups.models import Assignment, AssignmentState, CallUp
from tests.response.callups.conftest import START, Crew, make_callup, user_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def test_two_coordinators_book_one_volunteer_at_once(
    crew: Crew, community_admin: User, community_staff: User
) -> None:
    first = make_callup(community_admin, crew.tree, count=1)
    second = make_callup(
        community_staff,
        crew.tree,
        title="转移群众",
        count=1,
        starts_at=START + dt.timedelta(hours=1),
    )
    for callup in (first, second):
        services.sign_up(actor=user_of(crew.jia), callup=callup)
        assert assign.propose_assignment(actor=community_admin, callup=callup).filled == 1
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def confirm(user: User, callup: CallUp) -> None:
        try:
            barrier.wait()
            assign.confirm(actor=user, callup=callup)
            outcomes[callup.pk] = "ok"
        except ConflictError as exc:
            outcomes[callup.pk] = str(exc.message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=confirm, args=(community_admin, first)),
        threading.Thread(target=confirm, args=(community_staff, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values())[-1] == "ok"
    loser_msg = sorted(outcomes.values())[0]
    assert loser_msg.startswith("A volunteer cannot be booked twice: 甲 is already confirmed")
    booked = Assignment.objects.filter(volunteer=crew.jia, state=AssignmentState.CONFIRMED)
    assert booked.count() == 1
    loser = second if outcomes[first.pk] == "ok" else first
    assert loser.assignments.get().state == AssignmentState.PROPOSED
    assert Message.objects.filter(topic="callups.confirmed").count() == 1
