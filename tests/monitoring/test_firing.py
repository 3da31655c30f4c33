"""Done when (issue 5): a simulated water-level sensor crossing its threshold drafts a warning by
itself and opens a case; a value flapping around the threshold fires once. Plus kind rules over
an area, rate rules, cooldown, failed actions and the silence sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from resigrid.alerts.models import Alert
from resigrid.cases.models import Case
from resigrid.monitoring import services
from resigrid.monitoring.models import Reading, Rule, RuleEvent, RuleState
from resigrid.monitoring.sweeper import sweep
from resigrid.monitoring.tasks import sweep_silence
from tests.monitoring.conftest import T0, Station, at, flood_rule, send

pytestmark = pytest.mark.django_db


def simulate(actor, code: str, values: list[float], start: float = 0, step: float = 2) -> list[Any]:
    """A gateway sending one reading every `step` minutes, one batch each, as it happens."""
    results = []
    for i, value in enumerate(values):
        when = at(start + i * step)
        with time_machine.travel(when + dt.timedelta(seconds=5), tick=False):
            results.append(send(actor, [(code, when, value)]))
    return results


def state_of(rule: Rule) -> RuleState:
    return RuleState.objects.get(rule=rule)


def test_rising_river_drafts_a_warning_and_opens_a_case_by_itself(
    station: Station, gateway
) -> None:
    # 2.0 → 3.4 m; at or above 3.0 from minute 8; held 10 minutes at minute 18.
    simulate(gateway, "WL-001", [2.0, 2.4, 2.7, 2.9, 3.05, 3.1, 3.2, 3.3, 3.35, 3.4])
    alert = Alert.objects.get()
    case = Case.objects.get()
    state = state_of(station.rule)
    assert (state.state, state.since, state.last_alert, state.last_case, state.fire_count) == (
        "firing",
        at(18),
        alert,
        case,
        1,
    )
    assert (alert.state, alert.source, alert.kind, alert.level, alert.severity) == (
        "draft",
        "sensor",
        "warning",
        "orange",
        "Severe",
    )
    assert alert.headline == "东湖河道水位计水位3.40m，超过警戒水位3.0m"
    assert (alert.event, alert.instruction, alert.created_by) == (
        "暴雨内涝",
        "低洼地区居民请立即转移。",
        None,
    )
    assert alert.issuer_area == station.tree.community1
    assert list(alert.target_areas.all()) == [station.tree.community1]
    assert (alert.urgency, alert.certainty, alert.onset) == ("Immediate", "Observed", at(18))
    assert alert.source_ref == f"rule:{station.rule.pk}:sensor:WL-001"
    assert (case.source, case.category, case.priority, case.grid, case.state) == (
        "sensor",
        station.category,
        "urgent",
        station.tree.grid11,
        "reported",
    )
    assert case.title == alert.headline
    assert list(RuleEvent.objects.values_list("kind", "at", "value", "acted", "alert", "case")) == [
        ("fire", at(18), 3.4, True, alert.pk, case.pk)
    ]


def test_flapping_around_the_threshold_fires_once(station: Station, gateway) -> None:
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    values = [2.9, 3.1, 2.95, 3.05, 2.85, 3.2, 2.9, 3.0, 2.81, 3.1, 2.99, 3.02]
    simulate(gateway, "WL-001", values)
    assert (Alert.objects.count(), Case.objects.count()) == (1, 1)
    assert list(RuleEvent.objects.values_list("kind", "at")) == [("fire", at(2))]
    assert state_of(station.rule).state == "firing"


def test_clear_then_fire_again_after_the_cooldown(station: Station, gateway) -> None:
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0, cooldown_minutes=30)
    simulate(gateway, "WL-001", [3.1], start=0)
    simulate(gateway, "WL-001", [2.5], start=10)  # clears
    simulate(gateway, "WL-001", [3.2], start=20)  # fires inside the cooldown: no new alert
    simulate(gateway, "WL-001", [2.0], start=25)
    simulate(gateway, "WL-001", [3.3], start=40)  # 40 minutes after the first: acts again
    assert list(RuleEvent.objects.order_by("at").values_list("kind", "acted")) == [
        ("fire", True),
        ("clear", False),
        ("fire", False),
        ("clear", False),
        ("fire", True),
    ]
    assert (Alert.objects.count(), Case.objects.count()) == (2, 2)
    state = state_of(station.rule)
    assert (state.state, state.fire_count, state.last_alert) == (
        "firing",
        3,
        Alert.objects.order_by("-pk").first(),
    )


def test_one_batch_with_the_whole_story(station: Station, gateway) -> None:
    """A gateway that was offline sends an hour at once: the rules see it in time order."""
    values = [2.0 + i * 0.1 for i in range(20)]  # 2.0 … 3.9 every 2 minutes
    rows = [("WL-001", at(i * 2), v) for i, v in enumerate(values)]
    with time_machine.travel(at(60), tick=False):
        result = send(gateway, list(reversed(rows)))
    assert result.stored == 20
    # ≥ 3.0 from minute 20 (3.0 … rounding: 2.0 + 10 × 0.1); held 10 minutes at minute 30.
    assert [(e.kind, e.at) for e in result.events] == [("fire", at(30))]
    assert Alert.objects.count() == 1


def test_a_failing_action_keeps_the_state_consistent_and_retries(station: Station, gateway) -> None:
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    station.category.active = False  # retired since the rule was written
    station.category.save()
    simulate(gateway, "WL-001", [3.5, 3.6])
    state = state_of(station.rule)
    assert (state.state, state.last_alert, state.fire_count) == ("ok", None, 0)
    assert "04.01" in state.last_error
    assert (Alert.objects.count(), Case.objects.count()) == (0, 0)  # the draft rolled back too
    assert list(RuleEvent.objects.values_list("kind", flat=True)) == ["failed", "failed"]
    assert Reading.objects.count() == 2  # the readings are kept
    station.category.active = True
    station.category.save()
    simulate(gateway, "WL-001", [3.7], start=10)
    state = state_of(station.rule)
    assert (state.state, state.last_error, Alert.objects.count(), Case.objects.count()) == (
        "firing",
        "",
        1,
        1,
    )


def test_a_kind_rule_covers_every_sensor_of_the_kind_in_its_area(
    station: Station, admin_user, gateway
) -> None:
    tree = station.tree
    for code, lon in (("WL-002", 120.15), ("WL-003", 120.25)):  # grid 12, grid 21
        services.create_sensor(
            actor=admin_user,
            data=services.SensorData(code=code, kind="water_level", name=code, lon=lon, lat=30.05),
        )
    rule = services.create_rule(
        actor=admin_user,
        data=flood_rule(
            tree,
            station.sensor,
            name="东湖社区水位",
            sensor_id=None,
            sensor_kind="water_level",
            area_id=tree.community1.pk,
            minutes=0,
            action_case=False,
            alert_level="red",
            alert_issuer_area_id=tree.street.pk,
        ),
    )
    with time_machine.travel(at(1), tick=False):
        send(None, [("WL-002", at(0), 3.5), ("WL-003", at(0), 3.5)], system=True)
    assert list(RuleState.objects.filter(rule=rule).values_list("sensor__code", "state")) == [
        ("WL-002", "firing")
    ]
    alert = Alert.objects.get()
    assert (alert.level, alert.issuer_area, list(alert.target_areas.all())) == (
        "red",
        tree.street,
        [tree.community1],
    )


def test_rate_rule_on_stored_history(station: Station, admin_user, gateway) -> None:
    rule = services.create_rule(
        actor=admin_user,
        data=services.RuleData(
            name="水位猛涨",
            type="rate",
            sensor_id=station.sensor.pk,
            fire_level=0.05,  # m per minute
            clear_level=0.01,
            minutes=10,
        ),
    )
    Rule.objects.filter(pk=station.rule.pk).update(active=False)
    simulate(gateway, "WL-001", [1.0, 1.02, 1.04, 1.06, 1.08, 1.3, 1.6])  # every 2 minutes
    assert list(RuleEvent.objects.filter(rule=rule).values_list("kind", "at")) == [
        ("fire", at(12))  # (1.6 − 1.04) / 8 = 0.07 per minute; at 10: (1.3 − 1.0) / 10 = 0.03
    ]


def test_silence_sweep_fires_once_and_a_reading_clears_it(
    station: Station, admin_user, gateway
) -> None:
    rule = services.create_rule(
        actor=admin_user,
        data=services.RuleData(
            name="水位计离线",
            type="silence",
            sensor_id=station.sensor.pk,
            minutes=30,
            action_case=True,
            case_category="04.01",
            case_priority="normal",
        ),
    )
    simulate(gateway, "WL-001", [1.0], start=0)
    with time_machine.travel(at(29), tick=False):
        assert sweep().fired == 0
    with time_machine.travel(at(31), tick=False):
        report = sweep()
        assert (report.checked, report.fired) == (1, 1)
        assert sweep().checked == 0  # already firing: not looked at again
    state = RuleState.objects.get(rule=rule)
    assert (state.state, state.since, state.last_case) == ("firing", at(31), Case.objects.get())
    simulate(gateway, "WL-001", [1.1], start=40)
    state.refresh_from_db()
    assert (state.state, state.since) == ("ok", at(40))
    assert list(RuleEvent.objects.filter(rule=rule).values_list("kind", "at")) == [
        ("clear", at(40)),
        ("fire", at(31)),
    ]


def test_silence_of_a_sensor_that_never_spoke(station: Station, admin_user) -> None:
    with time_machine.travel(T0, tick=False):
        services.create_rule(
            actor=admin_user,
            data=services.RuleData(
                name="离线", type="silence", sensor_id=station.sensor.pk, minutes=60
            ),
        )
    # The sensor was added before T0 (the fixture ran at the real time); created_at counts.
    from resigrid.monitoring.models import Sensor

    Sensor.objects.filter(pk=station.sensor.pk).update(created_at=T0)
    with time_machine.travel(at(59), tick=False):
        assert sweep().fired == 0
    with time_machine.travel(at(61), tick=False):
        result = sweep_silence.enqueue()
        assert result.return_value == {"checked": 1, "fired": 1, "failed": 0}


def test_sweep_command(station: Station, capsys) -> None:
    call_command("monitor_sweep")
    assert capsys.readouterr().out.strip() == "checked=0 fired=0 failed=0"
