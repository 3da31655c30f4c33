"""The recovery API: scope (404), rights (403), translated validation (422 naming the field,
nothing written), the health-data rule, the state machine (409) and the review flow."""

from __future__ import annotations

import json
from typing import Any

from django.utils import translation

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.recovery.models import AfterActionReview, HouseholdNeed, NeedsAssessment
from resigrid.response.recovery.reads import plan_url

from .conftest import World

API = "/api/response/recovery"


def _post(client: Any, url: str, data: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_assessment_match_close_over_the_api(
    world: World, client_for: Any, community_admin: User
) -> None:
    c = client_for(community_admin)
    r = _post(
        c,
        f"{API}/incidents/{world.incident.pk}/assessments",
        {
            "household_id": world.home1.pk,
            "needs": [
                {"kind": "necessities", "severity": "high", "description": "缺饮用水"},
                {"kind": "psychological", "severity": "low", "description": "孩子受惊"},
            ],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert [(n["kind"], n["state"]) for n in body["needs"]] == [
        ("necessities", "open"),
        ("psychological", "open"),
    ]
    assert PersonalDataAccess.objects.count() == 1  # the psychological need was shown back
    need_id = body["needs"][0]["id"]
    r = c.get(f"{API}/needs/{need_id}/suggestions")
    assert [s["commitment_id"] for s in r.json()] == [world.clinic_van.pk, world.food.pk]
    r = _post(
        c, f"{API}/needs/{need_id}/match", {"commitment_id": world.food.pk, "with_task": True}
    )
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["matched_unit_id"]) == ("matched", world.street_unit.pk)
    r = _post(c, f"{API}/needs/{need_id}/close", {"outcome": "met"})
    assert r.json()["state"] == "closed"
    r = _post(c, f"{API}/needs/{need_id}/start", {})
    assert (r.status_code, r.json()["state"]) == (409, "closed")
    r = c.get(f"{API}/incidents/{world.incident.pk}/summary")
    assert r.json() == {
        "incident_id": world.incident.pk,
        "needs_open": 1,
        "needs_closed": 1,
        "reviews": 0,
        "improvements_open": 0,
    }


def test_validation_is_translated_and_writes_nothing(
    world: World, client_for: Any, community_admin: User
) -> None:
    c = client_for(community_admin)
    url = f"{API}/incidents/{world.incident.pk}/assessments"
    r = _post(c, url, {"household_id": 999999, "needs": []}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"loc": ["body", "household_id"], "msg": "该住户不存在。", "type": "value_error"}
    ]
    r = _post(
        c,
        url,
        {"household_id": world.home1.pk, "needs": [{"kind": "roof", "severity": "high"}]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 422
    with translation.override("zh-hans"):
        expected = translation.gettext("Choose a kind of need from the list.")
    assert r.json()["detail"][0]["loc"] == ["body", "needs.0.kind"]
    assert r.json()["detail"][0]["msg"] == expected
    assert not NeedsAssessment.objects.exists()


def test_scope_and_rights(
    world: World, client_for: Any, community_admin: User, outsider: User, street_admin: User
) -> None:
    r = _post(
        client_for(community_admin),
        f"{API}/incidents/{world.incident.pk}/assessments",
        {"household_id": world.home1.pk, "needs": [{"kind": "medical", "severity": "high"}]},
    )
    need_id = r.json()["needs"][0]["id"]
    assert client_for(outsider).get(f"{API}/incidents/{world.incident.pk}/needs").status_code == 404
    assert client_for(outsider).get(f"{API}/needs/{need_id}").status_code == 404
    s = client_for(street_admin)
    assert s.get(f"{API}/needs/{need_id}").status_code == 403
    assert s.get(f"{API}/incidents/{world.incident.pk}/needs").json() == []
    assert s.get(f"{API}/incidents/{world.incident.pk}/summary").json()["needs_open"] == 1
    r = _post(s, f"{API}/needs/{need_id}/close", {"outcome": "met"})
    assert r.status_code == 403
    assert HouseholdNeed.objects.get().state == "open"


def test_review_over_the_api(
    world: World, client_for: Any, community_admin: User, department: User
) -> None:
    url = f"{API}/incidents/{world.incident.pk}/reviews"
    data = {
        "held_at": "2026-07-01T09:00:00+08:00",
        "went_wrong": "排水泵不足",
        "findings": [{"title": "增购排水泵", "due_date": "2026-08-01"}],
    }
    assert _post(client_for(department), url, data).status_code == 403
    c = client_for(community_admin)
    r = _post(c, url, data)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "findings.0.owner"]
    assert not AfterActionReview.objects.exists()
    assert not ImprovementItem.objects.exists()
    data["findings"][0]["owner_user_id"] = community_admin.pk  # type: ignore[index]
    r = _post(c, url, data)
    assert r.status_code == 201
    item = r.json()["items"][0]
    assert (item["plan_id"], item["plan_url"]) == (world.plan.pk, plan_url(world.plan.pk))
    r = _post(c, f"{API}/reviews/{r.json()['id']}/items/{item['id']}/close", {"done": False})
    assert r.json()["state"] == "dropped"


def test_a_retried_assessment_is_recorded_once(
    world: World, client_for: Any, community_admin: User
) -> None:
    c = client_for(community_admin)
    url = f"{API}/incidents/{world.incident.pk}/assessments"
    body = {"household_id": world.home1.pk, "needs": [{"kind": "housing", "severity": "high"}]}
    first = _post(c, url, body, HTTP_IDEMPOTENCY_KEY="phone-1")
    again = _post(c, url, body, HTTP_IDEMPOTENCY_KEY="phone-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert NeedsAssessment.objects.count() == 1
    other = _post(c, url, {**body, "notes": "改了"}, HTTP_IDEMPOTENCY_KEY="phone-1")
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert NeedsAssessment.objects.count() == 1
