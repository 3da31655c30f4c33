"""The orgs API per persona: scopes (404 outside), rights (403), bad input (422), masking."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.orgs.models import Commitment, PartyMember, PartyOrg, Unit
from tests.orgs.conftest import VALID_CREDIT, Orgs

API = "/api/orgs"


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("grid_worker", ["一网格党小组"]),
        ("community_admin", ["东湖社区党委", "第一党支部", "一网格党小组"]),
        ("street_admin", ["东湖社区党委", "第一党支部", "一网格党小组", "西湖社区党委"]),
        ("department", ["东湖社区党委", "第一党支部", "一网格党小组", "西湖社区党委"]),
        ("resident", []),
        ("outsider", []),
    ],
)
def test_org_list_scope(
    orgs: Orgs, client_for: Any, request: pytest.FixtureRequest, persona: str, names: list[str]
) -> None:
    client = client_for(request.getfixturevalue(persona))
    body = client.get(f"{API}/party-orgs").json()
    assert [o["name"] for o in body] == names


def test_org_tree(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    body = client_for(community_admin).get(f"{API}/party-orgs/tree").json()
    assert [(n["name"], [c["name"] for c in n["children"]]) for n in body] == [
        ("东湖社区党委", ["第一党支部"])
    ]
    assert body[0]["children"][0]["children"][0]["name"] == "一网格党小组"


def test_org_outside_scope_is_404(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    assert client.get(f"{API}/party-orgs/{orgs.committee2.pk}").status_code == 404
    r = patch(client, f"{API}/party-orgs/{orgs.committee2.pk}", {"name": "x"})
    assert r.status_code == 404
    assert PartyOrg.objects.get(pk=orgs.committee2.pk).name == "西湖社区党委"


def test_create_group_and_errors(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    body = {
        "kind": "group",
        "name": "二网格党小组",
        "area_code": orgs.tree.grid12.code,
        "parent_id": orgs.branch1.pk,
        "secretary_id": orgs.bob.pk,
    }
    r = post(client, f"{API}/party-orgs", body)
    assert r.status_code == 201, r.content
    assert (r.json()["secretary_name"], r.json()["kind_label"]) == ("李四", "Party group")
    r = post(client, f"{API}/party-orgs", body | {"name": "三", "parent_id": orgs.committee1.pk})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "parent"],
            "msg": "A Party group cannot be placed under a Party committee.",
            "type": "value_error",
        }
    ]
    r = post(client, f"{API}/party-orgs", body | {"kind": "cell"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "kind"
    r = post(client, f"{API}/party-orgs", body | {"area_code": orgs.tree.grid21.code})
    assert r.status_code == 403
    r = post(client, f"{API}/party-orgs", body | {"parent_id": orgs.committee2.pk, "name": "四"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "parent_id"]
    assert PartyOrg.objects.count() == 5


def test_write_without_right_is_403(orgs: Orgs, client_for: Any, grid_worker: User) -> None:
    client = client_for(grid_worker)
    r = patch(client, f"{API}/party-orgs/{orgs.group11.pk}", {"name": "改"})
    assert r.status_code == 403
    r = post(
        client,
        f"{API}/units",
        {"kind": "shop", "name": "小店", "area_code": orgs.tree.grid11.code},
    )
    assert r.status_code == 403
    assert (PartyOrg.objects.get(pk=orgs.group11.pk).name, Unit.objects.count()) == (
        "一网格党小组",
        2,
    )


def test_members_and_registration(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    r = post(
        client,
        f"{API}/party-members",
        {
            "person_id": orgs.alice.pk,
            "org_id": orgs.group11.pk,
            "in_service": True,
            "employer_id": orgs.unit1.pk,
            "joined": "2001-07-01",
        },
    )
    assert r.status_code == 201, r.content
    member_id = r.json()["id"]
    r = post(
        client,
        f"{API}/party-members/{member_id}/registrations",
        {"community_code": orgs.tree.community1.code, "registered": "2026-03-01"},
    )
    assert r.status_code == 201
    r = post(
        client,
        f"{API}/party-members/{member_id}/service-records",
        {"date": "2026-03-02", "hours": "3", "activity": "防汛巡查"},
    )
    assert r.status_code == 201
    r = post(
        client,
        f"{API}/party-members/{member_id}/service-records",
        {"date": "2026-03-02", "hours": "30", "activity": "x"},
    )
    assert r.status_code == 422
    body = client.get(f"{API}/party-members?in_service=true").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["name"], row["employer_name"], row["service_hours"]) == ("张三", "东湖物业", "3.0")
    assert [g["community_name"] for g in row["registrations"]] == ["东湖社区"]
    r = post(
        client, f"{API}/party-members", {"person_id": orgs.carol.pk, "org_id": orgs.group11.pk}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "person_id"]
    assert PartyMember.objects.count() == 1


def test_units_filters(orgs: Orgs, client_for: Any, street_admin: User) -> None:
    client = client_for(street_admin)
    r = post(
        client,
        f"{API}/units",
        {
            "kind": "social_org",
            "name": "心理服务站",
            "area_code": orgs.tree.community2.code,
            "specialties": ["psychological"],
            "credit_code": VALID_CREDIT,
        },
    )
    assert r.status_code == 201, r.content
    names = lambda qs: [u["name"] for u in client.get(f"{API}/units{qs}").json()["results"]]  # noqa: E731
    assert names("") == ["东湖物业", "西湖超市", "心理服务站"]
    assert names("?co_building=true") == ["东湖物业"]
    assert names("?specialty=psychological") == ["心理服务站"]
    assert names("?kind=shop") == ["西湖超市"]
    assert names(f"?area_code={orgs.tree.community1.code}") == ["东湖物业"]
    r = client.get(f"{API}/units?kind=bank")
    assert r.status_code == 422


def test_bad_credit_code_names_the_field(
    orgs: Orgs, client_for: Any, community_admin: User
) -> None:
    r = post(
        client_for(community_admin),
        f"{API}/units",
        {
            "kind": "enterprise",
            "name": "某公司",
            "area_code": orgs.tree.community1.code,
            "credit_code": "91350100M000100Y44",
        },
    )
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "credit_code"],
            "msg": "The credit code's check character is wrong: please check for a typing error.",
            "type": "value_error",
        }
    ]
    assert Unit.objects.count() == 2


def test_contacts_masked_and_unmask_logged(
    orgs: Orgs, client: Client, community_admin: User, community_staff: User
) -> None:
    client.force_login(community_staff)
    detail = client.get(f"{API}/units/{orgs.unit1.pk}").json()
    assert [c["phone"] for c in detail["contacts"]] == ["138****5678"]
    assert detail["can_unmask"] is False
    r = client.get(f"{API}/units/{orgs.unit1.pk}/contacts?unmask=true")
    assert r.status_code == 403
    assert PersonalDataAccess.objects.count() == 0
    client.force_login(community_admin)
    r = client.get(f"{API}/units/{orgs.unit1.pk}/contacts?unmask=true")
    assert r.json() == [
        {
            "id": orgs.contact1.pk,
            "name": "赵经理",
            "role": "经理",
            "phone": "13812345678",
            "masked": False,
        }
    ]
    assert (
        PersonalDataAccess.objects.filter(
            user=community_admin, subject="orgs.unitcontact", action="unmasked_read"
        ).count()
        == 1
    )


def test_unit_outside_scope_404(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    client = client_for(community_admin)
    assert client.get(f"{API}/units/{orgs.unit2.pk}").status_code == 404
    assert client.get(f"{API}/units/{orgs.unit2.pk}/contacts").status_code == 404
    r = post(
        client,
        f"{API}/units/{orgs.unit2.pk}/commitments",
        {"kind": "goods", "description": "x", "quantity": "1", "uom": "件"},
    )
    assert r.status_code == 404


def test_commitments(orgs: Orgs, client_for: Any, community_staff: User) -> None:
    client = client_for(community_staff)
    r = post(
        client,
        f"{API}/units/{orgs.unit1.pk}/commitments",
        {
            "kind": "space",
            "description": "地下车库临时安置",
            "quantity": "200",
            "uom": "平方米",
            "contact_id": orgs.contact1.pk,
            "for_daily": True,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["contact_name"] == "赵经理"
    cid = r.json()["id"]
    r = patch(client, f"{API}/commitments/{cid}", {"quantity": "-5"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "quantity"
    r = patch(client, f"{API}/commitments/{cid}", {"quantity": "150"})
    assert r.json()["quantity"] == "150.00"
    listed = client.get(f"{API}/commitments?kind=space").json()
    assert [c["description"] for c in listed] == ["地下车库临时安置"]
    assert client.delete(f"{API}/commitments/{cid}").status_code == 204
    assert Commitment.objects.count() == 0


def test_openapi_lists_orgs_paths(client_for: Any, community_admin: User) -> None:
    spec = client_for(community_admin).get("/api/openapi.json").json()
    for path in (
        "/api/orgs/party-orgs",
        "/api/orgs/units/{unit_id}/contacts",
        "/api/orgs/party-members",
        "/api/orgs/commitments",
    ):
        assert path in spec["paths"]
