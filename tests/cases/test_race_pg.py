"""Two people move the same case at once on PostgreSQL: one wins, the other gets a conflict,
and exactly one log row is written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from resigrid.cases import services
from resigrid.core.errors import ConflictError
from tests.cases.conftest import Casebook, report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def test_two_accepts_at_once(
    casebook: Casebook, resident, community_admin, community_staff
) -> None:
    case = report(resident)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(user) -> None:
        try:
            barrier.wait()
            services.accept(actor=user, case_id=case.pk, expected="reported")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(u,)) for u in (community_admin, community_staff)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert case.log.filter(action="accept").count() == 1
