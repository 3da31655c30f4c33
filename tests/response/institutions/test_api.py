"""API: scope (outsider 404, no right 403), validation (422 naming the field), the idempotent
inspection and lessons."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.cases.models import Case
from resigrid.response.institutions.models import ImprovementItem, Inspection, Procedure

pytestmark = pytest.mark.django_db
BASE = "/api/response/institutions"


def _fields(response) -> list[str]:
    return [".".join(str(x) for x in d["loc"][1:]) for d in response.json()["detail"]]


def test_procedure_versions_over_the_api(client_for, tree, community_admin) -> None:
    c = client_for(community_admin)
    r = c.post(
        f"{BASE}/procedures",
        {
            "area_id": tree.community1.pk,
            "kind": "survey",
            "title": "风险排查制度",
            "text": "每季度排查一次。",
            "effective_on": "2026-01-01",
            "approved_by": "社区党委会",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = c.post(
        f"{BASE}/procedures/{pk}/versions",
        {
            "text": "每月排查一次。",
            "effective_on": "2026-04-01",
            "approved_by": "社区党委会",
            "change_note": "加密",
            "expected_number": 1,
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    body = c.get(f"{BASE}/procedures/{pk}").json()
    assert body["current"]["number"] == 2
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["text"] == "每季度排查一次。"


def test_scope_and_rights(client_for, tree, community_admin, grid_worker, outsider) -> None:
    p = Procedure.objects.create(area=tree.community1, kind="risk", title="风险处置制度")
    assert client_for(outsider).get(f"{BASE}/procedures/{p.pk}").status_code == 404
    assert client_for(outsider).get(f"{BASE}/procedures").json() == []
    c = client_for(grid_worker)
    assert c.get(f"{BASE}/procedures/{p.pk}").status_code == 404  # community-level, not his grid
    r = c.post(
        f"{BASE}/procedures",
        {
            "area_id": tree.grid11.pk,
            "kind": "survey",
            "title": "t",
            "text": "x",
            "effective_on": "2026-01-01",
            "approved_by": "a",
        },
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client_for(community_admin).post(
        f"{BASE}/procedures",
        {
            "area_id": tree.community2.pk,
            "kind": "survey",
            "title": "t",
            "text": "x",
            "effective_on": "2026-01-01",
            "approved_by": "a",
        },
        content_type="application/json",
    )
    assert r.status_code == 404
    assert Procedure.objects.count() == 1


def test_validation_names_the_field(client_for, tree, community_admin) -> None:
    c = client_for(community_admin)
    r = c.post(
        f"{BASE}/procedures",
        {
            "area_id": tree.community1.pk,
            "kind": "survey",
            "title": "t",
            "text": "  ",
            "effective_on": "2026-01-01",
            "approved_by": "a",
        },
        content_type="application/json",
    )
    assert (r.status_code, _fields(r)) == (422, ["text"])
    r = c.post(
        f"{BASE}/procedures",
        {"area_id": tree.community1.pk, "kind": "survey"},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = c.post(f"{BASE}/procedures", "{oops", content_type="application/json")
    assert r.status_code == 422
    assert c.get(f"{BASE}/improvements?status=nope").status_code == 422
    assert not Procedure.objects.exists()


def test_inspection_idempotent_over_the_api(client_for, schedule, grid_worker) -> None:
    c = client_for(grid_worker)
    detail = c.get(f"{BASE}/schedules/{schedule.pk}").json()
    first, second = (i["id"] for i in detail["items"])
    body = {
        "answers": [
            {"item_id": first, "result": "finding", "note": "杂物堆放"},
            {"item_id": second, "result": "ok"},
        ]
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    r1 = c.post(
        f"{BASE}/schedules/{schedule.pk}/inspections",
        body,
        content_type="application/json",
        **headers,
    )
    r2 = c.post(
        f"{BASE}/schedules/{schedule.pk}/inspections",
        body,
        content_type="application/json",
        **headers,
    )
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["id"] == r2.json()["id"]
    case = Case.objects.get()
    assert r1.json()["answers"][0]["case_number"] == case.number
    assert Inspection.objects.count() == 1
    r = c.post(
        f"{BASE}/schedules/{schedule.pk}/inspections",
        {"answers": [{"item_id": first, "result": "ok"}, {"item_id": first, "result": "ok"}]},
        content_type="application/json",
    )
    assert (r.status_code, _fields(r)) == (422, ["answers"])
    # Recording moved the due date a week on: no longer overdue.
    assert c.get(f"{BASE}/schedules?overdue=true").json() == []
    assert c.get(f"{BASE}/schedules").json()[0]["overdue"] is False
    r = c.post(
        f"{BASE}/schedules/{schedule.pk}/active", {"active": False}, content_type="application/json"
    )
    assert r.status_code == 403  # the grid worker records, the community keeps the schedule


def test_drill_lessons_over_the_api(client_for, tree, community_admin, grid_worker) -> None:
    c = client_for(community_admin)
    r = c.post(
        f"{BASE}/drills",
        {
            "kind": "drill",
            "area_id": tree.community1.pk,
            "title": "防汛演练",
            "starts_at": "2026-05-10T09:00:00+08:00",
            "head_count": 30,
            "participant_user_ids": [grid_worker.pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = c.post(
        f"{BASE}/drills/{pk}/lessons",
        {"lessons": [{"title": "补充沙袋", "due_date": "2026-06-01"}]},
        content_type="application/json",
    )
    assert (r.status_code, _fields(r)) == (422, ["lessons.0.owner"])
    assert not ImprovementItem.objects.exists()
    r = c.post(
        f"{BASE}/drills/{pk}/lessons",
        {
            "lessons": [
                {"title": "补充沙袋", "due_date": "2026-06-01", "owner_user_id": grid_worker.pk}
            ]
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    item = r.json()[0]
    assert (item["source"], item["source_id"], item["owner_user_id"]) == (
        "drill",
        pk,
        grid_worker.pk,
    )
    assert c.get(f"{BASE}/drills/{pk}").json()["lessons"][0]["id"] == item["id"]
    r = c.post(f"{BASE}/improvements/{item['id']}/close", {}, content_type="application/json")
    assert r.json()["state"] == "done"
    r = c.post(f"{BASE}/improvements/{item['id']}/close", {}, content_type="application/json")
    assert r.status_code == 409
    assert [i["id"] for i in c.get(f"{BASE}/improvements?status=done").json()] == [item["id"]]
    assert (
        client_for(grid_worker)
        .post(
            f"{BASE}/drills/{pk}/evaluation", {"evaluation": "好"}, content_type="application/json"
        )
        .status_code
        == 404
    )  # the drill is community-level; the grid worker does not see it
    assert dt.date.fromisoformat(item["due_date"]) == dt.date(2026, 6, 1)
