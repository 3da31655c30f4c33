"""Sweeps API and pages: scope (404 outside, 403 without the right), start, progress, the
scoped contact list, one-tap outcomes with an Idempotency-Key, tap-to-call logging."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.response.incidents.models import IncidentTask
from resigrid.response.sweeps import services
from resigrid.response.sweeps.models import Sweep, SweepAttempt, SweepContact
from tests.response.sweeps.conftest import Area1

API = "/api/response/sweeps/"


def post(client: Any, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def sweep(area1: Area1, community_admin: User, grid_worker: User) -> Sweep:
    return services.start_sweep(
        actor=community_admin,
        incident=area1.incident,
        area=area1.tree.community1,
        deadline=timezone.now() + dt.timedelta(hours=3),
    )


def test_api_start_and_errors(
    client_for: Any, area1: Area1, community_admin: User, grid_worker: User, department: User
) -> None:
    deadline = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    body = {"incident_id": area1.incident.pk, "area_id": area1.tree.community1.pk}
    c = client_for(grid_worker)
    assert post(c, API, {**body, "deadline": deadline}).status_code == 404  # not in scope
    c = client_for(department)
    assert post(c, API, {**body, "deadline": deadline}).status_code == 403  # sees, may not
    c = client_for(community_admin)
    r = post(c, API, {**body, "deadline": "2000-01-01T00:00:00+08:00"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "deadline"]
    r = post(c, API, {**body, "deadline": deadline}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 201, r.content
    assert r.json()["area_code"] == area1.tree.community1.code
    r = post(c, API, {**body, "deadline": deadline})
    assert r.status_code == 409 and r.json()["state"] == "open"


def test_api_progress_contacts_and_outcome(
    client_for: Any, sweep: Sweep, area1: Area1, grid_worker: User, outsider: User
) -> None:
    c = client_for(outsider)
    assert c.get(f"{API}{sweep.pk}/progress").status_code == 404
    c = client_for(grid_worker)
    page = c.get(f"{API}{sweep.pk}/contacts").json()
    assert [i["name"] for i in page["items"]] == ["张奶奶", "李爷爷"]
    first = page["items"][0]
    assert first["phone"] == "139****5678" and first["can_call"] is False
    assert first["tags"] == ["chronic_illness", "living_alone"]
    other = SweepContact.objects.get(sweep=sweep, person=area1.c)
    r = post(c, f"{API}contacts/{other.pk}/outcome", {"outcome": "safe", "method": "visit"})
    assert r.status_code == 404  # another grid
    url = f"{API}contacts/{first['id']}/outcome"
    body = {"outcome": "needs_help", "method": "visit", "note": "需要送药"}
    r1 = post(c, url, body, HTTP_IDEMPOTENCY_KEY="tap-1")
    r2 = post(c, url, body, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json() and r1.json()["attempts"] == 1
    assert SweepAttempt.objects.count() == 1 and IncidentTask.objects.count() == 1
    r = post(c, url, {"outcome": "maybe", "method": "visit"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]
    progress = c.get(f"{API}{sweep.pk}/progress").json()
    assert (progress["persons"], progress["contacted"], progress["needs_help"]) == (3, 1, 1)
    assert [(g["grid_code"], g["contacted"], g["pending"]) for g in progress["grids"]] == [
        (area1.tree.grid11.code, 1, 1),
        (area1.tree.grid12.code, 0, 1),
    ]
    r = c.get(f"{API}{sweep.pk}/contacts?outcome=pending")
    assert [i["name"] for i in r.json()["items"]] == ["李爷爷"]
    assert c.get(f"{API}{sweep.pk}/contacts?outcome=odd").status_code == 422


def test_pages_progress_mine_and_record(
    client_for: Any, sweep: Sweep, area1: Area1, grid_worker: User, street_admin: User
) -> None:
    c = client_for(grid_worker)
    r = c.get(f"/response/sweeps/{sweep.pk}/mine/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "张奶奶" in html and "李爷爷" in html and "赵阿姨" not in html
    assert "139****5678" in html and "13912345678" not in html
    contact = SweepContact.objects.get(sweep=sweep, person=area1.a)
    r = c.post(
        f"/response/sweeps/contacts/{contact.pk}/record/",
        {"outcome": "safe", "method": "phone", "key": "abc"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and 'data-outcome="safe"' in r.content.decode()
    contact.refresh_from_db()
    assert (contact.outcome, contact.method) == ("safe", "phone")
    # The street sees the counts, not the names.
    c = client_for(street_admin)
    html = c.get(f"/response/sweeps/{sweep.pk}/").content.decode()
    assert 'data-contacted="1"' in html and "张奶奶" not in html
    assert c.get(f"/response/sweeps/{sweep.pk}/mine/").content.decode().count("data-contact=") == 0


def test_tap_to_call_only_with_unmask_and_logged(
    client_for: Any, sweep: Sweep, area1: Area1, grid_worker: User, community_admin: User
) -> None:
    contact = SweepContact.objects.get(sweep=sweep, person=area1.a)
    url = f"/response/sweeps/contacts/{contact.pk}/call/"
    assert client_for(grid_worker).get(url).status_code == 403
    assert PersonalDataAccess.objects.count() == 0
    r = client_for(community_admin).get(url)
    assert r.status_code == 302 and r["Location"] == "tel:13912345678"
    log = PersonalDataAccess.objects.get()
    assert (log.user_id, log.object_ids, log.fields) == (
        community_admin.pk,
        [area1.a.pk],
        ["phone"],
    )


def test_start_page(client_for: Any, area1: Area1, community_admin: User) -> None:
    c = client_for(community_admin)
    url = f"/response/sweeps/start/{area1.incident.pk}/"
    assert c.get(url).status_code == 200
    deadline = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(url, {"area": area1.tree.grid12.pk, "deadline": deadline})
    assert r.status_code == 302
    sweep = Sweep.objects.get()
    assert sweep.area_id == area1.tree.grid12.pk
    assert list(sweep.contacts.values_list("person__name", flat=True)) == ["赵阿姨"]
    assert c.get("/response/sweeps/").status_code == 200


def test_progress_page_after_the_deadline_lists_and_escalates_once(
    client_for: Any, area1: Area1, community_admin: User, grid_worker: User
) -> None:
    now = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        sweep = services.start_sweep(
            actor=community_admin,
            incident=area1.incident,
            area=area1.tree.community1,
            deadline=now + dt.timedelta(minutes=5),
        )
        c = client_for(community_admin)
        html = c.get(f"/response/sweeps/{sweep.pk}/").content.decode()
        assert 'id="sweep-overdue"' not in html
    with time_machine.travel(now + dt.timedelta(minutes=6), tick=False):  # within idle logout
        html = c.get(f"/response/sweeps/{sweep.pk}/", HTTP_HX_REQUEST="true").content.decode()
        assert 'id="sweep-overdue"' in html and "<html" not in html  # the htmx partial
        assert html.count("data-late=") == 3 and "赵阿姨" in html
        assert IncidentTask.objects.count() == 2  # escalated on read, a task per grid
        c.get(f"/response/sweeps/{sweep.pk}/")
        assert IncidentTask.objects.count() == 2  # once
        r = c.post(f"/response/sweeps/{sweep.pk}/close/")
        assert r.status_code == 302
    sweep.refresh_from_db()
    assert sweep.state == "closed"
