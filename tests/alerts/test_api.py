"""The alerts API end to end: scopes (404 outside, 403 without the right), 422 naming the field,
409 with the state, acknowledgement by session and by signed link without login."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resigrid.alerts import acks
from resigrid.alerts.models import Alert, Recipient, Relay
from tests.alerts.conftest import World

pytestmark = pytest.mark.django_db

BASE = "/api/alerts"


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issuer_area_id": world.tree.street.pk,
        "target_area_ids": [world.tree.community1.pk, world.tree.community2.pk],
        "kind": "warning",
        "level": "red",
        "category": "Met",
        "event": "暴雨",
        "headline": "暴雨红色预警",
        "description": "预计未来3小时降雨量将达100毫米以上。",
    }
    data.update(extra)
    return data


def test_issue_approve_publish_acknowledge(world: World) -> None:
    street = as_(world.street)
    r = street.post(f"{BASE}/", body(world), content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["state"] == "draft"
    r = street.post(f"{BASE}/{pk}/publish")
    assert (r.status_code, r.json()["state"]) == (409, "draft")
    r = street.post(f"{BASE}/{pk}/approve")
    assert r.status_code == 403
    assert as_(world.approver).post(f"{BASE}/{pk}/approve").status_code == 200
    r = street.post(f"{BASE}/{pk}/publish")
    assert (r.status_code, r.json()["state"]) == (200, "published")
    resident = as_(world.resident)
    assert resident.get(f"{BASE}/{pk}").json()["receipt"]["acknowledged_at"] is None
    r = resident.post(f"{BASE}/{pk}/acknowledge")
    assert (r.status_code, r.json()["ack_channel"]) == (200, "app")
    assert [a["id"] for a in resident.get(f"{BASE}/").json()] == [pk]
    r = street.get(f"{BASE}/{pk}/board", {"area_id": world.tree.community1.pk})
    assert r.status_code == 200
    assert [(g["name"], g["recipients"], g["acknowledged"]) for g in r.json()["grids"]] == [
        ("东湖一网格", 7, 1),
        ("东湖二网格", 1, 0),
    ]
    r = street.get(f"{BASE}/{pk}/verify")
    assert (r.status_code, r.json()["intact"], len(r.json()["relays"])) == (200, True, 5)
    assert street.get(f"{BASE}/{pk}/delays").status_code == 200
    r = street.post(f"{BASE}/{pk}/cancel", {"note": "雨停"}, content_type="application/json")
    assert (r.status_code, r.json()["state"]) == (200, "cancelled")
    r = street.post(f"{BASE}/{pk}/cancel", {"note": "again"}, content_type="application/json")
    assert (r.status_code, r.json()["state"]) == (409, "cancelled")


def test_area_outside_the_issuer_is_denied(world: World) -> None:
    t = world.tree
    r = as_(world.secretary).post(
        f"{BASE}/",
        body(world, issuer_area_id=t.community1.pk, target_area_ids=[t.grid21.pk]),
        content_type="application/json",
    )
    assert r.status_code == 403
    r = as_(world.street).post(f"{BASE}/", body(world, level=""), content_type="application/json")
    assert r.status_code == 422
    assert "level" in str(r.json()["detail"])
    assert Alert.objects.count() == 0


def test_scope_of_reads_and_relays(world: World) -> None:
    t = world.tree
    street = as_(world.street)
    pk = street.post(
        f"{BASE}/",
        body(world, target_area_ids=[t.community1.pk], cascade="relay"),
        content_type="application/json",
    ).json()["id"]
    as_(world.approver).post(f"{BASE}/{pk}/approve")
    street.post(f"{BASE}/{pk}/publish")
    # Community 2 sees nothing of an alert for community 1.
    staff2 = as_(world.staff2)
    assert staff2.get(f"{BASE}/{pk}").status_code == 404
    assert staff2.get(f"{BASE}/").json() == []
    relay = Relay.objects.get(alert_id=pk)
    assert (
        staff2.post(
            f"{BASE}/relays/{relay.pk}/forward", {}, content_type="application/json"
        ).status_code
        == 404
    )
    secretary = as_(world.secretary)
    r = secretary.post(
        f"{BASE}/relays/{relay.pk}/forward",
        {"local_addition": "东湖低洼处转移"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert {x["area_id"] for x in r.json()} == {t.grid11.pk, t.grid12.pk}
    r = secretary.post(f"{BASE}/relays/{relay.pk}/forward", {}, content_type="application/json")
    assert r.status_code == 409
    r = secretary.post(f"{BASE}/relays/{relay.pk}/acknowledge")
    assert r.json()["acknowledged_at"] is not None


def test_ack_by_token_needs_no_login(world: World) -> None:
    street = as_(world.street)
    pk = street.post(f"{BASE}/", body(world), content_type="application/json").json()["id"]
    as_(world.approver).post(f"{BASE}/{pk}/approve")
    street.post(f"{BASE}/{pk}/publish")
    rec = Recipient.objects.get(alert_id=pk, person=world.young)
    anonymous = Client()
    r = anonymous.post(f"{BASE}/ack", {"token": "1.2.forged"}, content_type="application/json")
    assert r.status_code == 422
    assert Recipient.objects.filter(alert_id=pk, acknowledged_at__isnull=False).count() == 0
    token = acks.token_for(rec)
    r = anonymous.post(f"{BASE}/ack", {"token": token}, content_type="application/json")
    assert (r.status_code, r.json()["ack_channel"]) == (200, "link")
    assert anonymous.get(f"{BASE}/{pk}").status_code == 401
