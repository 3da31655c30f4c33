"""Pages: my channels (/notify/preferences/), the group robots of my areas (/notify/robots/),
and the admin for robots, preferences and receipts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.notify.models import ChannelPreference, Robot
from tests.factories import Tree, UserFactory
from tests.notify.fakehttp import FakeHttpServer
from tests.notify.helpers import WECOM_PATH, dingtalk, wecom

pytestmark = pytest.mark.django_db


def test_preferences_page_saves_order_and_phone(alice: User, client_for: Any) -> None:
    client = client_for(alice)
    html = client.get("/notify/preferences/").content.decode()
    assert 'value="email,sms" id="id_order_0" checked>' in html
    r = client.post(
        "/notify/preferences/", {"order": "sms,email", "phone": "138 0013 8000"}, follow=True
    )
    assert r.redirect_chain == [("/notify/preferences/", 302)]
    html = r.content.decode()
    assert "Your channels were saved." in html
    assert '<span class="font-monospace">138****8000</span>' in html
    pref = ChannelPreference.objects.get(user=alice)
    assert (pref.channels, pref.phone()) == (["sms", "email"], "13800138000")
    # Keep the number, change the order; then remove the number with an order that needs none.
    client.post("/notify/preferences/", {"order": "email"})
    assert ChannelPreference.objects.get(user=alice).phone() == "13800138000"
    client.post("/notify/preferences/", {"order": "email", "clear_phone": "on"})
    assert ChannelPreference.objects.get(user=alice).phone_enc == ""


def test_preferences_page_errors_name_the_field(bob: User, client_for: Any) -> None:
    client = client_for(bob)
    r = client.post("/notify/preferences/", {"order": "sms"})
    assert r.status_code == 200
    assert 'data-error="phone">Give a phone number to receive SMS.<' in r.content.decode()
    r = client.post("/notify/preferences/", {"order": "sms", "phone": "12345"})
    assert 'data-error="phone">Not a mainland phone number' in r.content.decode()
    r = client.post("/notify/preferences/", {"order": "fax"})
    assert 'data-error="order">' in r.content.decode()
    assert not ChannelPreference.objects.filter(user=bob).exists()


def test_preferences_need_login(client: Any) -> None:
    r = client.get("/notify/preferences/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def robot_form(server: FakeHttpServer, area: Any, **extra: str) -> dict[str, Any]:
    return {
        "name": "东湖社区应急群",
        "kind": "wecom",
        "area": area.pk,
        "webhook_url": server.url(f"{WECOM_PATH}?key=abcd-1234"),
        "secret": "",
        "message_format": "text",
        **extra,
    }


def test_staff_list_and_add_robots_of_their_community(
    tree: Tree, community_staff: User, client_for: Any, fake_http: FakeHttpServer
) -> None:
    mine = wecom(tree, fake_http, key="mine", area=tree.grid11)
    theirs = dingtalk(tree, fake_http, token="theirs", area=tree.community2)
    client = client_for(community_staff)
    html = client.get("/notify/robots/").content.decode()
    assert f'data-robot="{mine.pk}"' in html and f'data-robot="{theirs.pk}"' not in html
    assert f'<option value="{tree.community2.pk}"' not in html
    assert f'<option value="{tree.grid11.pk}"' in html
    r = client.post("/notify/robots/", robot_form(fake_http, tree.community1), follow=True)
    assert "Robot 东湖社区应急群 added." in r.content.decode()
    robot = Robot.objects.get(name="东湖社区应急群")
    assert (robot.kind, robot.area, robot.active, robot.created_by) == (
        "wecom",
        tree.community1,
        True,
        community_staff,
    )
    assert robot.webhook_url().endswith("key=abcd-1234")
    assert f"{WECOM_PATH}?…1234" in r.content.decode()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            {"webhook_url": "https://evil.example/cgi-bin/webhook/send?key=x"},
            "webhook_url",
            "Robots may only post to 127.0.0.1.",
        ),
        (
            {"webhook_url": "ftp://127.0.0.1/x"},
            "webhook_url",
            "Give the full webhook address, starting with https://.",
        ),
        (
            {"webhook_url": "http://127.0.0.1/cgi-bin/webhook/send"},
            "webhook_url",
            "The webhook address has no key",
        ),
        (
            {"kind": "dingtalk", "webhook_url": "http://127.0.0.1/robot/send?access_token=t"},
            "secret",
            "A DingTalk robot needs its signing secret",
        ),
        ({"name": "已有"}, "name", "This area already has a robot of that name."),
    ],
)
def test_add_robot_errors(
    tree: Tree,
    community_staff: User,
    client_for: Any,
    fake_http: FakeHttpServer,
    extra: dict[str, str],
    field: str,
    message: str,
) -> None:
    wecom(tree, fake_http, key="x", name="已有", area=tree.community1)
    r = client_for(community_staff).post(
        "/notify/robots/", robot_form(fake_http, tree.community1, **extra)
    )
    assert r.status_code == 200
    assert f'data-error="{field}">{message}' in r.content.decode()
    assert Robot.objects.count() == 1


def test_area_outside_scope_is_refused(
    tree: Tree, community_staff: User, client_for: Any, fake_http: FakeHttpServer
) -> None:
    r = client_for(community_staff).post("/notify/robots/", robot_form(fake_http, tree.community2))
    assert 'data-error="area">' in r.content.decode()
    assert Robot.objects.count() == 0


def test_robots_page_needs_the_permission(
    tree: Tree, grid_worker: User, resident: User, client_for: Any, fake_http: FakeHttpServer
) -> None:
    for user in (grid_worker, resident):
        client = client_for(user)
        assert client.get("/notify/robots/").status_code == 403
        assert client.post("/notify/robots/", robot_form(fake_http, tree.grid11)).status_code == 403
    assert Robot.objects.count() == 0


def test_switch_off_and_on_within_scope_only(
    tree: Tree, community_staff: User, client_for: Any, fake_http: FakeHttpServer
) -> None:
    mine = wecom(tree, fake_http, key="mine")
    theirs = wecom(tree, fake_http, key="theirs", area=tree.community2)
    client = client_for(community_staff)
    r = client.post(f"/notify/robots/{mine.pk}/active/", {"active": "0"}, follow=True)
    assert f"Robot {mine.name} switched off." in r.content.decode()
    assert Robot.objects.get(pk=mine.pk).active is False
    client.post(f"/notify/robots/{mine.pk}/active/", {"active": "1"})
    assert Robot.objects.get(pk=mine.pk).active is True
    assert client.post(f"/notify/robots/{theirs.pk}/active/", {"active": "0"}).status_code == 404
    assert Robot.objects.get(pk=theirs.pk).active is True
    assert client.get(f"/notify/robots/{mine.pk}/active/").status_code == 405


def test_admin_pages(tree: Tree, client_for: Any, fake_http: FakeHttpServer, alice: User) -> None:
    robot = wecom(tree, fake_http)
    ChannelPreference.objects.create(user=alice, channels=["email"])
    client = client_for(UserFactory(username="admin", is_superuser=True, is_staff=True))
    for name in ("robot", "channelpreference", "smsreceipt"):
        assert client.get(reverse(f"admin:notify_{name}_changelist")).status_code == 200, name
    html = client.get(reverse("admin:notify_robot_change", args=[robot.pk])).content.decode()
    assert robot.webhook_hint in html and "v1:" not in html
    assert client.get(reverse("admin:notify_robot_add")).status_code == 403
    pref = ChannelPreference.objects.get(user=alice)
    html = client.get(
        reverse("admin:notify_channelpreference_change", args=[pref.pk])
    ).content.decode()
    assert "phone_enc" not in html
