"""The reporter's resolution answer (解决情况) at the follow-up: through the service and the API,
what a bad answer gets, and the purge of old Idempotency-Key answers by the sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from resigrid.cases import services
from resigrid.cases.metrics import rules
from resigrid.cases.models import Case, CaseLog, IdempotentRequest
from resigrid.cases.sweeper import purge_idempotency_keys, sweep
from resigrid.core.errors import ValidationFailed
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import T0, client_of, move_to, post

pytestmark = pytest.mark.django_db


def closed(resident, community_admin, department, grid_worker, **extra) -> Case:
    return move_to(
        report(resident, **extra),
        "closed",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )


def test_the_service_keeps_the_answer(
    casebook: Casebook, resident, community_admin, department, grid_worker
) -> None:
    case = closed(resident, community_admin, department, grid_worker)
    with pytest.raises(ValidationFailed) as caught:
        services.rate(actor=resident, case_id=case.pk, rating="satisfied", resolution="maybe")
    assert (caught.value.field, str(caught.value.message)) == (
        "resolution",
        "Choose resolved, partly resolved or not resolved.",
    )
    case.refresh_from_db()
    assert (case.state, case.rating, case.resolution) == ("closed", "", "")
    assert not CaseLog.objects.filter(case=case, action="rate").exists()
    services.rate(actor=resident, case_id=case.pk, rating="basically", resolution="partly")
    case.refresh_from_db()
    assert (case.state, case.rating, case.resolution) == ("rated", "basically", "partly")


def test_the_api_takes_and_shows_the_answer(
    casebook: Casebook, resident, community_admin, department, grid_worker
) -> None:
    case = closed(resident, community_admin, department, grid_worker)
    url = f"/api/cases/{case.pk}/actions/rate"
    me = client_of(resident)
    bad = post(me, url, {"rating": "satisfied", "resolution": "done"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "resolution"]
    assert Case.objects.get(pk=case.pk).state == "closed"
    rated = post(me, url, {"rating": "satisfied", "resolution": "resolved"})
    assert rated.status_code == 200
    assert (rated.json()["rating"], rated.json()["resolution"]) == ("satisfied", "resolved")
    assert (me.get(f"/api/cases/{case.pk}").json()["resolution"]) == "resolved"
    # The rate schema documents the answer with its values.
    schema = Client().get("/api/openapi.json").json()["components"]["schemas"]["RateIn"]
    assert schema["properties"]["resolution"]["enum"] == ["", "resolved", "partly", "unresolved"]


def test_a_rating_without_the_answer_is_kept_and_left_out_of_the_resolution_rate(
    casebook: Casebook, resident, community_admin, department, grid_worker
) -> None:
    case = closed(resident, community_admin, department, grid_worker)
    rated = post(client_of(resident), f"/api/cases/{case.pk}/actions/rate", {"rating": "satisfied"})
    assert (rated.status_code, rated.json()["resolution"]) == (200, "")
    facts = rules.Facts(**{n: getattr(Case.objects.get(pk=case.pk), n) for n in rules.FACT_FIELDS})
    counts = rules.tally(facts, now=T0, response_after=dt.timedelta(hours=2))
    assert (counts.rated, counts.resolved + counts.partly + counts.unresolved) == (1, 0)
    metrics = rules.compute(counts)
    assert metrics.satisfaction_rate == 1.0
    assert (metrics.resolution_rate, metrics.composite) == (None, None)


def _key(name: str, at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        IdempotentRequest.objects.create(
            key=name, owner="anon", fingerprint="f" * 64, status_code=201, response={}
        )


def test_idempotency_answers_older_than_a_day_are_purged(casebook: Casebook) -> None:
    now = dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC)
    _key("two-days", now - dt.timedelta(days=2))
    _key("a-day-and-a-second", now - dt.timedelta(hours=24, seconds=1))
    _key("exactly-a-day", now - dt.timedelta(hours=24))
    _key("an-hour", now - dt.timedelta(hours=1))
    assert purge_idempotency_keys(now=now) == 2
    assert sorted(IdempotentRequest.objects.values_list("key", flat=True)) == [
        "an-hour",
        "exactly-a-day",
    ]
    assert purge_idempotency_keys(now=now) == 0
    # The sweeper does it on every run.
    with time_machine.travel(now + dt.timedelta(hours=2), tick=False):
        assert sweep().purged_keys == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["an-hour"]
