"""Two escalations of one risk at the same moment on PostgreSQL: the row lock lets one open the
case; the other waits, then is refused (409-style ConflictError). Exactly one case."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from resigrid.cases.models import Case
from resigrid.core.errors import ConflictError
from resigrid.response.risks import escalation
from resigrid.response.risks.models import RiskPoint
from tests.factories import Tree
from tests.response.risks.conftest import add_risk, matrix

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_escalations_at_once_open_one_case(
    tree: Tree, community_admin: Any, categories: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two transactions at once: run with DATABASE_URL (PostgreSQL)")
    risk = add_risk(community_admin, tree.grid11, matrix(4, 5))
    start = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def escalate(note: str) -> None:
        try:
            start.wait(timeout=10)
            escalation.escalate(actor=community_admin, risk_id=risk.pk, note=note)
            outcome = "ok"
        except ConflictError:
            outcome = "refused"
        except Exception as exc:  # anything else must fail the test
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=escalate, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Case.objects.count() == 1
    assert RiskPoint.objects.get().escalated_case_id == Case.objects.get().pk
