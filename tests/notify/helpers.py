"""Shared helpers for the channel tests: robots on the fake server, row states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from resigrid.accounts.models import User
from resigrid.notify.models import Delivery, Robot
from resigrid.notify.robots import create_robot
from tests.factories import Tree, UserFactory
from tests.notify.fakehttp import FakeHttpServer

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)
WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"
DING_SECRET = "SEC0123456789abcdef"


def root() -> User:
    user: User = UserFactory(username="root", is_superuser=True, is_staff=True)
    return user


def wecom(tree: Tree, server: FakeHttpServer, *, key: str = "k1", **extra: Any) -> Robot:
    return create_robot(
        actor=root(),
        area=extra.pop("area", tree.community1),
        name=extra.pop("name", f"东湖社区群 {key}"),
        kind="wecom",
        webhook_url=server.url(f"{WECOM_PATH}?key={key}"),
        **extra,
    )


def dingtalk(
    tree: Tree,
    server: FakeHttpServer,
    *,
    token: str = "t1",  # noqa: S107 (a test robot's access token)
    **extra: Any,
) -> Robot:
    return create_robot(
        actor=root(),
        area=extra.pop("area", tree.grid11),
        name=extra.pop("name", f"一网格钉钉群 {token}"),
        kind="dingtalk",
        webhook_url=server.url(f"{DINGTALK_PATH}?access_token={token}"),
        secret=DING_SECRET,
        **extra,
    )


def state(pk: int) -> tuple[Any, ...]:
    d = Delivery.objects.get(pk=pk)
    return (d.status, d.attempts, d.next_attempt_at, d.uncertain, d.leased_by)
