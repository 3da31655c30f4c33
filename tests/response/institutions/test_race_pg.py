"""Two submissions of the same inspection form at once on PostgreSQL (a double tap on a slow
phone): one inspection, one case; both answers name the same inspection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from resigrid.cases.models import Case
from resigrid.response.institutions import inspections
from resigrid.response.institutions.inspections import AnswerSpec
from resigrid.response.institutions.models import Inspection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def test_double_submit_at_once(schedule, grid_worker) -> None:
    a, b = list(schedule.items.all())
    answers = {a.pk: AnswerSpec("finding", "通道堵塞"), b.pk: AnswerSpec("ok")}
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            inspection, new = inspections.record_inspection(
                actor=grid_worker, schedule_id=schedule.pk, answers=answers, key="tap-tap"
            )
            results.append((inspection.pk, new))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(new for _pk, new in results) == [False, True]
    assert len({pk for pk, _new in results}) == 1
    assert Inspection.objects.count() == 1
    assert Case.objects.count() == 1
