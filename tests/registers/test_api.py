"""The registers API per persona: categories are global (read by all, changed by editors of the
whole tree), duties are scoped (404 outside, 403 without EDIT_DUTIES), bad input is 422 naming
the field, and a refused request writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from resigrid.accounts.models import User
from resigrid.registers.models import Category, Deadline, Duty
from tests.registers.conftest import Registers, changes
from tests.registers.test_reads import limits

API = "/api/registers"


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


def put(client: Client, url: str, data: Any) -> Any:
    return client.put(url, json.dumps(data), content_type="application/json")


def error(response: Any) -> tuple[int, list[Any], str]:
    detail = response.json()["detail"]
    return response.status_code, detail[0]["loc"], detail[0]["msg"]


# Categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["resident", "community_admin", "department"])
def test_categories_flat_with_effective_limits(
    reg: Registers, client_for: Any, request: pytest.FixtureRequest, persona: str
) -> None:
    limits(reg.c01, "urgent", 10, 20, 120, 60)
    r = client_for(request.getfixturevalue(persona)).get(f"{API}/categories")
    assert r.status_code == 200
    body = r.json()
    assert [(c["code"], c["parent_code"], c["depth"]) for c in body] == [
        ("01", None, 1),
        ("01.01", "01", 2),
        ("01.02", "01", 2),
        ("02", None, 1),
        ("02.01", "02", 2),
    ]
    leaf = body[1]["deadlines"]
    assert leaf[0] == {
        "priority": "urgent",
        "accept": 10,
        "dispatch": 20,
        "handle": 120,
        "verify": 60,
        "source": "01",
        "own": False,
    }
    assert (leaf[1]["priority"], leaf[1]["source"], leaf[1]["handle"]) == ("high", None, 4320)
    assert body[0]["deadlines"][0]["own"] is True
    assert body[3]["kind_label"] == "Facility (部件)"


def test_category_tree_and_anonymous(reg: Registers, client_for: Any, resident: User) -> None:
    assert Client().get(f"{API}/categories").status_code == 401
    body = client_for(resident).get(f"{API}/categories/tree").json()
    assert [(n["code"], [c["code"] for c in n["children"]]) for n in body] == [
        ("01", ["01.01", "01.02"]),
        ("02", ["02.01"]),
    ]
    assert client_for(resident).get(f"{API}/categories/01.02").json()["name"] == "乱堆物料"
    assert client_for(resident).get(f"{API}/categories/09").status_code == 404


def test_create_category(reg: Registers, client_for: Any, district_editor: User) -> None:
    client = client_for(district_editor)
    r = post(client, f"{API}/categories", {"code": "01.03", "name": "道路不洁", "kind": "event"})
    assert r.status_code == 201, r.content
    assert (r.json()["parent_code"], r.json()["deadlines"][2]["source"]) == ("01", None)
    cases = [
        ({"code": "1.3", "name": "x", "kind": "event"}, ["body", "code"]),
        ({"code": "01.03", "name": "x", "kind": "event"}, ["body", "code"]),
        ({"code": "01.04", "name": "x", "kind": "event", "parent_code": "02"}, ["body", "parent"]),
        ({"code": "01.04", "name": "x", "kind": "event", "parent_code": None}, ["body", "parent"]),
        ({"code": "01.04", "name": "x", "kind": "event", "parent_code": "77"},
         ["body", "parent_code"]),
        ({"code": "03.01", "name": "x", "kind": "event"}, ["body", "code"]),
        ({"code": "01.04", "name": "x", "kind": "facility"}, ["body", "kind"]),
        ({"code": "01.04", "name": "x", "kind": "thing"}, ["body", "payload", "kind"]),
        ({"code": "01.04", "kind": "event"}, ["body", "payload", "name"]),
    ]  # fmt: skip
    before = (Category.objects.count(), changes())
    for body, loc in cases:
        r = post(client, f"{API}/categories", body)
        assert r.status_code == 422, (body, r.content)
        assert r.json()["detail"][0]["loc"] == loc, body
    assert (Category.objects.count(), changes()) == before
    r = post(client, f"{API}/categories", {"code": "03.01", "name": "x", "kind": "event"})
    assert error(r)[2] == "No category has the code 03."


@pytest.mark.parametrize("persona", ["street_admin", "community_admin", "department", "resident"])
def test_category_writes_need_an_editor_of_the_whole_tree(
    reg: Registers, client_for: Any, request: pytest.FixtureRequest, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    r = post(client, f"{API}/categories", {"code": "03", "name": "x", "kind": "event"})
    assert r.status_code == 403
    assert patch(client, f"{API}/categories/01", {"name": "y"}).status_code == 403
    assert patch(client, f"{API}/categories/01.01", {"active": False}).status_code == 403
    assert patch(client, f"{API}/categories/01.01", {}).status_code == 403
    urgent = {"accept": 1, "dispatch": 1, "handle": 1, "verify": 1}
    assert put(client, f"{API}/categories/01/deadlines", {"urgent": urgent}).status_code == 403
    assert (Category.objects.count(), Deadline.objects.count(), changes()) == (5, 0, 0)
    assert Category.objects.get(code="01").name == "市容环境"
    assert Category.objects.get(code="01.01").active


def test_patch_category(reg: Registers, client_for: Any, district_editor: User) -> None:
    client = client_for(district_editor)
    r = patch(client, f"{API}/categories/01.02", {"name": "乱堆", "code": "01.05", "sort": 3})
    assert r.status_code == 200, r.content
    assert (r.json()["code"], r.json()["name"], r.json()["sort"]) == ("01.05", "乱堆", 3)
    r = patch(client, f"{API}/categories/01", {"active": False})
    assert error(r) == (
        422,
        ["body", "active"],
        "Deactivate its active subcategories first: 01.01, 01.05.",
    )
    # Two changes in one request: the rename is undone when the deactivation is refused.
    r = patch(client, f"{API}/categories/01", {"name": "新名", "active": False})
    assert r.status_code == 422
    assert Category.objects.get(code="01").name == "市容环境"
    r = patch(client, f"{API}/categories/01.01", {"active": False})
    assert (r.status_code, r.json()["active"]) == (200, False)
    r = patch(client, f"{API}/categories/01.05", {"code": "02.05"})
    assert error(r) == (
        422,
        ["body", "kind"],
        "A subcategory has the kind of its parent (Facility (部件)).",
    )
    r = patch(client, f"{API}/categories/01.05", {"code": "03.05"})
    assert error(r) == (422, ["body", "code"], "No category has the code 03.")
    assert patch(client, f"{API}/categories/09", {"name": "x"}).status_code == 404


def test_put_deadlines(reg: Registers, client_for: Any, district_editor: User) -> None:
    client = client_for(district_editor)
    limits(reg.c0101, "high", 5, 5, 5, 5)
    body = {"urgent": {"accept": 10, "dispatch": 15, "handle": 120, "verify": 60}}
    r = put(client, f"{API}/categories/01.01/deadlines", body)
    assert r.status_code == 200, r.content
    got = {d["priority"]: (d["handle"], d["own"]) for d in r.json()["deadlines"]}
    assert got == {"urgent": (120, True), "high": (4320, False), "normal": (10080, False)}
    assert list(Deadline.objects.values_list("priority", flat=True)) == ["urgent"]
    bad = {"urgent": {"accept": 0, "dispatch": 15, "handle": 120, "verify": 60}}
    r = put(client, f"{API}/categories/01.01/deadlines", bad)
    assert error(r) == (
        422,
        ["body", "urgent.accept"],
        "The time allowed must be at least one minute.",
    )
    r = put(client, f"{API}/categories/01.01/deadlines", {"urgent": {"accept": 1}})
    assert r.status_code == 422
    assert Deadline.objects.get().handle_minutes == 120


# Duties -------------------------------------------------------------------------------------


@pytest.fixture
def rules_(reg: Registers) -> dict[str, Duty]:
    t = reg.tree
    return {
        "district": reg.duty(reg.c02, t.district, reg.municipal),
        "street": reg.duty(reg.c01, t.street, reg.team, [reg.city]),
        "community1": reg.duty(reg.c01, t.community1, reg.property1, [reg.team]),
        "community2": reg.duty(reg.c0101, t.community2, reg.property2),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("community_admin", ["community1"]),
        ("grid_worker", []),
        ("street_admin", ["street", "community1", "community2"]),
        ("department", ["street", "community1", "community2", "district"]),
        ("resident", []),
        ("outsider", []),
    ],
)
def test_duty_list_scope(
    rules_: dict[str, Duty],
    client_for: Any,
    request: pytest.FixtureRequest,
    persona: str,
    expected: list[str],
) -> None:
    body = client_for(request.getfixturevalue(persona)).get(f"{API}/duties").json()
    names = {d.pk: k for k, d in rules_.items()}
    assert [names[d["id"]] for d in body] == expected


def test_duty_list_of_an_area_with_inherited_rules(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    client = client_for(community_admin)
    body = client.get(f"{API}/duties", {"area": reg.tree.community1.code}).json()
    got = [(d["area_name"], d["category_code"], d["inherited"], d["overridden"]) for d in body]
    assert got == [
        ("和平街道", "01", True, True),
        ("东湖社区", "01", False, False),
        ("示范区", "02", True, False),
    ]
    assert body[1]["lead_unit"]["name"] == "东湖物业"
    assert [u["name"] for u in body[1]["support_units"]] == ["街道执法队"]
    assert [d["can_edit"] for d in body] == [False, False, False]
    body = client.get(f"{API}/duties", {"area": reg.tree.grid11.code, "category": "02.01"}).json()
    assert [d["category_code"] for d in body] == ["02"]
    r = client.get(f"{API}/duties", {"area": reg.tree.community2.code})
    assert error(r)[:2] == (422, ["body", "area"])
    r = client.get(f"{API}/duties", {"category": "77"})
    assert error(r)[:2] == (422, ["body", "category"])


def test_street_list_below(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, street_admin: User
) -> None:
    client = client_for(street_admin)
    params = {"area": reg.tree.street.code, "below": "true", "category": "01"}
    body = client.get(f"{API}/duties", params).json()
    got = [(d["area_name"], d["category_code"], d["below"], d["can_edit"]) for d in body]
    assert got == [
        ("和平街道", "01", False, True),
        ("东湖社区", "01", True, True),
        ("西湖社区", "01.01", True, True),
    ]


def test_duty_detail_scope(rules_: dict[str, Duty], client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    assert client.get(f"{API}/duties/{rules_['community1'].pk}").status_code == 200
    assert client.get(f"{API}/duties/{rules_['community2'].pk}").status_code == 404
    r = patch(client, f"{API}/duties/{rules_['community2'].pk}", {"tasks": "x"})
    assert r.status_code == 404


def test_create_duty(reg: Registers, client_for: Any, street_admin: User) -> None:
    client = client_for(street_admin)
    body: dict[str, Any] = {
        "category_code": "01",
        "area_code": reg.tree.community1.code,
        "lead_unit_id": reg.property1.pk,
        "support_unit_ids": [reg.team.pk, reg.city.pk],
        "tasks": "物业清理",
    }
    r = post(client, f"{API}/duties", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["area_name"], out["phase"], out["lead_unit"]["name"], out["can_edit"]) == (
        "东湖社区",
        "respond",
        "东湖物业",
        True,
    )
    assert [u["name"] for u in out["support_units"]] == ["区城管局", "街道执法队"]
    before = (Duty.objects.count(), changes())
    bad: list[tuple[dict[str, Any], list[str]]] = [
        ({"support_unit_ids": [reg.property1.pk]}, ["body", "support_units"]),
        ({"lead_unit_id": reg.far.pk}, ["body", "lead_unit_id"]),
        ({"support_unit_ids": [reg.property2.pk]}, ["body", "support_unit_ids"]),
        ({"lead_unit_id": 999999}, ["body", "lead_unit_id"]),
        ({"area_code": "330106009000000"}, ["body", "area_code"]),
        ({"category_code": "77"}, ["body", "category_code"]),
        ({"phase": "someday"}, ["body", "payload", "phase"]),
        ({}, ["body", "category"]),  # the same rule again
    ]
    for change, loc in bad:
        r = post(client, f"{API}/duties", body | change)
        assert r.status_code == 422, (change, r.content)
        assert r.json()["detail"][0]["loc"] == loc, change
    assert (Duty.objects.count(), changes()) == before
    r = post(client, f"{API}/duties", body | {"area_code": reg.street2.code})
    assert r.status_code == 403
    assert (Duty.objects.count(), changes()) == before


def test_create_duty_without_the_right(
    reg: Registers, client_for: Any, community_admin: User
) -> None:
    body = {
        "category_code": "01",
        "area_code": reg.tree.community1.code,
        "lead_unit_id": reg.property1.pk,
    }
    r = post(client_for(community_admin), f"{API}/duties", body)
    assert r.status_code == 403
    assert (Duty.objects.count(), changes()) == (0, 0)


def test_patch_duty(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, street_admin: User
) -> None:
    client = client_for(street_admin)
    url = f"{API}/duties/{rules_['community1'].pk}"
    r = patch(client, url, {"support_unit_ids": [reg.city.pk], "tasks": "新任务"})
    assert r.status_code == 200, r.content
    assert ([u["name"] for u in r.json()["support_units"]], r.json()["tasks"]) == (
        ["区城管局"],
        "新任务",
    )
    r = patch(client, url, {"lead_unit_id": reg.city.pk})
    assert error(r)[:2] == (422, ["body", "support_units"])
    r = patch(client, url, {"active": False, "reason": "合并"})
    assert (r.status_code, r.json()["active"]) == (200, False)
    r = patch(client, url, {"active": True})
    assert (r.status_code, r.json()["active"]) == (200, True)
    # Outside the street: the district's rule is not even visible.
    assert patch(client, f"{API}/duties/{rules_['district'].pk}", {"tasks": "x"}).status_code == 404


def test_patch_duty_visible_but_not_editable(
    rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    client = client_for(community_admin)
    url = f"{API}/duties/{rules_['community1'].pk}"
    for body in ({"tasks": "x"}, {"active": False}, {}):
        assert patch(client, url, body).status_code == 403
    duty = Duty.objects.get(pk=rules_["community1"].pk)
    assert (duty.tasks, duty.active, changes()) == ("", True, 0)


# Routing ------------------------------------------------------------------------------------


def test_route(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    client = client_for(community_admin)
    r = client.get(f"{API}/route", {"category": "01.02", "grid": reg.tree.grid11.code})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["duty_id"], body["duty_area_code"], body["duty_category_code"]) == (
        rules_["community1"].pk,
        reg.tree.community1.code,
        "01",
    )
    assert body["lead_unit"]["name"] == "东湖物业"
    assert body["lead_unit"]["area_name"] == "东湖社区"
    assert [u["name"] for u in body["support_units"]] == ["街道执法队"]
    assert (body["inherited_area"], body["inherited_category"]) == (True, True)
    assert body["explanation"].startswith(
        "From the duty set on 东湖社区 for 01 市容环境 (Respond): 东湖物业 leads."
    )
    r = client.get(f"{API}/route", {"category": "01.02", "grid": reg.tree.grid11.code,
                                     "phase": "prevent"})  # fmt: skip
    assert (r.json()["duty_id"], r.json()["lead_unit"]) == (None, None)
    r = client.get(f"{API}/route", {"category": "01.02", "grid": reg.tree.grid21.code})
    assert error(r)[:2] == (422, ["body", "grid"])
    r = client.get(f"{API}/route", {"category": "77", "grid": reg.tree.grid11.code})
    assert error(r)[:2] == (422, ["body", "category"])
    assert client.get(f"{API}/route", {"grid": reg.tree.grid11.code}).status_code == 422
