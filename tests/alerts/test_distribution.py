"""Distribution at publication: relays down to the grids, recipients by kind, door-knocks, one
notify message; level by level with forwarding; integrity of the stored text."""

from __future__ import annotations

import pytest
from django.db import connection

from resigrid.alerts import acks, services
from resigrid.alerts.models import Alert, AlertLog, Recipient, Relay, Visit
from resigrid.core.errors import ConflictError, PermissionDeniedError
from resigrid.notify.models import Delivery, Message
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db


def published(world: World, **extra: object) -> Alert:
    alert = draft(world, **extra)
    services.approve(actor=world.approver, alert_id=alert.pk)
    services.publish(actor=world.street, alert_id=alert.pk)
    alert.refresh_from_db()
    return alert


def who(alert: Alert) -> set[tuple[str, str, str]]:
    return {
        (
            r.role,
            r.user.username if r.user else r.person.name if r.person else "",
            r.relay.area.name,
        )
        for r in alert.recipients.select_related("user", "person", "relay__area")
    }


def test_direct_reaches_every_level_and_person(world: World) -> None:
    alert = published(world)
    t = world.tree
    relays = {r.area_id: r for r in alert.relays.all()}
    assert set(relays) == {t.community1.pk, t.grid11.pk, t.grid12.pk, t.community2.pk, t.grid21.pk}
    assert relays[t.grid11.pk].parent_id == relays[t.community1.pk].pk
    assert relays[t.community1.pk].parent_id is None
    assert {r.received_sha256 for r in relays.values()} == {alert.content_sha256}
    assert who(alert) == {
        ("staff", "secretary1", "东湖社区"),
        ("staff", "staff2", "西湖社区"),
        ("staff", "gridworker", "东湖一网格"),
        ("staff", "gw21", "西湖一网格"),
        ("resident", "resident", "东湖一网格"),
        ("carer", "carer", "东湖一网格"),
        ("resident", "王大爷", "东湖一网格"),
        ("resident", "王小妹", "东湖一网格"),
        ("party_member", "张党员", "东湖一网格"),
        ("volunteer", "赵志愿", "东湖一网格"),
        ("resident", "孙奶奶", "东湖二网格"),
        ("resident", "李四", "西湖一网格"),
    }
    message = Message.objects.get()
    assert set(alert.recipients.values_list("message_id", flat=True)) == {message.pk}
    assert message.subject == "暴雨红色预警"
    assert alert.description in message.body
    deliveries = Delivery.objects.filter(message=message)
    assert deliveries.filter(channel="inbox").count() == 6
    assert deliveries.filter(channel="sms", user__isnull=True).count() == 3  # three phones
    # Account recipients are delivered (the inbox), phone-only residents wait for the SMS.
    assert alert.recipients.filter(user__isnull=False, delivered_at__isnull=True).count() == 0
    visits = {(v.person.name, v.reason, v.assignee_id) for v in Visit.objects.all()}
    assert visits == {
        ("王大爷", "no_channel", world.carer.user_id),
        ("孙奶奶", "no_channel", None),  # no carer and no grid worker on grid 12
    }


def test_grid_alert_reaches_only_its_grid(world: World) -> None:
    t = world.tree
    alert = draft(
        world, actor=world.secretary, issuer_area_id=t.community1.pk, target_area_ids=[t.grid12.pk]
    )
    services.approve(actor=world.street, alert_id=alert.pk)
    services.publish(actor=world.secretary, alert_id=alert.pk)
    assert list(alert.relays.values_list("area_id", flat=True)) == [t.grid12.pk]
    assert who(alert) == {("resident", "孙奶奶", "东湖二网格")}
    assert Visit.objects.filter(alert=alert).count() == 1


def test_relay_mode_goes_level_by_level(world: World) -> None:
    t = world.tree
    alert = published(world, cascade="relay", target_area_ids=[t.community1.pk])
    relay = alert.relays.get()
    assert relay.area_id == t.community1.pk
    assert who(alert) == {("staff", "secretary1", "东湖社区")}
    assert Visit.objects.count() == 0
    with pytest.raises(PermissionDeniedError):
        acks.forward(actor=world.staff2, relay_id=relay.pk, local_addition="x")
    assert alert.relays.count() == 1
    children = acks.forward(
        actor=world.secretary, relay_id=relay.pk, local_addition="东湖低洼处转移"
    )
    assert {c.area_id for c in children} == {t.grid11.pk, t.grid12.pk}
    assert {c.parent_id for c in children} == {relay.pk}
    relay.refresh_from_db()
    assert relay.forwarded_by == world.secretary and relay.local_addition == "东湖低洼处转移"
    assert alert.recipients.count() == 1 + 7 + 1  # + grid 11 (4 people, 3 accounts) + grid 12
    message = Message.objects.latest("pk")
    assert message.body.startswith(f"{alert.headline}\n\n{alert.description}")
    assert message.body.endswith("东湖低洼处转移")
    assert Visit.objects.count() == 2
    with pytest.raises(ConflictError):
        acks.forward(actor=world.secretary, relay_id=relay.pk, local_addition="")
    assert AlertLog.objects.filter(alert=alert, action="forward").count() == 1


def test_changed_text_is_detected_and_logged_once(world: World) -> None:
    alert = published(world)
    check = services.verify(alert)
    assert check.intact and all(r.intact for r in check.relays)
    with connection.cursor() as cursor:  # behind the platform's back
        cursor.execute(
            f"UPDATE {Alert._meta.db_table} SET description = %s WHERE id = %s",  # noqa: S608
            ["预计降雨量10毫米。", alert.pk],
        )
    check = services.verify(alert)
    assert not check.intact
    assert check.expected == alert.content_sha256 != check.actual
    assert [r.intact for r in check.relays] == [False] * 5
    assert Relay.objects.filter(alert=alert, intact=True).count() == 0
    services.verify(alert)
    assert AlertLog.objects.filter(alert=alert, action="integrity").count() == 1


def test_unique_recipient_per_account(world: World) -> None:
    alert = published(world)
    # The carer is also a resident account elsewhere: still one row.
    assert Recipient.objects.filter(alert=alert, user=world.carer_user).count() == 1
