"""Races through the HTTP API on PostgreSQL, each request on its own connection.

The request that gets in first waits (inside its transaction) until the other is blocked on a
lock, so every run exercises the real race, not whichever thread happens to be faster."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from resigrid.cases import feedback, intake
from resigrid.cases.models import Case, CaseLog, IdempotentRequest
from resigrid.notify.models import Message
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import REPORTS, client_of, post, report_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs two transactions at once (PostgreSQL)"
    ),
]


def wait_for_a_blocked_request(timeout: float = 10.0) -> None:
    """Until another backend waits for a lock this transaction holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh view of the backends
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the other request never blocked")


def hold_first(original: Callable[..., Any]) -> Callable[..., Any]:
    """`original`, then wait for the competing request to block (first caller only)."""
    calls = iter(range(1_000_000))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if next(calls) == 0:
            wait_for_a_blocked_request()
        return result

    return wrapper


def at_once(*requests: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            results[i] = requests[i]()
        except Exception as exc:  # pragma: no cover - surfaced by the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_people_accept_at_once_one_wins(
    casebook: Casebook, resident, community_admin, community_staff, monkeypatch
) -> None:
    case = report(resident)
    monkeypatch.setattr(feedback, "tell_reporter", hold_first(feedback.tell_reporter))
    url = f"/api/cases/{case.pk}/actions/accept"
    clients = [client_of(community_admin), client_of(community_staff)]
    responses = at_once(
        *[lambda c=c: post(c, url, {"expected_state": "reported", "note": "受理"}) for c in clients]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json() == {
        "detail": "The case is now “Accepted”, not “Reported”; reload it.",
        "state": "accepted",
    }
    assert CaseLog.objects.filter(case=case, action="accept").count() == 1
    case.refresh_from_db()
    assert case.state == "accepted"


def test_two_retries_of_one_report_at_once_file_one_case(
    casebook: Casebook, resident, monkeypatch
) -> None:
    monkeypatch.setattr(intake, "report_case", hold_first(intake.report_case))
    clients = [client_of(resident), client_of(resident)]  # two connections, one owner
    responses = at_once(
        *[lambda c=c: post(c, REPORTS, report_body(), key="retry-b8a1") for c in clients]
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Case.objects.count() == 1
    assert CaseLog.objects.count() == 1
    assert Message.objects.count() == 1
    assert IdempotentRequest.objects.get().status_code == 201


def test_a_retried_move_racing_itself_moves_once(
    casebook: Casebook, resident, community_admin, monkeypatch
) -> None:
    case = report(resident)
    monkeypatch.setattr(feedback, "tell_reporter", hold_first(feedback.tell_reporter))
    url = f"/api/cases/{case.pk}/actions/accept"
    clients = [client_of(community_admin), client_of(community_admin)]
    responses = at_once(
        *[lambda c=c: post(c, url, {"register": True}, key="acc-9") for c in clients]
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert list(
        CaseLog.objects.filter(case=case).order_by("pk").values_list("action", flat=True)
    ) == ["report", "accept", "register"]
