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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from resigrid.areas.codes import PREFIX_LENGTH
from resigrid.core.errors import DomainError
from resigrid.monitoring import actions, rules
from resigrid.monitoring.bulk import ValueIn, update_rows
from resigrid.monitoring.choices import EventKind, RuleType
from resigrid.monitoring.models import Reading, Rule, RuleEvent, RuleState, Sensor
from resigrid.monitoring.rows import STATE_COLUMNS, SensorRow, StateRow

log = logging.getLogger(__name__)

AnySensor = Sensor | SensorRow

SCOPE_LENGTHS = sorted(set(PREFIX_LENGTH.values()))  # district, street, community, grid
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


def grid_code(sensor: AnySensor) -> str:
    """The code of the sensor's grid (a row carries it; a model loads its grid)."""
    return sensor.grid_code if isinstance(sensor, SensorRow) else sensor.grid.code


def applicable_rules(
    sensors: Iterable[AnySensor], types: Sequence[str] = ()
) -> dict[int, list[Rule]]:
    """Active rules per sensor id: the sensor's own, and the kind rules whose area holds it."""
    sensors = list(sensors)
    if not sensors:
        return {}
    qs = Rule.objects.active().filter(
        ValueIn("sensor_id", [s.pk for s in sensors], "bigint")
        | Q(sensor__isnull=True, sensor_kind__in={s.kind for s in sensors})
    )
    if types:
        qs = qs.filter(type__in=types)
    found = qs.select_related("area", "alert_target_area", "alert_issuer_area").order_by("pk")
    own: dict[int, list[Rule]] = defaultdict(list)
    by_kind: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in found:
        if rule.sensor_id is not None:
            own[rule.sensor_id].append(rule)
        else:
            by_kind[(rule.sensor_kind, rule.area.scope_prefix)].append(rule)
    out: dict[int, list[Rule]] = {}
    for sensor in sensors:
        code = grid_code(sensor)
        mine = own.get(sensor.pk, []) + [
            r for n in SCOPE_LENGTHS for r in by_kind.get((sensor.kind, code[:n]), ())
        ]
        if mine:
            out[sensor.pk] = sorted(mine, key=lambda r: r.pk)
    return out


def states_for(pairs: Sequence[tuple[Rule, AnySensor]]) -> dict[tuple[int, int], StateRow]:
    """The state rows of the (rule, sensor) pairs, made where missing."""
    wanted = {(r.pk, s.pk) for r, s in pairs}
    rows = RuleState.objects.filter(
        ValueIn("rule_id", {r for r, _s in wanted}, "bigint"),
        ValueIn("sensor_id", {s for _r, s in wanted}, "bigint"),
    ).values_list(*STATE_COLUMNS)
    states = {(v[1], v[2]): StateRow(*v) for v in rows if (v[1], v[2]) in wanted}
    missing = [RuleState(rule_id=r, sensor_id=s) for r, s in sorted(wanted - set(states))]
    if missing:
        RuleState.objects.bulk_create(missing)
        states.update({(st.rule_id, st.sensor_id): StateRow.of(st) for st in missing})
    return states


def _points(
    windows: dict[int, tuple[dt.datetime, dt.datetime]],
) -> dict[int, list[tuple[dt.datetime, float]]]:
    """Each sensor's readings inside its window, sorted. One index range scan per sensor over
    the union of the windows (one array parameter), then each list cut to its own window."""
    out: dict[int, list[tuple[dt.datetime, float]]] = {sid: [] for sid in windows}
    if not windows:
        return out
    start = min(w[0] for w in windows.values())
    end = max(w[1] for w in windows.values())
    rows = Reading.objects.filter(
        ValueIn("sensor_id", list(windows), "bigint"), at__gte=start, at__lte=end
    ).order_by("sensor_id", "at")
    for sid, at, value in rows.values_list("sensor_id", "at", "value"):
        lo, hi = windows[sid]
        if lo <= at <= hi:
            out[sid].append((at, value))
    return out


def _fail(state: StateRow, rule: Rule, sensor: AnySensor, at: dt.datetime, error: str) -> Fired:
    now = timezone.now()
    state.last_error = error[:2000]
    state.last_error_at = now
    RuleEvent.objects.create(
        rule=rule, sensor_id=sensor.pk, at=at, kind=EventKind.FAILED, note=error[:2000]
    )
    log.warning("monitoring rule %s on sensor %s: action failed: %s", rule.pk, sensor.code, error)
    return Fired(rule.pk, sensor.pk, EventKind.FAILED, at, error=error)


def _model(sensor: AnySensor) -> Sensor:
    return sensor if isinstance(sensor, Sensor) else sensor.model()


def apply_step(rule: Rule, sensor: AnySensor, state: StateRow, step: rules.Step) -> Fired | None:
    """Take one step into `state` (not saved here) and run what it asks for. Returns the event,
    or None for a quiet step. A failed action leaves the state as it was (but evaluated up to
    the step) and returns a `failed` event."""
    if step.event is None:
        state.take(step.after)
        return None
    if step.event == rules.CLEAR:
        state.take(step.after)
        RuleEvent.objects.create(
            rule=rule, sensor_id=sensor.pk, at=step.at, kind=EventKind.CLEAR, value=step.value
        )
        return Fired(rule.pk, sensor.pk, EventKind.CLEAR, step.at)
    if not step.act:
        state.take(step.after)
        state.fire_count += 1
        RuleEvent.objects.create(
            rule=rule,
            sensor_id=sensor.pk,
            at=step.at,
            kind=EventKind.FIRE,
            value=step.value,
            note="cooldown",
        )
        return Fired(rule.pk, sensor.pk, EventKind.FIRE, step.at)
    try:
        with transaction.atomic():
            full = _model(sensor)
            alert = (
                actions.draft_warning(rule, full, step.at, step.value)
                if rule.action_alert
                else None
            )
            case = actions.open_case(rule, full, step.at, step.value) if rule.action_case else None
            RuleEvent.objects.create(
                rule=rule,
                sensor=full,
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
        state.last_alert_id = alert.pk
    if case is not None:
        state.last_case_id = case.pk
    return Fired(
        rule.pk,
        sensor.pk,
        EventKind.FIRE,
        step.at,
        acted=True,
        alert_id=alert.pk if alert else None,
        case_id=case.pk if case else None,
    )


def _moves(snap: rules.Snapshot) -> tuple[object, ...]:
    return (snap.firing, snap.since, snap.pending_since, snap.last_fired_at)


def evaluate_readings(
    sensors: Mapping[int, AnySensor],
    new: dict[int, list[tuple[dt.datetime, float]]],
    heard: dict[int, dt.datetime | None] | None = None,
) -> Outcome:
    """Run every applicable rule over each sensor's new readings (sorted here). `heard`: each
    sensor's newest reading time before these (readings at or before it were evaluated then, so
    a late or resent reading moves no rule). Only states that changed are written."""
    outcome = Outcome()
    by_sensor = applicable_rules(sensors[sid] for sid in new)
    if not by_sensor:
        return outcome
    heard = heard or {}
    pairs = [(r, sensors[sid]) for sid, rs in by_sensor.items() for r in rs]
    states = states_for(pairs)
    windows: dict[int, int] = defaultdict(int)
    for rule, sensor in pairs:
        if rule.type == RuleType.RATE:
            windows[sensor.pk] = max(windows[sensor.pk], rule.minutes)
    for sid in new:
        new[sid].sort()
    points = _points(
        {
            sid: (new[sid][0][0] - dt.timedelta(minutes=minutes), new[sid][-1][0])
            for sid, minutes in windows.items()
        }
    )
    touched: list[StateRow] = []
    for rule, sensor in pairs:
        state = states[(rule.pk, sensor.pk)]
        snap = state.snapshot()
        last = heard.get(sensor.pk)
        if last is not None and (snap.evaluated_until is None or last > snap.evaluated_until):
            snap = replace(snap, evaluated_until=last)
        steps = rules.run(rule.spec(), snap, new[sensor.pk], points.get(sensor.pk, ()))
        if not steps:
            continue
        events = 0
        for step in steps:
            event = apply_step(rule, sensor, state, step)
            if event is not None:
                events += 1
                state.last_value = step.value
                outcome.events.append(event)
                if event.kind == EventKind.FAILED:
                    break  # the state keeps its pending condition: the next reading tries again
        if events or _moves(state.snapshot()) != _moves(snap):
            touched.append(state)
    if touched:
        update_rows(RuleState, STATE_FIELDS, touched)
    return outcome
