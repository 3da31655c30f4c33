"""Approve, publish (identifier, hash, approval per level), update, cancel, expire; bad moves."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from resigrid.alerts import rules, services
from resigrid.alerts.models import Alert, AlertLog
from resigrid.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from resigrid.notify.models import Message
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


def test_street_alert_needs_approval_by_someone_else(world: World) -> None:
    alert = draft(world)
    with pytest.raises(ConflictError) as err:
        services.publish(actor=world.street, alert_id=alert.pk)
    assert err.value.state == "draft"
    with pytest.raises(PermissionDeniedError):
        services.approve(actor=world.street, alert_id=alert.pk)  # the drafter
    with pytest.raises(PermissionDeniedError):
        services.approve(actor=world.secretary, alert_id=alert.pk)  # below the issuer
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("draft", None)
    services.approve(actor=world.approver, alert_id=alert.pk)
    with pytest.raises(ConflictError):
        services.approve(actor=world.approver, alert_id=alert.pk)
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("approved", world.approver)


def test_publish_sets_identifier_hash_and_logs(world: World) -> None:
    with time_machine.travel(NOON, tick=False):
        alert = draft(world)
        services.approve(actor=world.approver, alert_id=alert.pk)
        services.publish(actor=world.street, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.identifier == "33010600100000_20260701120000_1"
    assert alert.sent == NOON
    assert alert.state == "published"
    assert alert.content_sha256 == rules.content_sha256(services.stored_fields(alert))
    assert list(alert.log.values_list("action", "from_state", "to_state")) == [
        ("draft", "", "draft"),
        ("approve", "draft", "approved"),
        ("publish", "approved", "published"),
    ]
    with pytest.raises(ConflictError):
        services.publish(actor=world.street, alert_id=alert.pk)


def test_serial_counts_alerts_of_the_same_second(world: World) -> None:
    first, second = draft(world), draft(world)
    for a in (first, second):
        services.approve(actor=world.approver, alert_id=a.pk)
    with time_machine.travel(NOON, tick=False):
        services.publish(actor=world.street, alert_id=first.pk)
        services.publish(actor=world.street, alert_id=second.pk)
    second.refresh_from_db()
    assert second.identifier.endswith("_20260701120000_2")


@override_settings(ALERT_APPROVAL_REQUIRED={"street": False})
def test_no_approval_where_the_setting_says_so(world: World) -> None:
    alert = draft(world)
    services.publish(actor=world.street, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.state == "published"


def test_grid_worker_cannot_publish_a_street_alert(world: World) -> None:
    alert = draft(world)
    services.approve(actor=world.approver, alert_id=alert.pk)
    with pytest.raises(PermissionDeniedError):
        services.publish(actor=world.worker11, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.state == "approved"
    assert alert.relays.count() == 0
    with pytest.raises(NotFoundError):
        services.publish(actor=world.street, alert_id=alert.pk + 999)


def _published(world: World, **extra: object) -> Alert:
    alert = draft(world, **extra)
    services.approve(actor=world.approver, alert_id=alert.pk)
    services.publish(actor=world.street, alert_id=alert.pk)
    alert.refresh_from_db()
    return alert


def test_update_supersedes_and_distributes_again(world: World) -> None:
    old = _published(world)
    new = services.update(
        actor=world.street, alert_id=old.pk, changes={"level": "orange", "headline": "暴雨橙色预警"}
    )
    old.refresh_from_db()
    assert old.state == "updated"
    assert (new.msg_type, new.state, new.level, new.severity, new.supersedes_id) == (
        "Update",
        "published",
        "orange",
        "Severe",
        old.pk,
    )
    assert old.sent is not None
    assert new.references == f"{old.sender},{old.identifier},{old.sent.isoformat()}"
    assert new.recipients.count() == old.recipients.count() > 0
    assert set(new.target_areas.all()) == set(old.target_areas.all())
    with pytest.raises(ConflictError):
        services.update(actor=world.street, alert_id=old.pk, changes={"headline": "x"})


def test_cancel_tells_everyone_and_is_final(world: World) -> None:
    alert = _published(world)
    messages = Message.objects.count()
    services.cancel(actor=world.street, alert_id=alert.pk, note="雨已停")
    alert.refresh_from_db()
    assert (alert.state, alert.note) == ("cancelled", "雨已停")
    assert Message.objects.count() == messages + 1
    assert Message.objects.latest("pk").subject == "Cancelled: 暴雨红色预警"
    for move in (services.cancel, services.update):
        with pytest.raises(ConflictError):
            if move is services.cancel:
                services.cancel(actor=world.street, alert_id=alert.pk, note="again")
            else:
                services.update(actor=world.street, alert_id=alert.pk, changes={})


def test_expire_due(world: World) -> None:
    with time_machine.travel(NOON, tick=False):
        alert = _published(world, expires=NOON + dt.timedelta(hours=2))
    assert services.expire_due(now=NOON + dt.timedelta(hours=1)) == 0
    assert services.expire_due(now=NOON + dt.timedelta(hours=3)) == 1
    alert.refresh_from_db()
    assert alert.state == "expired"
    assert AlertLog.objects.filter(alert=alert, action="expire").count() == 1
    assert services.expire_due(now=NOON + dt.timedelta(hours=4)) == 0


def test_a_grid_issues_without_approval_by_default(world: World) -> None:
    t = world.tree
    alert = draft(
        world,
        actor=world.secretary,
        issuer_area_id=t.grid11.pk,
        target_area_ids=[t.grid11.pk],
        kind="notice",
        level="",
    )
    services.publish(actor=world.secretary, alert_id=alert.pk)
    alert.refresh_from_db()
    assert (alert.state, alert.identifier[:14]) == ("published", "33010600100100")
    assert alert.recipients.count() == 7
