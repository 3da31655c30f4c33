"""Readings in: bad items reported by index while the good ones are kept; resends stored once;
who may send for which sensor."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resigrid.core.errors import ValidationFailed
from resigrid.monitoring.ingest import ReadingIn, ingest, moment, number
from resigrid.monitoring.models import Reading, Sensor
from resigrid.orgs.models import Unit, UnitAccount
from tests.monitoring.conftest import T0, Station, at, send

pytestmark = pytest.mark.django_db


def errors(result) -> list[tuple[int, str, str]]:
    return [(e.index, e.field, e.code) for e in result.errors]


def test_bad_items_are_reported_and_the_good_ones_kept(station: Station, gateway) -> None:
    Sensor.objects.filter(pk=station.sensor.pk).update(active=True)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        result = send(
            gateway,
            [
                ("WL-001", at(0), 1.2),  # good
                ("WL-999", at(0), 1.2),  # unknown sensor
                ("WL-001", at(1), "high"),  # not a number
                ("WL-001", at(2), None),  # not a number
                ("WL-001", at(3), True),  # a boolean is not a number
                ("WL-001", at(4), "NaN"),  # not finite
                ("WL-001", at(5), 10.5),  # above the valid range [−1, 10]
                ("WL-001", at(6), -3),  # below it
                ("WL-001", at(24 * 60), 1.3),  # a day ahead
                ("WL-001", "yesterday", 1.3),  # unreadable time
                ("WL-001", at(7), "1.25"),  # a numeric string is fine
                (42, at(8), 1.0),  # a sensor code must be text
            ],
        )
    assert errors(result) == [
        (1, "sensor", "unknown_sensor"),
        (2, "value", "not_numeric"),
        (3, "value", "not_numeric"),
        (4, "value", "not_numeric"),
        (5, "value", "not_numeric"),
        (6, "value", "out_of_range"),
        (7, "value", "out_of_range"),
        (8, "at", "future"),
        (9, "at", "bad_time"),
        (11, "sensor", "unknown_sensor"),
    ]
    assert (result.received, result.stored, result.duplicates) == (12, 2, 0)
    assert list(Reading.objects.order_by("at").values_list("at", "value")) == [
        (at(0), 1.2),
        (at(7), 1.25),
    ]
    station.sensor.refresh_from_db()
    assert (station.sensor.last_at, station.sensor.last_value) == (at(7), 1.25)
    assert "10" in result.errors[5].message and "WL-999" in result.errors[0].message


def test_future_limit_is_minutes_not_hours(station: Station, gateway, settings) -> None:
    settings.MONITORING_MAX_FUTURE_MINUTES = 5
    with time_machine.travel(T0, tick=False):
        result = send(gateway, [("WL-001", at(4.9), 1.0), ("WL-001", at(5.1), 1.0)])
    assert errors(result) == [(1, "at", "future")]
    assert result.stored == 1


def test_far_back_is_refused(station: Station, gateway, settings) -> None:
    settings.MONITORING_MAX_AGE_DAYS = 30
    with time_machine.travel(T0, tick=False):
        result = send(gateway, [("WL-001", T0 - dt.timedelta(days=31), 1.0)])
    assert errors(result) == [(0, "at", "too_old")]
    assert Reading.objects.count() == 0


def test_a_resent_batch_changes_nothing(station: Station, gateway) -> None:
    batch = [("WL-001", at(i), 1.0 + i / 100) for i in range(5)]
    with time_machine.travel(at(10), tick=False):
        first = send(gateway, batch)
        again = send(gateway, [*batch, ("WL-001", at(5), 1.5), ("WL-001", at(5), 1.6)])
    assert (first.stored, first.duplicates) == (5, 0)
    assert (again.stored, again.duplicates) == (1, 6)  # five resent, one repeat in the batch
    assert Reading.objects.count() == 6
    assert Reading.objects.get(at=at(5)).value == 1.5  # the first of the repeats wins


def test_late_readings_are_stored_but_do_not_move_the_latest(station: Station, gateway) -> None:
    with time_machine.travel(at(30), tick=False):
        send(gateway, [("WL-001", at(20), 2.0)])
        result = send(gateway, [("WL-001", at(10), 1.0), ("WL-001", at(20), 2.0)])
    assert (result.stored, result.duplicates) == (1, 1)
    station.sensor.refresh_from_db()
    assert (station.sensor.last_at, station.sensor.last_value) == (at(20), 2.0)


def test_times_as_text_or_unix_seconds_or_milliseconds(station: Station, gateway) -> None:
    now = T0 + dt.timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        assert moment("2026-07-01T16:00:00", now) == T0  # naive: Asia/Shanghai
        assert moment("2026-07-01T08:00:00Z", now) == T0
        assert moment(T0.timestamp(), now) == T0
        assert moment(int(T0.timestamp() * 1000), now) == T0
        assert moment(None, now) == now
        assert moment(float("inf"), now) is None
        assert moment({"t": 1}, now) is None
    assert [number(v) for v in (1, 2.5, " 3 ", "x", None, True, 1e400, [1])] == [
        1.0,
        2.5,
        3.0,
        None,
        None,
        None,
        None,
        None,
    ]


def test_inactive_sensor(station: Station, gateway) -> None:
    Sensor.objects.filter(pk=station.sensor.pk).update(active=False)
    with time_machine.travel(at(1), tick=False):
        result = send(gateway, [("WL-001", at(0), 1.0)])
    assert errors(result) == [(0, "sensor", "inactive")]


def test_too_many_items(station: Station, gateway, settings) -> None:
    settings.MONITORING_MAX_BATCH = 3
    with pytest.raises(ValidationFailed) as err:
        ingest(actor=gateway, items=[ReadingIn("WL-001", 1.0)] * 4)
    assert err.value.field == "items"
    assert Reading.objects.count() == 0


def test_only_those_who_may_send_for_the_sensor(
    station: Station, tree, gateway, street_admin, grid_worker, outsider, department
) -> None:
    other = Unit.objects.create(kind="property", name="西湖物业", area=tree.community2)
    owner = Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    UnitAccount.objects.create(unit=owner, user=outsider)
    with time_machine.travel(at(5), tick=False):
        # Roles without the send right, and an account of another unit: as if unknown.
        for user in (grid_worker, department):
            assert errors(send(user, [("WL-001", at(0), 1.0)])) == [(0, "sensor", "unknown_sensor")]
        assert errors(send(outsider, [("WL-001", at(0), 1.0)])) == [(0, "sensor", "unknown_sensor")]
        assert Reading.objects.count() == 0
        # The owner unit's account may, once the sensor is theirs.
        Sensor.objects.filter(pk=station.sensor.pk).update(owner_unit=owner)
        assert send(outsider, [("WL-001", at(1), 1.0)]).stored == 1
        Sensor.objects.filter(pk=station.sensor.pk).update(owner_unit=other)
        assert send(outsider, [("WL-001", at(2), 1.0)]).stored == 0
        # Staff of the community and of the street may; so may the platform itself.
        assert send(gateway, [("WL-001", at(3), 1.0)]).stored == 1
        assert send(street_admin, [("WL-001", at(4), 1.0)]).stored == 1
        assert send(None, [("WL-001", at(5), 1.0)], system=True).stored == 1
        assert send(None, [("WL-001", at(5) - dt.timedelta(seconds=1), 1.0)]).stored == 0
