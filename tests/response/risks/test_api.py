"""API: create, list with filters, detail, update, review, escalate (once), controls; 404 outside
the scope, 403 without the right, 422 naming the field with a translated message."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from resigrid.cases.models import Case
from resigrid.response.risks.models import RiskPoint
from tests.factories import Tree
from tests.response.risks.conftest import add_risk, matrix

pytestmark = pytest.mark.django_db
API = "/api/response/risks/"


def body(tree: Tree, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "area_id": tree.grid11.pk,
        "name": "高空坠物",
        "hazard_class": "accident",
        "subtype": "高空坠物",
        "method": "matrix",
        "likelihood": 3,
        "harm": 4,
        "scale": 2,
        "property_loss": 2,
        "building_id": tree.building11.pk,
    }
    data.update(extra)
    return data


def test_create_read_update_review(tree: Tree, client_for: Any, community_admin: Any) -> None:
    client = client_for(community_admin)
    made = client.post(API, body(tree), content_type="application/json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["score"], data["band"], data["lon"], data["lat"]) == (12.0, "large", 120.05, 30.05)
    assert [r["kind"] for r in data["reviews"]] == ["assessment"]
    pk = data["id"]
    assert [r["id"] for r in client.get(API + "?band=large").json()] == [pk]
    assert client.get(API + "?band=low").json() == []
    changed = client.patch(
        f"{API}{pk}",
        {"subtype": "外墙脱落", "rating": {"method": "lec", "lec_l": 3, "lec_e": 6, "lec_c": 15}},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["subtype"], changed.json()["score"], changed.json()["band"]) == (
        "外墙脱落",
        270.0,
        "large",
    )
    reviewed = client.post(
        f"{API}{pk}/review",
        {"note": "已加装防护网", "controlled": True},
        content_type="application/json",
    )
    assert reviewed.status_code == 201
    assert reviewed.json()["status"] == "controlled"
    assert [r["kind"] for r in reviewed.json()["reviews"]] == [
        "review",
        "reassessment",
        "assessment",
    ]
    control = client.post(
        f"{API}{pk}/controls", {"measure": "拉设警戒线"}, content_type="application/json"
    )
    assert control.status_code == 201
    moved = client.post(
        f"{API}controls/{control.json()['id']}/state",
        {"state": "in_place"},
        content_type="application/json",
    )
    assert moved.json()["state"] == "in_place"


def test_escalate_once(tree: Tree, client_for: Any, community_admin: Any, categories: Any) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(4, 4))
    client = client_for(community_admin)
    first = client.post(
        f"{API}{risk.pk}/escalate", {"note": "需上级支援"}, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    case = Case.objects.get()
    assert (first.json()["case_id"], first.json()["risk"]["status"]) == (case.pk, "escalated")
    again = client.post(
        f"{API}{risk.pk}/escalate", {"note": "再次"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["state"] == "escalated"
    assert Case.objects.count() == 1


def test_scope(
    tree: Tree, client_for: Any, community_admin: Any, grid_worker: Any, outsider: Any
) -> None:
    risk = add_risk(community_admin, tree.grid11)
    client = client_for(outsider)
    assert client.get(f"{API}{risk.pk}").status_code == 404
    assert client.get(API).status_code == 403
    assert (
        client.post(
            f"{API}{risk.pk}/review", {"note": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    worker = client_for(grid_worker)
    assert worker.get(f"{API}{risk.pk}").status_code == 200
    assert (
        worker.post(
            f"{API}{risk.pk}/review", {"note": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert worker.post(API, body(tree), content_type="application/json").status_code == 403
    assert (
        worker.patch(f"{API}{risk.pk}", {"name": "y"}, content_type="application/json").status_code
        == 403
    )
    assert risk.reviews.count() == 1 and RiskPoint.objects.count() == 1


def test_errors_are_translated_and_name_the_field(
    tree: Tree, client_for: Any, community_admin: Any
) -> None:
    client = client_for(community_admin)
    with translation.override("zh-hans"):
        required = gettext("This field is required.")
        level = gettext("Choose a whole number from 1 to 5.")
    assert required != "This field is required."
    answer = client.post(
        API, body(tree, name="  "), content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "name"], "msg": required, "type": "value_error"}
    ]
    answer = client.post(
        API,
        body(tree, likelihood=9),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.json()["detail"][0]["loc"] == ["body", "likelihood"]
    assert answer.json()["detail"][0]["msg"] == level
    answer = client.post(API, body(tree, building_id=999999), content_type="application/json")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == [
        "body",
        "building_id",
    ]
    assert RiskPoint.objects.count() == 0
