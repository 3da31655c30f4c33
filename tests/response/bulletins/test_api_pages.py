"""Bulletins API and pages: the public list without login, scope, translated errors, the
four-eyes rule through the API, the staff pages and the public pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.response.bulletins import services
from resigrid.response.bulletins.models import ACTION_LABELS, Bulletin
from tests.factories import Tree, UserFactory, bind

API = "/api/response/bulletins/"


def post(client: Any, url: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


@pytest.fixture
def published(tree: Tree, community_staff: User, community_admin: User) -> Bulletin:
    b = services.draft(
        actor=community_staff,
        area=tree.community1,
        kind="rebuttal",
        title="辟谣：水库没有泄洪",
        body="水库水位正常。",
        rumour="水库要泄洪，全村要撤离",
    )
    services.approve(actor=community_admin, bulletin=b)
    return services.publish(actor=community_admin, bulletin=b)


def test_public_api_needs_no_login(published: Bulletin, tree: Tree) -> None:
    anon = Client()
    r = anon.get(f"{API}public")
    assert r.status_code == 200
    assert [(b["id"], b["kind"], b["rumour"]) for b in r.json()] == [
        (published.pk, "rebuttal", "水库要泄洪，全村要撤离")
    ]
    assert "drafted_by" not in r.json()[0]
    assert anon.get(f"{API}public?area={tree.community2.code}").json() == []
    assert anon.get(API).status_code == 401


def test_api_lifecycle_and_errors(
    client_for: Any, tree: Tree, community_staff: User, community_admin: User, outsider: User
) -> None:
    c = client_for(community_staff)
    r = post(
        c,
        API,
        {"area_id": tree.community1.pk, "kind": "rebuttal", "title": "t", "body": "b"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["body", "rumour"]
    with translation.override("zh-hans"):
        expected = translation.gettext("A rebuttal quotes the rumour it answers.")
    assert detail[0]["msg"] == expected
    r = post(
        c,
        API,
        {"area_id": tree.community1.pk, "kind": "official", "title": "停水", "body": "明日停水"},
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    assert post(c, f"{API}{pk}/approve").status_code == 403  # may draft, not approve
    c = client_for(community_admin)
    assert post(c, f"{API}{pk}/publish").json()["state"] == "draft"  # 409 body
    assert post(c, f"{API}{pk}/approve").json()["state"] == "approved"
    assert post(c, f"{API}{pk}/publish").json()["state"] == "published"
    r = post(c, f"{API}{pk}/withdraw", {"reason": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    assert post(c, f"{API}{pk}/withdraw", {"reason": "有误"}).json()["state"] == "withdrawn"
    assert client_for(outsider).get(f"{API}{pk}").status_code == 404


def test_drafter_cannot_approve_via_api(client_for: Any, tree: Tree, community_admin: User) -> None:
    c = client_for(community_admin)
    r = post(
        c,
        API,
        {"area_id": tree.community1.pk, "kind": "official", "title": "通知", "body": "正文"},
    )
    r = post(c, f"{API}{r.json()['id']}/approve")
    assert r.status_code == 403
    assert Bulletin.objects.get().state == "draft"


def test_pages(client_for: Any, published: Bulletin, tree: Tree, community_staff: User) -> None:
    anon = Client()
    html = anon.get("/response/bulletins/public/").content.decode()
    assert "辟谣" in html and "水库要泄洪，全村要撤离" in html
    assert anon.get(f"/response/bulletins/public/{published.pk}/").status_code == 200
    feed = anon.get("/response/bulletins/public/feed.atom")
    assert feed.status_code == 200 and "水库没有泄洪" in feed.content.decode()
    assert anon.get("/response/bulletins/").status_code == 302  # staff list needs a login
    c = client_for(community_staff)
    assert "水库没有泄洪" in c.get("/response/bulletins/").content.decode()
    r = c.post(
        "/response/bulletins/new/",
        {
            "kind": "official",
            "area": tree.community1.pk,
            "incident": "",
            "title": "停电通知",
            "body": "今晚检修",
            "rumour": "",
        },
    )
    assert r.status_code == 302
    draft = Bulletin.objects.get(title="停电通知")
    assert "停电通知" not in anon.get("/response/bulletins/public/").content.decode()
    assert c.get(f"/response/bulletins/{draft.pk}/").status_code == 200
    other = UserFactory(username="far", full_name="远")
    bind(other, tree.community2, Role.COMMUNITY_STAFF)
    assert client_for(other).get(f"/response/bulletins/{draft.pk}/").status_code == 404


def test_the_log_shows_actions_in_the_readers_language(
    client_for: Any, published: Bulletin, community_staff: User
) -> None:
    page = client_for(community_staff).get(f"/response/bulletins/{published.pk}/")
    body = page.content.decode()
    expected = [str(ACTION_LABELS[a]) for a in ("drafted", "approved", "published")]
    assert [e.action_label for e in page.context["log"]] == expected
    assert "· published</li>" not in body and "· drafted</li>" not in body
