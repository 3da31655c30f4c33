"""Pure rule evaluation (no database): one step per reading, or per sweep for silence.

A rule compares an observed figure with a fire level: the reading itself (threshold) or its rate
of change per minute over a window (rate). Hysteresis: once firing, the rule clears only when the
figure passes the clear level, which lies on the safe side of the fire level (below it for
“above” rules, above it for “below” rules), so a value flapping around the fire level fires once.

Threshold rules hold: the condition must have held on every reading for `minutes` (measured from
the first reading of the streak) before the rule fires; a reading that breaks the condition
restarts the wait. A silence rule fires when no reading has come for `minutes` and clears on the
next reading. Cooldown: a rule that fires again within `cooldown_minutes` of the last firing
that acted goes to “firing” without acting again (no second alert or case).
"""

from __future__ import annotations

import datetime as dt
import math
import string
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from resigrid.monitoring.choices import Direction, RuleType

MAX_HOLD_MINUTES = 24 * 60
MAX_WINDOW_MINUTES = 24 * 60
MAX_SILENCE_MINUTES = 7 * 24 * 60
MAX_COOLDOWN_MINUTES = 7 * 24 * 60

FIRE = "fire"
CLEAR = "clear"


@dataclass(frozen=True)
class Spec:
    type: str
    direction: str = Direction.ABOVE
    fire_level: float | None = None  # threshold: the value; rate: units per minute
    clear_level: float | None = None  # None: the fire level (no hysteresis band)
    minutes: int = 0  # threshold: hold; rate: window; silence: silence
    cooldown_minutes: int = 0

    @property
    def clear(self) -> float:
        level = self.clear_level if self.clear_level is not None else self.fire_level
        assert level is not None  # noqa: S101  (checked by spec_errors)
        return level


@dataclass(frozen=True)
class Snapshot:
    """A rule's state for one sensor."""

    firing: bool = False
    since: dt.datetime | None = None  # when the current state began
    pending_since: dt.datetime | None = None  # first reading of the current streak (threshold)
    last_fired_at: dt.datetime | None = None  # the last firing that acted
    evaluated_until: dt.datetime | None = None  # the newest reading evaluated


@dataclass(frozen=True)
class Step:
    after: Snapshot
    at: dt.datetime
    event: str | None = None  # FIRE, CLEAR or None
    act: bool = False  # run the rule's actions (a firing outside the cooldown)
    value: float | None = None  # the reading
    observed: float | None = None  # what was compared: the reading or the rate


def meets(direction: str, x: float, level: float) -> bool:
    return x >= level if direction == Direction.ABOVE else x <= level


def passes_clear(direction: str, x: float, level: float) -> bool:
    return x < level if direction == Direction.ABOVE else x > level


def _fire(spec: Spec, snap: Snapshot, at: dt.datetime, value: float | None) -> Step:
    act = snap.last_fired_at is None or at - snap.last_fired_at >= dt.timedelta(
        minutes=spec.cooldown_minutes
    )
    after = Snapshot(
        firing=True,
        since=at,
        pending_since=None,
        last_fired_at=at if act else snap.last_fired_at,
        evaluated_until=max(at, snap.evaluated_until) if snap.evaluated_until else at,
    )
    return Step(after=after, at=at, event=FIRE, act=act, value=value)


def _level_step(
    spec: Spec, snap: Snapshot, at: dt.datetime, value: float, observed: float, hold: int
) -> Step:
    assert spec.fire_level is not None  # noqa: S101  (checked by spec_errors)
    if snap.firing:
        if passes_clear(spec.direction, observed, spec.clear):
            after = replace(snap, firing=False, since=at, pending_since=None, evaluated_until=at)
            return Step(after=after, at=at, event=CLEAR, value=value, observed=observed)
        return Step(after=replace(snap, evaluated_until=at), at=at, value=value, observed=observed)
    if not meets(spec.direction, observed, spec.fire_level):
        after = replace(snap, pending_since=None, evaluated_until=at)
        return Step(after=after, at=at, value=value, observed=observed)
    pending = snap.pending_since or at
    if at - pending >= dt.timedelta(minutes=hold):
        return replace(_fire(spec, snap, at, value), observed=observed)
    after = replace(snap, pending_since=pending, evaluated_until=at)
    return Step(after=after, at=at, value=value, observed=observed)


def step_threshold(spec: Spec, snap: Snapshot, at: dt.datetime, value: float) -> Step:
    return _level_step(spec, snap, at, value, value, spec.minutes)


def rate_of_change(
    points: Sequence[tuple[dt.datetime, float]], at: dt.datetime, value: float, window: int
) -> float | None:
    """Units per minute between the oldest reading inside [at − window, at) and this one; None
    without an earlier reading inside the window. `points` are sorted by time."""
    start = at - dt.timedelta(minutes=window)
    i = bisect_left(points, start, key=lambda p: p[0])
    if i >= len(points) or points[i][0] >= at:
        return None
    t0, v0 = points[i]
    return (value - v0) / ((at - t0).total_seconds() / 60.0)


def step_rate(
    spec: Spec,
    snap: Snapshot,
    at: dt.datetime,
    value: float,
    points: Sequence[tuple[dt.datetime, float]],
) -> Step:
    rate = rate_of_change(points, at, value, spec.minutes)
    if rate is None:
        return Step(after=replace(snap, evaluated_until=at), at=at, value=value)
    return _level_step(spec, snap, at, value, rate, 0)


def step_silence(spec: Spec, snap: Snapshot, now: dt.datetime, heard_at: dt.datetime) -> Step:
    """The sweeper's check: `heard_at` is the last reading (or when the sensor was added)."""
    if not snap.firing and now - heard_at >= dt.timedelta(minutes=spec.minutes):
        step = _fire(spec, snap, now, None)
        return replace(step, after=replace(step.after, evaluated_until=snap.evaluated_until))
    return Step(after=snap, at=now)


def silence_heard(snap: Snapshot, at: dt.datetime) -> Step:
    """A reading arrived: a firing silence rule clears."""
    if snap.firing:
        after = replace(snap, firing=False, since=at, pending_since=None, evaluated_until=at)
        return Step(after=after, at=at, event=CLEAR)
    return Step(after=replace(snap, evaluated_until=at), at=at)


def run(
    spec: Spec,
    snap: Snapshot,
    readings: Iterable[tuple[dt.datetime, float]],
    points: Sequence[tuple[dt.datetime, float]] = (),
) -> list[Step]:
    """Every step over `readings` (sorted by time) newer than the snapshot; readings at or
    before `evaluated_until` (late or resent) are skipped. `points`: the sensor's readings
    around them, for rate rules."""
    steps: list[Step] = []
    for at, value in readings:
        if snap.evaluated_until is not None and at <= snap.evaluated_until:
            continue
        if spec.type == RuleType.THRESHOLD:
            step = step_threshold(spec, snap, at, value)
        elif spec.type == RuleType.RATE:
            step = step_rate(spec, snap, at, value, points)
        else:
            step = silence_heard(snap, at)
        steps.append(step)
        snap = step.after
    return steps


def spec_errors(spec: Spec) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if spec.type not in RuleType.values:
        fail("type", _("Choose threshold, rate of change or silence."))
        return errors
    if spec.direction not in Direction.values:
        fail("direction", _("Choose above or below."))
    levels = (("fire_level", spec.fire_level), ("clear_level", spec.clear_level))
    for name, level in levels:
        if level is not None and not math.isfinite(level):
            fail(name, _("Give a finite number."))
    if spec.type != RuleType.SILENCE:
        if spec.fire_level is None:
            fail("fire_level", _("Give the level at which the rule fires."))
        elif (
            spec.clear_level is not None
            and math.isfinite(spec.clear_level)
            and math.isfinite(spec.fire_level)
            and spec.direction in Direction.values
            and not meets(spec.direction, spec.fire_level, spec.clear_level)
        ):
            if spec.direction == Direction.ABOVE:
                fail("clear_level", _("The clear level must not be above the fire level."))
            else:
                fail("clear_level", _("The clear level must not be below the fire level."))
    low, high = {
        RuleType.THRESHOLD: (0, MAX_HOLD_MINUTES),
        RuleType.RATE: (1, MAX_WINDOW_MINUTES),
        RuleType.SILENCE: (1, MAX_SILENCE_MINUTES),
    }[RuleType(spec.type)]
    if not low <= spec.minutes <= high:
        fail("minutes", _("Between %(low)d and %(high)d minutes.") % {"low": low, "high": high})
    if not 0 <= spec.cooldown_minutes <= MAX_COOLDOWN_MINUTES:
        fail(
            "cooldown_minutes",
            _("Between 0 and %(high)d minutes.") % {"high": MAX_COOLDOWN_MINUTES},
        )
    return errors


# Text templates of the actions ------------------------------------------------------------------

TEMPLATE_FIELDS = (
    "sensor",
    "code",
    "kind",
    "value",
    "unit",
    "level",
    "minutes",
    "at",
    "grid",
    "community",
    "rule",
)


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: Mapping[str, Any]) -> str:
    """`template` with {sensor}, {value}… filled in; unknown names stay as written."""
    try:
        return string.Formatter().vformat(template, (), _Keep(values))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return template


def template_error(template: str) -> str | None:
    """A message when the template cannot be filled in (a stray brace, a bad format)."""
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name]
    except ValueError:
        return _("Unbalanced braces: write {{ and }} for literal braces.")
    unknown = sorted({n for n in names if n not in TEMPLATE_FIELDS})
    if unknown:
        return _("Unknown names %(names)s; use %(known)s.") % {
            "names": ", ".join("{" + n + "}" for n in unknown),
            "known": ", ".join("{" + n + "}" for n in TEMPLATE_FIELDS),
        }
    sample = dict.fromkeys(TEMPLATE_FIELDS, "x") | {"value": 1.5, "level": 1.0, "minutes": 1}
    try:
        string.Formatter().vformat(template, (), sample)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return _("The template cannot be filled in; check the format after the colons.")
    return None
