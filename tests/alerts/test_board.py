"""The coverage board counts each grid's own people only: staff of the street and community
levels appear as their own level rows (and in `everyone`), never inside a grid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.alerts import acks, reads
from resigrid.alerts.models import Recipient
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)


def figures(row: reads.BoardRow) -> tuple[str, int, int, int]:
    return (row.name, row.recipients, row.acknowledged, row.overdue)


def test_staff_above_the_grids_are_their_own_rows(world: World) -> None:
    t = world.tree
    with time_machine.travel(T0, tick=False):
        alert = published(world, target_area_ids=[t.street.pk], ack_minutes=30)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        acks.acknowledge(actor=world.secretary, alert_id=alert.pk)
        acks.acknowledge(actor=world.worker11, alert_id=alert.pk)
    # The street's two staff, each community's staff: recipients without a grid.
    assert Recipient.objects.filter(alert=alert, grid__isnull=True).count() == 4
    board = reads.board(alert=alert, area=t.street, now=T0 + dt.timedelta(minutes=40))
    assert [figures(g) for g in board.grids] == [
        ("东湖一网格", 7, 1, 6),
        ("东湖二网格", 1, 0, 1),
        ("西湖一网格", 2, 0, 2),
    ]
    assert figures(board.total) == ("和平街道", 10, 1, 9)
    assert [figures(x) for x in board.levels] == [
        ("和平街道", 2, 0, 2),
        ("东湖社区", 1, 1, 0),
        ("西湖社区", 1, 0, 1),
    ]
    assert figures(board.everyone) == ("和平街道", 14, 2, 12)
    # A community's board: its own level row only, its grids only.
    mine = reads.board(alert=alert, area=t.community1, now=T0 + dt.timedelta(minutes=40))
    assert [figures(g) for g in mine.grids] == [("东湖一网格", 7, 1, 6), ("东湖二网格", 1, 0, 1)]
    assert [figures(x) for x in mine.levels] == [("东湖社区", 1, 1, 0)]
    assert mine.everyone.recipients == 9
    # A grid's board has no level rows.
    assert reads.board(alert=alert, area=t.grid21).levels == []


def test_board_api_has_the_level_rows(world: World) -> None:
    t = world.tree
    alert = published(world, target_area_ids=[t.street.pk])
    client = Client()
    client.force_login(world.street)
    r = client.get(f"/api/alerts/{alert.pk}/board", {"area_id": t.street.pk})
    assert r.status_code == 200, r.content
    data: dict[str, Any] = r.json()
    assert [(x["name"], x["recipients"]) for x in data["levels"]] == [
        ("和平街道", 2),
        ("东湖社区", 1),
        ("西湖社区", 1),
    ]
    assert (data["total"]["recipients"], data["everyone"]["recipients"]) == (10, 14)
