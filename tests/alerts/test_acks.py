"""Acknowledgement in the app and by signed link, read receipts, a level's acknowledgement,
escalation by the sweeper, the coverage board and the delay of each level."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from resigrid.alerts import acks, reads, rules, services
from resigrid.alerts.models import Alert, Recipient, Relay, Visit
from resigrid.alerts.sweeper import sweep
from resigrid.alerts.tasks import sweep_alerts
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.notify.models import Message
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)


def test_acknowledge_in_the_app_keeps_the_first_time(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        alert = published(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        first = acks.acknowledge(actor=world.resident, alert_id=alert.pk)
    with time_machine.travel(T0 + dt.timedelta(minutes=9), tick=False):
        again = acks.acknowledge(actor=world.resident, alert_id=alert.pk)
    assert first.acknowledged_at == again.acknowledged_at == T0 + dt.timedelta(minutes=3)
    assert (again.ack_channel, again.read_at) == ("app", T0 + dt.timedelta(minutes=3))
    with pytest.raises(NotFoundError):
        acks.acknowledge(actor=world.street, alert_id=alert.pk)  # not a recipient


def test_signed_link(world: World) -> None:
    alert = published(world)
    rec = Recipient.objects.get(alert=alert, person=world.young)
    token = acks.token_for(rec)
    assert acks.acknowledge_by_token(token=token).ack_channel == "link"
    other = Recipient.objects.get(alert=alert, person=world.far)
    forged = token.replace(f"{rec.pk}.", f"{other.pk}.", 1)
    with pytest.raises(ValidationFailed) as err:
        acks.acknowledge_by_token(token=forged)
    assert (err.value.field, str(err.value.message)) == (
        "token",
        "This acknowledgement link is not valid.",
    )
    expired = rules.ack_token(
        key=acks.token_key(), recipient_id=other.pk, expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    with pytest.raises(ValidationFailed) as err:
        acks.acknowledge_by_token(token=expired)
    assert str(err.value.message) == "This acknowledgement link has expired."
    wrong_key = rules.ack_token(
        key=b"not the key", recipient_id=other.pk, expires=T0 + dt.timedelta(days=999)
    )
    for bad in (wrong_key, "garbage", ""):
        with pytest.raises(ValidationFailed):
            acks.acknowledge_by_token(token=bad)
    other.refresh_from_db()
    assert other.acknowledged_at is None


def test_read_receipt(world: World) -> None:
    alert = published(world)
    rec = acks.mark_read(actor=world.worker11, alert_id=alert.pk)
    assert rec is not None and rec.read_at is not None and rec.acknowledged_at is None
    assert acks.mark_read(actor=world.street, alert_id=alert.pk) is None
    assert rec.message_id is not None
    by_message = acks.mark_read_message(actor=world.secretary, message_id=rec.message_id)
    assert by_message is not None and by_message.read_at is not None
    assert acks.mark_read_message(actor=world.street, message_id=rec.message_id) is None


def test_relay_acknowledged_by_its_staff_only(world: World) -> None:
    alert = published(world)
    relay = Relay.objects.get(alert=alert, area=world.tree.community1)
    with pytest.raises(PermissionDeniedError):
        acks.acknowledge_relay(actor=world.staff2, relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.acknowledged_at is None
    acks.acknowledge_relay(actor=world.secretary, relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.acknowledged_by == world.secretary


def test_sweeper_escalates_once_and_tells_the_level_above(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        alert = published(world, ack_minutes=30)
        acks.acknowledge(actor=world.resident, alert_id=alert.pk)
        acks.acknowledge_relay(
            actor=world.secretary, relay_id=alert.relays.get(area=world.tree.community1).pk
        )
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        assert sweep().escalated == 0
    messages = Message.objects.count()
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        report = sweep()
    assert report.escalated == alert.recipients.count() - 1 == 11
    # Persons not yet visited: 王小妹, 张党员, 赵志愿, 李四 (王大爷 and 孙奶奶 already have one).
    late = {
        (v.person.name, v.assignee_id)
        for v in Visit.objects.filter(alert=alert, reason="not_acknowledged")
    }
    assert late == {
        ("王小妹", world.worker11.pk),
        ("张党员", world.worker11.pk),
        ("赵志愿", world.worker11.pk),
        ("李四", world.worker21.pk),
    }
    assert report.visits == 4
    assert report.relays_overdue == 4  # every relay but community 1
    assert Relay.objects.filter(alert=alert, overdue_notified_at__isnull=True).count() == 1
    assert Message.objects.count() > messages
    with time_machine.travel(T0 + dt.timedelta(minutes=60), tick=False):
        again = sweep()
    assert (again.escalated, again.visits, again.relays_overdue) == (0, 0, 0)


def test_command_and_task_expire(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        alert = published(world, expires=T0 + dt.timedelta(hours=1))
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        call_command("alerts_sweep")
    alert.refresh_from_db()
    assert alert.state == "expired"
    assert sweep_alerts.call()["expired"] == 0


def test_board_and_delays(world: World) -> None:
    t = world.tree
    with time_machine.travel(T0, tick=False):
        alert = published(world, ack_minutes=30)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        acks.acknowledge(actor=world.resident, alert_id=alert.pk)
        acks.acknowledge_relay(
            actor=world.secretary, relay_id=alert.relays.get(area=t.community1).pk
        )
    with time_machine.travel(T0 + dt.timedelta(minutes=15), tick=False):
        acks.mark_read(actor=world.worker11, alert_id=alert.pk)
        acks.acknowledge_relay(actor=world.staff2, relay_id=alert.relays.get(area=t.community2).pk)
    board = reads.board(alert=alert, area=t.community1, now=T0 + dt.timedelta(minutes=40))
    rows = {r.name: r for r in board.grids}
    g11 = rows["东湖一网格"]
    assert (g11.recipients, g11.delivered, g11.read, g11.acknowledged, g11.overdue) == (
        7,
        3,
        2,
        1,
        6,
    )
    assert (g11.visits_open, g11.visits_done) == (1, 0)
    assert g11.acknowledged_pct == 14.3
    assert (rows["东湖二网格"].recipients, rows["东湖二网格"].overdue) == (1, 1)
    assert (board.total.recipients, board.total.acknowledged) == (8, 1)
    early = reads.board(alert=alert, area=t.grid21, now=T0 + dt.timedelta(minutes=10))
    assert [(r.name, r.recipients, r.overdue) for r in early.grids] == [("西湖一网格", 2, 0)]
    d = reads.delays(alert=alert)
    assert d.medians["community"]["to_acknowledge"] == 600.0  # 5 and 15 minutes
    assert d.medians["grid"]["to_acknowledge"] is None


def test_acknowledge_needs_a_live_alert(world: World) -> None:
    alert: Alert = published(world)
    services.cancel(actor=world.street, alert_id=alert.pk, note="误报")
    with pytest.raises(ConflictError):
        acks.acknowledge(actor=world.resident, alert_id=alert.pk)
