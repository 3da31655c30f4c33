"""Monitoring API: bulk readings with per-item errors and 422 for a malformed body, token auth
(gateway role, owner unit), scoped sensors and rules, CRUD rights, downsampled readings."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.services import create_access_token
from resigrid.alerts.models import Alert
from resigrid.monitoring.models import Reading, Rule, RuleState, Sensor
from resigrid.orgs.models import Unit, UnitAccount
from tests.monitoring.conftest import T0, Station, at, send

pytestmark = pytest.mark.django_db

BASE = "/api/monitoring"
_names = itertools.count(1)


def client_of(user) -> Client:
    _, raw = create_access_token(user=user, name=f"gw-{next(_names)}", days=365)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body) -> tuple[int, Any]:
    r = client.post(BASE + path, json.dumps(body), content_type="application/json")
    return r.status_code, r.json() if r.content else {}


def patch(client: Client, path: str, body) -> tuple[int, Any]:
    r = client.patch(BASE + path, json.dumps(body), content_type="application/json")
    return r.status_code, r.json() if r.content else {}


def get(client: Client, path: str, **params) -> tuple[int, Any]:
    r = client.get(BASE + path, params)
    return r.status_code, r.json()


# Readings -------------------------------------------------------------------------------------


def test_bulk_readings_with_a_gateway_token(station: Station, gateway) -> None:
    client = client_of(gateway)
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    body = [
        {"sensor": "WL-001", "at": "2026-07-01T16:00:00+08:00", "value": 2.5},
        {"sensor": "WL-001", "at": "2026-07-01T16:02:00+08:00", "value": 3.2},
        {"sensor": "WL-404", "at": "2026-07-01T16:02:00+08:00", "value": 3.2},
        {"sensor": "WL-001", "at": "2026-07-01T16:04:00+08:00", "value": "水位"},
        {"sensor": "WL-001", "at": "2026-07-01T16:06:00+08:00", "value": 99},
        {"sensor": "WL-001", "at": "2026-07-02T16:06:00+08:00", "value": 1},
        {"sensor": "WL-001", "at": int(at(8).timestamp() * 1000), "value": 3.3},
    ]
    with time_machine.travel(at(10), tick=False):
        status, out = post(client, "/readings", body)
    assert status == 200
    assert (out["received"], out["stored"], out["duplicates"], out["rejected"]) == (7, 3, 0, 4)
    assert [(e["index"], e["field"], e["code"]) for e in out["errors"]] == [
        (2, "sensor", "unknown_sensor"),
        (3, "value", "not_numeric"),
        (4, "value", "out_of_range"),
        (5, "at", "future"),
    ]
    alert = Alert.objects.get()
    assert [(e["kind"], e["at"], e["acted"], e["alert_id"]) for e in out["events"]] == [
        ("fire", "2026-07-01T08:02:00Z", True, alert.pk)
    ]
    assert Reading.objects.count() == 3
    # The same request again: all stored already, nothing fires twice.
    with time_machine.travel(at(10), tick=False):
        status, again = post(client, "/readings", body)
    assert (status, again["stored"], again["duplicates"], again["events"]) == (200, 0, 3, [])
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"sensor": "WL-001", "value": 1},  # an object, not an array
        [{"sensor": "WL-001"}],  # no value
        [{"value": 1}],  # no sensor
        ["WL-001", 1],  # items must be objects
        "readings",
    ],
)
def test_malformed_body_is_422_and_stores_nothing(station: Station, gateway, body) -> None:
    status, out = post(client_of(gateway), "/readings", body)
    assert status == 422
    assert out["detail"]
    assert Reading.objects.count() == 0


def test_nul_characters_are_refused_per_item(station: Station, gateway) -> None:
    body = [
        {"sensor": "WL\u0000", "value": 1},
        {"sensor": "WL-001", "value": "\u0000"},
        {"sensor": "WL-001", "value": 1, "at": "2026\u0000"},
        {"sensor": "x" * 65, "value": 1},
    ]
    status, out = post(client_of(gateway), "/readings", body)
    assert status == 200
    assert [e["code"] for e in out["errors"]] == [
        "unknown_sensor",
        "not_numeric",
        "bad_time",
        "unknown_sensor",
    ]


def test_body_that_is_not_json(station: Station, gateway) -> None:
    r = client_of(gateway).post(
        BASE + "/readings", b"[{sensor: WL-001", content_type="application/json"
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"


def test_too_many_items_is_422(station: Station, gateway, settings) -> None:
    settings.MONITORING_MAX_BATCH = 2
    body = [{"sensor": "WL-001", "value": 1, "at": i} for i in range(3)]
    status, out = post(client_of(gateway), "/readings", body)
    assert (status, out["detail"][0]["loc"]) == (422, ["body", "items"])


def test_ten_thousand_items_in_one_request(station: Station, gateway) -> None:
    start = T0 - dt.timedelta(days=7)
    body = [
        {"sensor": "WL-001", "at": (start + dt.timedelta(seconds=30 * i)).isoformat(), "value": 1}
        for i in range(10_000)
    ]
    with time_machine.travel(T0, tick=False):
        status, out = post(client_of(gateway), "/readings", body)
    assert (status, out["stored"], out["rejected"]) == (200, 10_000, 0)
    assert Reading.objects.count() == 10_000


def test_without_credentials_or_with_a_bad_token(station: Station) -> None:
    body = [{"sensor": "WL-001", "value": 1}]
    assert post(Client(), "/readings", body)[0] == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer rgt_forged")
    assert post(bad, "/readings", body)[0] == 401
    assert Reading.objects.count() == 0


def test_owner_unit_token(station: Station, tree, outsider) -> None:
    unit = Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    UnitAccount.objects.create(unit=unit, user=outsider)
    client = client_of(outsider)
    with time_machine.travel(at(1), tick=False):
        status, out = post(
            client, "/readings", [{"sensor": "WL-001", "value": 1, "at": at(0).isoformat()}]
        )
        assert (status, out["stored"], out["errors"][0]["code"]) == (200, 0, "unknown_sensor")
        Sensor.objects.filter(pk=station.sensor.pk).update(owner_unit=unit)
        status, out = post(
            client, "/readings", [{"sensor": "WL-001", "value": 1, "at": at(0).isoformat()}]
        )
        assert (status, out["stored"]) == (200, 1)
    # The owner sees its own sensor (and nothing else).
    status, sensors = get(client, "/sensors")
    assert [s["code"] for s in sensors] == ["WL-001"]


# Sensors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("community_staff", ["WL-001"]),
        ("street_admin", ["WL-001", "RF-201"]),
        ("department", ["WL-001", "RF-201"]),
        ("grid_worker", ["WL-001"]),
        ("resident", []),
        ("outsider", []),
    ],
)
def test_who_sees_which_sensors(station: Station, admin_user, request, persona, codes) -> None:
    from resigrid.monitoring import services

    services.create_sensor(
        actor=admin_user,
        data=services.SensorData(
            code="RF-201", kind="rainfall", name="西湖雨量", lon=120.25, lat=30.05
        ),
    )
    client = client_of(request.getfixturevalue(persona))
    status, sensors = get(client, "/sensors")
    assert (status, [s["code"] for s in sensors]) == (200, codes)
    status, rules = get(client, "/rules")
    assert [r["name"] for r in rules] == (["东湖河道水位超警"] if codes else [])
    other = Sensor.objects.get(code="RF-201")
    assert get(client, f"/sensors/{other.pk}")[0] == (200 if "RF-201" in codes else 404)


def test_create_sensor_in_scope_only(station: Station, community_staff, tree) -> None:
    client = client_of(community_staff)
    body = {"code": "SM-11", "kind": "smoke", "name": "1号楼烟感", "lon": 120.05, "lat": 30.06}
    status, out = post(client, "/sensors", body)
    assert status == 201
    assert (out["grid_code"], out["unit"], out["community_name"]) == (
        tree.grid11.code,
        "%/m",
        "东湖社区",
    )
    status, out = post(client, "/sensors", {**body, "code": "SM-21", "lon": 120.25})
    assert status == 403
    status, out = post(client, "/sensors", {**body, "code": "SM-11"})
    assert (status, out["detail"][0]["loc"]) == (422, ["body", "code"])
    status, out = post(client, "/sensors", {**body, "code": "a/b", "lon": 130.0, "kind": "ufo"})
    assert status == 422
    assert {d["loc"][1] for d in out["detail"]} == {"code", "kind", "lon"}
    status, out = post(
        client, "/sensors", {**body, "code": "SM-12", "min_valid": 5, "max_valid": 1}
    )
    assert (status, out["detail"][0]["loc"]) == (422, ["body", "max_valid"])
    assert sorted(Sensor.objects.values_list("code", flat=True)) == ["SM-11", "WL-001"]


def test_patch_and_delete_sensor(station: Station, community_staff, grid_worker) -> None:
    sid = station.sensor.pk
    status, _out = patch(client_of(grid_worker), f"/sensors/{sid}", {"name": "改名"})
    assert status == 403
    client = client_of(community_staff)
    status, out = patch(client, f"/sensors/{sid}", {"name": "东湖桥水位计", "max_valid": 8})
    assert (status, out["name"], out["max_valid"]) == (200, "东湖桥水位计", 8.0)
    status, out = patch(client, f"/sensors/{sid}", {"lon": 120.25})  # into community 2
    assert status == 403
    status, out = patch(client, f"/sensors/{sid}", {"code": "X"})  # not patchable: ignored
    assert (status, out["code"]) == (200, "WL-001")
    station.sensor.refresh_from_db()
    assert (station.sensor.name, station.sensor.lon, station.sensor.code) == (
        "东湖桥水位计",
        120.05,
        "WL-001",
    )
    assert client_of(grid_worker).delete(f"{BASE}/sensors/{sid}").status_code == 403
    assert client.delete(f"{BASE}/sensors/{sid}").status_code == 204
    assert not Sensor.objects.exists() and not Rule.objects.exists()


def test_readings_series_raw_and_downsampled(station: Station, gateway) -> None:
    rows = [("WL-001", at(i), float(i % 10)) for i in range(120)]  # two hours, one a minute
    with time_machine.travel(at(121), tick=False):
        send(gateway, rows)
        client = client_of(gateway)
        sid = station.sensor.pk
        status, out = get(
            client, f"/sensors/{sid}/readings", start=at(0).isoformat(), end=at(9).isoformat()
        )
        assert (status, out["bucket_seconds"], len(out["points"])) == (200, 0, 10)
        assert out["points"][3] == {
            "at": "2026-07-01T08:03:00Z",
            "value": 3.0,
            "min": 3.0,
            "max": 3.0,
            "count": 1,
        }
        status, out = get(
            client,
            f"/sensors/{sid}/readings",
            start=at(0).isoformat(),
            end=at(120).isoformat(),
            points=12,
        )
        assert (status, out["bucket_seconds"], len(out["points"])) == (200, 600, 12)
        assert out["points"][0] == {
            "at": "2026-07-01T08:00:00Z",
            "value": 4.5,
            "min": 0.0,
            "max": 9.0,
            "count": 10,
        }
        assert sum(p["count"] for p in out["points"]) == 120
        status, out = get(client, f"/sensors/{sid}/readings", points=1)
        assert (status, out["detail"][0]["loc"]) == (422, ["body", "points"])
        status, out = get(
            client, f"/sensors/{sid}/readings", start=at(5).isoformat(), end=at(1).isoformat()
        )
        assert status == 422


# Rules ----------------------------------------------------------------------------------------


def _rule_body(station: Station, **extra) -> dict[str, Any]:
    body = {
        "name": "东湖社区烟感",
        "type": "threshold",
        "sensor_kind": "smoke",
        "area_code": station.tree.community1.code,
        "fire_level": 10,
        "clear_level": 5,
        "minutes": 0,
        "action_alert": True,
        "alert_level": "red",
        "alert_event": "火灾",
        "alert_category": "Fire",
    }
    body.update(extra)
    return body


def test_rule_crud_and_rights(station: Station, community_staff, grid_worker, tree) -> None:
    client = client_of(community_staff)
    status, out = post(client, "/rules", _rule_body(station))
    assert status == 201, out
    assert (out["area_code"], out["sensor_kind"], out["alert_headline"]) == (
        tree.community1.code,
        "smoke",
        "{sensor}: {kind} {value} {unit}",
    )
    rid = out["id"]
    # Outside the scope, or drafting alerts for the street: denied; nothing written.
    status, _ = post(client, "/rules", _rule_body(station, area_code=tree.community2.code))
    assert status == 403
    status, _ = post(client, "/rules", _rule_body(station, alert_issuer_area_code=tree.street.code))
    assert status == 403
    # A grid worker may see rules but not write them.
    assert (
        post(client_of(grid_worker), "/rules", _rule_body(station, area_code=tree.grid11.code))[0]
        == 403
    )
    assert Rule.objects.count() == 2
    # Bad input names the field.
    status, out = post(
        client, "/rules", _rule_body(station, clear_level=12, alert_headline="{oops")
    )
    assert status == 422
    assert {d["loc"][1] for d in out["detail"]} == {"clear_level", "alert_headline"}
    status, out = post(client, "/rules", _rule_body(station, area_code="999"))
    assert (status, out["detail"][0]["loc"]) == (422, ["body", "area_code"])
    status, out = patch(client, f"/rules/{rid}", {"fire_level": 20, "clear_level": 8})
    assert (status, out["fire_level"], out["clear_level"]) == (200, 20.0, 8.0)
    # The community rule is out of a grid worker's sight altogether.
    assert patch(client_of(grid_worker), f"/rules/{rid}", {"fire_level": 1})[0] == 404
    assert client_of(grid_worker).delete(f"{BASE}/rules/{rid}").status_code == 404
    assert client.delete(f"{BASE}/rules/{rid}").status_code == 204
    assert list(Rule.objects.values_list("name", flat=True)) == ["东湖河道水位超警"]


def test_rules_with_their_states_firing_filter(station: Station, gateway) -> None:
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    with time_machine.travel(at(1), tick=False):
        send(gateway, [("WL-001", at(0), 3.5)])
    client = client_of(gateway)
    status, rules = get(client, "/rules", state="firing")
    assert status == 200
    assert [(r["name"], [(s["sensor_code"], s["state"]) for s in r["states"]]) for r in rules] == [
        ("东湖河道水位超警", [("WL-001", "firing")])
    ]
    state = RuleState.objects.get()
    assert rules[0]["states"][0]["last_alert_id"] == state.last_alert_id
    assert get(client, "/rules", state="ok")[1] == []
    status, one = get(client, f"/rules/{station.rule.pk}")
    assert (status, one["states"][0]["fire_count"]) == (200, 1)


def test_openapi_lists_the_monitoring_paths(client_for, community_staff) -> None:
    spec = client_for(community_staff).get("/api/openapi.json").json()
    paths = {p for p in spec["paths"] if p.startswith("/api/monitoring/")}
    assert paths == {
        "/api/monitoring/readings",
        "/api/monitoring/sensors",
        "/api/monitoring/sensors/{sensor_id}",
        "/api/monitoring/sensors/{sensor_id}/readings",
        "/api/monitoring/rules",
        "/api/monitoring/rules/{rule_id}",
    }
    assert set(spec["paths"]["/api/monitoring/readings"]["post"]["responses"]) == {"200", "422"}
