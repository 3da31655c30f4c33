"""The areas API: status codes and bodies, per persona (session login)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from resigrid.accounts.models import SecurityEvent, User
from resigrid.areas.models import Area
from tests.areas.helpers import snapshot
from tests.factories import Tree, square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[120.0, 30.1], [120.1, 30.2], [120.1, 30.1], [120.0, 30.2], [120.0, 30.1]]],
}


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


def new_grid(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": "330106001001003",
        "name": "东湖三网格",
        "level": "grid",
        "parent_code": "330106001001000",
        "boundary": square(120.0, 30.1, 0.1),
        "population": 800,
        "households": 300,
    }
    return body | overrides


# --- the map layer ---


def test_grids_geojson_for_a_street_admin(tree: Tree, client_for: Any, street_admin: User) -> None:
    r = client_for(street_admin).get("/api/areas/grids/geojson")
    assert r.status_code == 200
    data = r.json()
    assert data["type"] == "FeatureCollection"
    assert [f["id"] for f in data["features"]] == [
        "330106001001001",
        "330106001001002",
        "330106001002001",
    ]
    first = data["features"][0]
    assert first["geometry"] == json.loads(json.dumps(square(120.0, 30.0, 0.1)))
    props = first["properties"]
    assert props.pop("area_km2") == 106.904512
    assert props.pop("density_per_km2") == 11.2
    assert props == {
        "code": "330106001001001",
        "name": "东湖一网格",
        "level": "grid",
        "grid_kind": "",
        "community_code": "330106001001000",
        "community_name": "东湖社区",
        "population": 1200,
        "households": 400,
        "buildings": 1,
    }


def test_grids_geojson_is_scoped(
    tree: Tree, client_for: Any, resident: User, outsider: User
) -> None:
    r = client_for(resident).get("/api/areas/grids/geojson")
    assert [f["id"] for f in r.json()["features"]] == ["330106001001001"]
    r = client_for(outsider).get("/api/areas/grids/geojson")
    assert r.json() == {"type": "FeatureCollection", "features": []}


def test_anonymous_is_refused(tree: Tree, client: Client) -> None:
    assert client.get("/api/areas/grids/geojson").status_code == 401
    assert client.get("/api/areas/tree").status_code == 401


# --- tree and detail ---


def codes(nodes: list[dict[str, Any]]) -> list[Any]:
    return [(n["code"], codes(n["children"])) if n["children"] else n["code"] for n in nodes]


def test_tree(tree: Tree, client_for: Any, street_admin: User) -> None:
    r = client_for(street_admin).get("/api/areas/tree")
    assert r.status_code == 200
    assert codes(r.json()) == [
        (
            "330106001000000",
            [
                ("330106001001000", ["330106001001001", "330106001001002"]),
                ("330106001002000", ["330106001002001"]),
            ],
        )
    ]


def test_tree_roots_are_the_topmost_visible_areas(
    tree: Tree, client_for: Any, resident: User
) -> None:
    r = client_for(resident).get("/api/areas/tree")
    assert r.json() == [
        {
            "code": "330106001001001",
            "name": "东湖一网格",
            "level": "grid",
            "grid_kind": "",
            "population": 1200,
            "households": 400,
            "centroid_lon": None,
            "centroid_lat": None,
            "children": [],
        }
    ]


def test_detail(tree: Tree, client_for: Any, community_staff: User) -> None:
    r = client_for(community_staff).get("/api/areas/330106001001000")
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["parent_code"], body["can_edit"], body["can_import"]) == (
        "330106001001000",
        "330106001000000",
        True,
        False,
    )
    assert body["children"] == [
        {"code": "330106001001001", "name": "东湖一网格", "level": "grid"},
        {"code": "330106001001002", "name": "东湖二网格", "level": "grid"},
    ]


def test_invisible_and_missing_areas_look_the_same(
    tree: Tree, client_for: Any, community_staff: User
) -> None:
    client = client_for(community_staff)
    hidden = client.get("/api/areas/330106001002001")
    missing = client.get("/api/areas/330106001009001")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json() == missing.json() == {"detail": "No such area."}
    assert client.get("/api/areas/330106001002001/geojson").status_code == 404


def test_subtree_geojson(tree: Tree, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    r = client.get("/api/areas/330106001001000/geojson")
    assert [f["id"] for f in r.json()["features"]] == [
        "330106001001000",
        "330106001001001",
        "330106001001002",
    ]
    r = client.get("/api/areas/330106001001000/geojson?level=grid")
    assert [f["id"] for f in r.json()["features"]] == ["330106001001001", "330106001001002"]
    assert r.json()["features"][0]["properties"] == {
        "code": "330106001001001",
        "name": "东湖一网格",
        "level": "grid",
        "population": 1200,
        "households": 400,
        "grid_kind": "",
    }
    assert client.get("/api/areas/330106001001000/geojson?level=hamlet").status_code == 422


# --- locate ---


def test_locate(tree: Tree, client_for: Any, street_admin: User) -> None:
    r = client_for(street_admin).get("/api/areas/locate?lon=120.15&lat=30.05")
    assert r.status_code == 200
    assert r.json() == {
        "code": "330106001001002",
        "name": "东湖二网格",
        "level": "grid",
        "community_code": "330106001001000",
        "community_name": "东湖社区",
        "lon": 120.15,
        "lat": 30.05,
    }


def test_locate_gcj02(tree: Tree, client_for: Any, street_admin: User) -> None:
    r = client_for(street_admin).get("/api/areas/locate?lon=120.1036&lat=30.0475&crs=gcj02")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "330106001001001"
    assert abs(body["lon"] - 120.099) < 1e-3


def test_locate_outside(tree: Tree, client_for: Any, resident: User) -> None:
    r = client_for(resident).get("/api/areas/locate?lon=120.15&lat=30.05")
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {
                "loc": ["body", "point"],
                "msg": "The point lies outside every grid.",
                "type": "value_error",
            }
        ]
    }


def test_locate_bad_query(tree: Tree, client_for: Any, resident: User) -> None:
    client = client_for(resident)
    r = client.get("/api/areas/locate?lon=east&lat=30.05")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "lon"]
    r = client.get("/api/areas/locate?lon=120.05&lat=30.05&crs=bd09")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "crs"]
    r = client.get("/api/areas/locate?lon=190&lat=30.05")
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "lon"],
            "msg": "The longitude must be between −180 and 180.",
            "type": "value_error",
        }
    ]


def test_bulk_locate(tree: Tree, client_for: Any, street_admin: User, resident: User) -> None:
    points = [[120.05, 30.05], [120.15, 30.05], [120.35, 30.35], [0.0, 0.0]]
    r = post(client_for(street_admin), "/api/areas/locate", {"points": points})
    assert r.status_code == 200
    assert r.json() == {
        "codes": ["330106001001001", "330106001001002", None, None],
        "located": 2,
        "outside": 2,
    }
    r = post(client_for(resident), "/api/areas/locate", {"points": points, "crs": "wgs84"})
    assert r.json()["codes"] == ["330106001001001", None, None, None]


def test_bulk_locate_limits(tree: Tree, client_for: Any, street_admin: User) -> None:
    client = client_for(street_admin)
    r = post(client, "/api/areas/locate", {"points": [[0.0, 0.0]] * 100_001})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "payload", "points"]
    r = post(client, "/api/areas/locate", {"points": [["a", 1.0]]})
    assert r.status_code == 422
    r = post(client, "/api/areas/locate", {"points": [[120.05, 30.05]], "crs": "bd09"})
    assert r.status_code == 422


# --- create and patch ---


def test_create(tree: Tree, client_for: Any, community_staff: User) -> None:
    r = post(client_for(community_staff), "/api/areas/", new_grid())
    assert r.status_code == 201
    body = r.json()
    assert (body["code"], body["level"], body["parent_code"], body["grid_kind"]) == (
        "330106001001003",
        "grid",
        "330106001001000",
        "comprehensive",
    )
    assert Area.objects.filter(code="330106001001003").exists()


def test_create_wrong_code_length(tree: Tree, client_for: Any, community_staff: User) -> None:
    before = snapshot()
    r = post(client_for(community_staff), "/api/areas/", new_grid(code="33010600100100"))
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {
                "loc": ["body", "code"],
                "msg": "The code must have 15 digits; 14 given.",
                "type": "value_error",
            }
        ]
    }
    assert snapshot() == before


def test_create_self_intersecting(tree: Tree, client_for: Any, community_staff: User) -> None:
    before = snapshot()
    r = post(client_for(community_staff), "/api/areas/", new_grid(boundary=BOW_TIE))
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "boundary"],
            "msg": "The boundary intersects itself near (120.050000, 30.150000).",
            "type": "value_error",
        }
    ]
    assert snapshot() == before


def test_create_outside_scope_is_forbidden(
    tree: Tree, client_for: Any, community_staff: User, grid_worker: User
) -> None:
    before = snapshot()
    other = new_grid(code="330106001002002", parent_code="330106001002000")
    r = post(client_for(community_staff), "/api/areas/", other)
    assert (r.status_code, r.json()) == (403, {"detail": "You may not add areas here."})
    r = post(client_for(grid_worker), "/api/areas/", new_grid())
    assert r.status_code == 403
    assert snapshot() == before
    assert SecurityEvent.objects.filter(kind="permission_denied").count() == 2


def test_create_under_a_missing_parent(tree: Tree, client_for: Any, street_admin: User) -> None:
    r = post(
        client_for(street_admin),
        "/api/areas/",
        new_grid(code="330106001009001", parent_code="330106001009000"),
    )
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "parent_code"],
            "msg": "No area has the code 330106001009000.",
            "type": "value_error",
        }
    ]


def test_patch(tree: Tree, client_for: Any, community_staff: User) -> None:
    r = patch(
        client_for(community_staff),
        "/api/areas/330106001001001",
        {"name": "东湖一网格（改）", "population": 1250},
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["population"], r.json()["households"]) == (
        "东湖一网格（改）",
        1250,
        400,
    )


def test_patch_statuses(
    tree: Tree, client_for: Any, community_staff: User, grid_worker: User
) -> None:
    before = snapshot()
    r = patch(client_for(grid_worker), "/api/areas/330106001001001", {"name": "x"})
    assert (r.status_code, r.json()) == (403, {"detail": "You may not edit this area."})
    r = patch(client_for(community_staff), "/api/areas/330106001002001", {"name": "x"})
    assert r.status_code == 404
    r = patch(client_for(community_staff), "/api/areas/330106001001001", {"boundary": BOW_TIE})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "boundary"]
    r = patch(client_for(community_staff), "/api/areas/330106001001001", {"population": -1})
    assert r.status_code == 422
    assert snapshot() == before


# --- import and export ---


def good_file() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(120.0, 30.1, 0.1),
                "properties": {"code": "330106001001003", "name": "东湖三网格", "level": "grid"},
            }
        ],
    }


def test_import_dry_run_then_apply(tree: Tree, client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    before = snapshot()
    r = post(client, "/api/areas/330106001001000/import?dry_run=true", good_file())
    assert r.status_code == 200
    assert r.json() == {
        "dry_run": True,
        "ok": True,
        "features": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    assert snapshot() == before
    r = post(client, "/api/areas/330106001001000/import?dry_run=false", good_file())
    assert (r.status_code, r.json()["created"], r.json()["dry_run"]) == (200, 1, False)
    assert Area.objects.get(code="330106001001003").name == "东湖三网格"


def test_import_without_dry_run_parameter_is_a_dry_run(
    tree: Tree, client_for: Any, community_admin: User
) -> None:
    r = post(client_for(community_admin), "/api/areas/330106001001000/import", good_file())
    assert (r.status_code, r.json()["dry_run"]) == (200, True)
    assert not Area.objects.filter(code="330106001001003").exists()


def test_import_with_a_bad_feature(tree: Tree, client_for: Any, community_admin: User) -> None:
    data = good_file()
    data["features"].append(
        {
            "type": "Feature",
            "geometry": BOW_TIE,
            "properties": {"code": "330106001001004", "name": "坏", "level": "grid"},
        }
    )
    before = snapshot()
    r = post(client_for(community_admin), "/api/areas/330106001001000/import?dry_run=false", data)
    assert r.status_code == 422
    msg = "The boundary intersects itself near (120.050000, 30.150000)."
    assert r.json() == {
        "detail": [
            {
                "loc": ["body", "features", 1, "geometry"],
                "msg": msg,
                "type": "value_error",
                "ctx": {"index": 1, "code": "330106001001004"},
            }
        ],
        "report": {
            "dry_run": False,
            "ok": False,
            "features": 2,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "errors": [
                {"index": 1, "code": "330106001001004", "field": "geometry", "message": msg}
            ],
        },
    }
    assert snapshot() == before


def test_import_statuses(
    tree: Tree, client_for: Any, community_admin: User, community_staff: User
) -> None:
    before = snapshot()
    r = post(
        client_for(community_staff), "/api/areas/330106001001000/import?dry_run=false", good_file()
    )
    assert (r.status_code, r.json()) == (403, {"detail": "You may not import areas here."})
    client = client_for(community_admin)
    r = post(client, "/api/areas/330106001002000/import?dry_run=false", good_file())
    assert r.status_code == 404
    # Not JSON at all: the same 422 shape as every other input error, nothing written.
    r = client.post(
        "/api/areas/330106001001000/import", "{not json", content_type="application/json"
    )
    assert (r.status_code, r.json()) == (
        422,
        {
            "detail": [
                {
                    "loc": ["body"],
                    "msg": "The request body is not valid JSON.",
                    "type": "json_invalid",
                }
            ]
        },
    )
    r = post(client, "/api/areas/330106001001000/import", {"type": "Feature"})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "features"],
            "msg": "The file must be a GeoJSON FeatureCollection.",
            "type": "value_error",
        }
    ]
    assert snapshot() == before


def test_export(tree: Tree, client_for: Any, community_admin: User) -> None:
    r = client_for(community_admin).get("/api/areas/330106001001000/export.geojson")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/geo+json"
    assert r["Content-Disposition"] == 'attachment; filename="330106001001000.geojson"'
    data = json.loads(r.content)
    assert [f["properties"]["code"] for f in data["features"]] == [
        "330106001001000",
        "330106001001001",
        "330106001001002",
    ]
    event = SecurityEvent.objects.get(kind="export")
    assert (event.user, event.detail) == (
        community_admin,
        {"what": "areas.geojson", "code": "330106001001000", "features": 3},
    )


def test_export_statuses(
    tree: Tree, client_for: Any, community_admin: User, community_staff: User
) -> None:
    r = client_for(community_staff).get("/api/areas/330106001001000/export.geojson")
    assert r.status_code == 403
    r = client_for(community_admin).get("/api/areas/330106001002000/export.geojson")
    assert r.status_code == 404
    assert not SecurityEvent.objects.filter(kind="export").exists()
