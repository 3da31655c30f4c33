"""Per-person channel order: the first usable channel gets the row, the next ones take over
when it gives up (in the same transaction), the inbox is always written."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.notify.models import ChannelPreference, Delivery
from resigrid.notify.services import enqueue, set_preferences
from resigrid.notify.worker import run_once
from tests.factories import Tree, UserFactory
from tests.notify.fakehttp import FakeHttpServer, SmsGateway
from tests.notify.helpers import T0, wecom
from tests.notify.smtp import SmtpServer

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[str, str | None, str]]:
    return list(Delivery.objects.order_by("id").values_list("channel", "user__username", "status"))


@time_machine.travel(T0, tick=False)
def test_fan_out_follows_each_order(
    alice: User, bob: User, tree: Tree, fake_http: FakeHttpServer
) -> None:
    carol = UserFactory(username="carol", email="carol@example.org")
    dave = UserFactory(username="dave", email="dave@example.org")
    set_preferences(user=bob, channels=["email", "sms"], phone="13900139000")  # no email: SMS
    set_preferences(user=carol, channels=["sms", "email"], phone="13700137000")
    set_preferences(user=dave, channels=[])  # the inbox only
    robot = wecom(tree, fake_http)
    off = wecom(tree, fake_http, key="off")
    off.active = False
    off.save()
    enqueue(topic="t", subject="s", users=[alice, bob, carol, dave], robots=[robot, off, robot])
    assert rows() == [
        ("inbox", "alice", "sent"),
        ("email", "alice", "pending"),
        ("inbox", "bob", "sent"),
        ("sms", "bob", "pending"),
        ("inbox", "carol", "sent"),
        ("sms", "carol", "pending"),
        ("inbox", "dave", "sent"),
        ("wecom", None, "pending"),
    ]


def test_dead_channel_hands_over_to_the_next_in_the_same_transaction(
    alice: User, smtp_server: SmtpServer, sms_gateway: SmsGateway, fake_http: FakeHttpServer
) -> None:
    smtp_server.handler.refuse_rcpt["alice@example.org"] = "550 5.1.1 No such user"
    set_preferences(user=alice, channels=["email", "sms"], phone="13800138000")
    with time_machine.travel(T0, tick=False):
        enqueue(topic="t", subject="通知", users=[alice])
        stats = run_once(worker="w1", limit=10)
        assert (stats.claimed, stats.dead) == (1, 1)
        assert rows() == [
            ("inbox", "alice", "sent"),
            ("email", "alice", "dead"),
            ("sms", "alice", "pending"),
        ]
        assert run_once(worker="w1", limit=10).sent == 1
    assert rows()[-1] == ("sms", "alice", "sent")
    assert [r.json["to"] for r in fake_http.requests] == ["13800138000"]


def test_last_channel_dead_leaves_the_inbox(alice: User, smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse_rcpt["alice@example.org"] = "550 5.1.1 No such user"
    with time_machine.travel(T0, tick=False):
        enqueue(topic="t", subject="通知", users=[alice])  # default order; no phone
        assert run_once(worker="w1", limit=10).dead == 1
        assert run_once(worker="w1", limit=10).claimed == 0
    assert rows() == [("inbox", "alice", "sent"), ("email", "alice", "dead")]


def test_preferences_are_checked_and_the_phone_encrypted(alice: User, bob: User) -> None:
    pref = set_preferences(user=alice, channels=["sms", "email"], phone="+86 138 0013 8000")
    stored = ChannelPreference.objects.values_list("channels", "phone_enc").get(user=alice)
    assert stored[0] == ["sms", "email"]
    assert stored[1].startswith("v1:") and "13800138000" not in stored[1]
    assert pref.phone() == "13800138000"
    cases = [
        ({"user": bob, "channels": ["sms"]}, "phone"),
        ({"user": alice, "channels": ["sms", "sms"]}, "channels"),
        ({"user": alice, "channels": ["fax"]}, "channels"),
        ({"user": alice, "channels": ["sms"], "phone": "12345"}, "phone"),
        ({"user": alice, "channels": ["sms"], "clear_phone": True}, "phone"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as info, transaction.atomic():
            set_preferences(**kwargs)  # type: ignore[arg-type]
        assert info.value.field == field, kwargs
    assert ChannelPreference.objects.values_list("channels", "phone_enc").get(user=alice) == stored
    assert not ChannelPreference.objects.filter(user=bob).exists()
    set_preferences(user=alice, channels=["email"], clear_phone=True)
    assert ChannelPreference.objects.values_list("channels", "phone_enc").get(user=alice) == (
        ["email"],
        "",
    )
