"""Rules applied to new readings (ingest) and to silence (the sweeper), incrementally per sensor.

Callers hold the sensor rows locked inside their transaction, so two batches for one sensor are
evaluated one after the other. A firing that acts runs its actions (alert draft, case) in a
savepoint together with its event row, and the state row is saved in the same transaction: a
rule's state says “firing” exactly when what the firing made exists. When an action fails (a
rule configured with an area that no longer fits, a category since retired) the savepoint is
rolled back, the state stays “ok” with the condition still pending (the next reading tries
again), and the error is kept on the state and in a “failed” event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from resigrid.core.errors import DomainError
from resigrid.monitoring import actions, rules
from resigrid.monitoring.choices import EventKind, RuleType
from resigrid.monitoring.models import Reading, Rule, RuleEvent, RuleState, Sensor

log = logging.getLogger(__name__)

STATE_FIELDS = [
    "state",
    "since",
    "pending_since",
    "evaluated_until",
    "last_value",
    "last_fired_at",
    "fire_count",
    "last_alert",
    "last_case",
    "last_error",
    "last_error_at",
]


@dataclass
class Fired:
    rule_id: int
    sensor_id: int
    kind: str  # fire, clear, failed
    at: dt.datetime
    acted: bool = False
    alert_id: int | None = None
    case_id: int | None = None
    error: str = ""


@dataclass
class Outcome:
    events: list[Fired] = field(default_factory=list)


def applicable_rules(sensors: Iterable[Sensor], types: Sequence[str] = ()) -> dict[int, list[Rule]]:
    """Active rules per sensor id: the sensor's own, and the kind rules whose area holds it."""
    sensors = list(sensors)
    if not sensors:
        return {}
    qs = Rule.objects.active().filter(
        Q(sensor_id__in=[s.pk for s in sensors])
        | Q(sensor__isnull=True, sensor_kind__in={s.kind for s in sensors})
    )
    if types:
        qs = qs.filter(type__in=types)
    found = list(qs.select_related("area", "alert_target_area", "alert_issuer_area"))
    out: dict[int, list[Rule]] = {}
    for sensor in sensors:
        mine = [r for r in found if r.applies_to(sensor)]
        if mine:
            out[sensor.pk] = mine
    return out


def states_for(pairs: Sequence[tuple[Rule, Sensor]]) -> dict[tuple[int, int], RuleState]:
    wanted = {(r.pk, s.pk) for r, s in pairs}
    states = {
        (st.rule_id, st.sensor_id): st
        for st in RuleState.objects.filter(
            rule_id__in={r for r, _s in wanted}, sensor_id__in={s for _r, s in wanted}
        )
        if (st.rule_id, st.sensor_id) in wanted
    }
    missing = [RuleState(rule_id=r, sensor_id=s) for r, s in sorted(wanted - set(states))]
    if missing:
        RuleState.objects.bulk_create(missing)
        states.update({(st.rule_id, st.sensor_id): st for st in missing})
    return states


def _points(
    sensor_id: int, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, float]]:
    return list(
        Reading.objects.filter(sensor_id=sensor_id, at__gte=start, at__lte=end)
        .order_by("at")
        .values_list("at", "value")
    )


def _fail(state: RuleState, rule: Rule, sensor: Sensor, at: dt.datetime, error: str) -> Fired:
    now = timezone.now()
    state.last_error = error[:2000]
    state.last_error_at = now
    RuleEvent.objects.create(
        rule=rule, sensor=sensor, at=at, kind=EventKind.FAILED, note=error[:2000]
    )
    log.warning("monitoring rule %s on sensor %s: action failed: %s", rule.pk, sensor.code, error)
    return Fired(rule.pk, sensor.pk, EventKind.FAILED, at, error=error)


def apply_step(rule: Rule, sensor: Sensor, state: RuleState, step: rules.Step) -> Fired | None:
    """Take one step into `state` (not saved here) and run what it asks for. Returns the event,
    or None for a quiet step. A failed action leaves the state as it was (but evaluated up to
    the step) and returns a `failed` event."""
    if step.event is None:
        state.take(step.after)
        return None
    if step.event == rules.CLEAR:
        state.take(step.after)
        RuleEvent.objects.create(
            rule=rule, sensor=sensor, at=step.at, kind=EventKind.CLEAR, value=step.value
        )
        return Fired(rule.pk, sensor.pk, EventKind.CLEAR, step.at)
    if not step.act:
        state.take(step.after)
        state.fire_count += 1
        RuleEvent.objects.create(
            rule=rule,
            sensor=sensor,
            at=step.at,
            kind=EventKind.FIRE,
            value=step.value,
            note="cooldown",
        )
        return Fired(rule.pk, sensor.pk, EventKind.FIRE, step.at)
    try:
        with transaction.atomic():
            alert = (
                actions.draft_warning(rule, sensor, step.at, step.value)
                if rule.action_alert
                else None
            )
            case = (
                actions.open_case(rule, sensor, step.at, step.value) if rule.action_case else None
            )
            RuleEvent.objects.create(
                rule=rule,
                sensor=sensor,
                at=step.at,
                kind=EventKind.FIRE,
                value=step.value,
                acted=True,
                alert=alert,
                case=case,
            )
    except DomainError as exc:
        if step.value is not None:  # a reading: evaluated, even though its firing failed
            state.evaluated_until = max(step.at, state.evaluated_until or step.at)
        return _fail(state, rule, sensor, step.at, str(exc.message))
    state.take(step.after)
    state.fire_count += 1
    state.last_error = ""
    state.last_error_at = None
    if alert is not None:
        state.last_alert = alert
    if case is not None:
        state.last_case = case
    return Fired(
        rule.pk,
        sensor.pk,
        EventKind.FIRE,
        step.at,
        acted=True,
        alert_id=alert.pk if alert else None,
        case_id=case.pk if case else None,
    )


def evaluate_readings(
    sensors: dict[int, Sensor], new: dict[int, list[tuple[dt.datetime, float]]]
) -> Outcome:
    """Run every applicable rule over each sensor's new readings (sorted here)."""
    outcome = Outcome()
    by_sensor = applicable_rules(sensors[sid] for sid in new)
    if not by_sensor:
        return outcome
    pairs = [(r, sensors[sid]) for sid, rs in by_sensor.items() for r in rs]
    states = states_for(pairs)
    windows: dict[int, int] = defaultdict(int)
    for rule, sensor in pairs:
        if rule.type == RuleType.RATE:
            windows[sensor.pk] = max(windows[sensor.pk], rule.minutes)
    points: dict[int, list[tuple[dt.datetime, float]]] = {}
    for sid in new:
        new[sid].sort()
    for sid, minutes in windows.items():
        readings = new[sid]
        points[sid] = _points(sid, readings[0][0] - dt.timedelta(minutes=minutes), readings[-1][0])
    touched: list[RuleState] = []
    for rule, sensor in pairs:
        state = states[(rule.pk, sensor.pk)]
        readings = new[sensor.pk]
        steps = rules.run(rule.spec(), state.snapshot(), readings, points.get(sensor.pk, ()))
        if not steps:
            continue
        for step in steps:
            event = apply_step(rule, sensor, state, step)
            if step.value is not None:
                state.last_value = step.value
            if event is not None:
                outcome.events.append(event)
                if event.kind == EventKind.FAILED:
                    break  # the state keeps its pending condition: the next reading tries again
        touched.append(state)
    if touched:
        RuleState.objects.bulk_update(touched, STATE_FIELDS, batch_size=500)
    return outcome
