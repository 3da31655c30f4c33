"""Pure rule evaluation: thresholds held for N minutes, hysteresis, cooldown, rate, silence,
spec checks and text templates. No database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.monitoring import rules
from resigrid.monitoring.rules import CLEAR, FIRE, Snapshot, Spec

T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)


def at(minute: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minute)


def series(values: list[float], step: float = 1.0) -> list[tuple[dt.datetime, float]]:
    return [(at(i * step), v) for i, v in enumerate(values)]


def events(steps: list[rules.Step]) -> list[tuple[str, dt.datetime, bool]]:
    return [(s.event, s.at, s.act) for s in steps if s.event]


HIGH = Spec("threshold", "above", fire_level=3.0, clear_level=2.5, minutes=10)


def test_threshold_fires_when_held_for_the_whole_hold() -> None:
    # Above from minute 2; held 10 minutes at minute 12.
    values = [1, 2, 3.2, 3.5, 3.1, 3.3, 3.4, 3.6, 3.0, 3.9, 4.0, 4.1, 4.2, 4.3]
    steps = rules.run(HIGH, Snapshot(), series(values))
    assert events(steps) == [(FIRE, at(12), True)]
    assert steps[-1].after.firing and steps[-1].after.since == at(12)


def test_a_dip_restarts_the_wait() -> None:
    values = [3.1] * 9 + [2.9] + [3.1] * 11
    steps = rules.run(HIGH, Snapshot(), series(values))
    assert events(steps) == [(FIRE, at(20), True)]  # streak from minute 10, held at 20 (not 9)


def test_hold_zero_fires_on_the_first_reading_at_the_level() -> None:
    spec = Spec("threshold", "above", fire_level=3.0, minutes=0)
    assert events(rules.run(spec, Snapshot(), series([1, 3.0, 4]))) == [(FIRE, at(1), True)]


def test_flapping_inside_the_band_fires_once() -> None:
    spec = Spec("threshold", "above", fire_level=3.0, clear_level=2.5, minutes=0)
    values = [2.0, 3.1, 2.9, 3.05, 2.6, 3.2, 2.7, 3.0, 2.55, 3.3]
    assert events(rules.run(spec, Snapshot(), series(values))) == [(FIRE, at(1), True)]


def test_clearing_below_the_clear_level_then_firing_again_outside_cooldown() -> None:
    spec = Spec("threshold", "above", 3.0, 2.5, minutes=0, cooldown_minutes=30)
    readings = [(at(0), 3.1), (at(5), 2.4), (at(10), 3.2), (at(50), 2.0), (at(60), 3.5)]
    assert events(rules.run(spec, Snapshot(), readings)) == [
        (FIRE, at(0), True),
        (CLEAR, at(5), False),
        (FIRE, at(10), False),  # within 30 minutes of the firing that acted: no second alert
        (CLEAR, at(50), False),
        (FIRE, at(60), True),
    ]


def test_below_rules_mirror_above_rules() -> None:
    spec = Spec("threshold", "below", fire_level=0.0, clear_level=2.0, minutes=0)
    values = [5, 0, 1, -1, 1.9, 2.1, -3]
    assert events(rules.run(spec, Snapshot(), series(values))) == [
        (FIRE, at(1), True),
        (CLEAR, at(5), False),
        (FIRE, at(6), True),
    ]


def test_old_and_resent_readings_are_skipped() -> None:
    snap = Snapshot(evaluated_until=at(5))
    steps = rules.run(HIGH, snap, [(at(4), 9.0), (at(5), 9.0), (at(6), 1.0)])
    assert [s.at for s in steps] == [at(6)]


def test_rate_of_change_over_the_window() -> None:
    points = series([1.0, 1.1, 1.2, 1.8, 2.6], step=5)  # minutes 0, 5, 10, 15, 20
    assert rules.rate_of_change(points, at(20), 2.6, 10) == (2.6 - 1.2) / 10
    assert rules.rate_of_change(points, at(0), 1.0, 10) is None  # nothing earlier
    spec = Spec("rate", "above", fire_level=0.1, clear_level=0.02, minutes=10)
    steps = rules.run(spec, Snapshot(), points, points)
    # Minute 15: from minute 5 (1.1), 0.07 per minute; minute 20: from minute 10, 0.14.
    assert events(steps) == [(FIRE, at(20), True)]


def test_silence_fires_after_the_quiet_period_and_clears_on_the_next_reading() -> None:
    spec = Spec("silence", minutes=30)
    assert rules.step_silence(spec, Snapshot(), at(29), at(0)).event is None
    fired = rules.step_silence(spec, Snapshot(), at(30), at(0))
    assert (fired.event, fired.act, fired.after.firing) == (FIRE, True, True)
    again = rules.step_silence(spec, fired.after, at(90), at(0))
    assert again.event is None  # already firing
    cleared = rules.run(spec, fired.after, [(at(95), 1.0)])
    assert events(cleared) == [(CLEAR, at(95), False)]


def test_spec_errors_name_the_field() -> None:
    assert rules.spec_errors(HIGH) == {}
    assert set(rules.spec_errors(Spec("threshold", "above", 3.0, 3.5, 10))) == {"clear_level"}
    assert set(rules.spec_errors(Spec("threshold", "below", 3.0, 2.5, 10))) == {"clear_level"}
    assert set(rules.spec_errors(Spec("threshold", "sideways", None, None, -1))) == {
        "direction",
        "fire_level",
        "minutes",
    }
    assert set(rules.spec_errors(Spec("rate", "above", 0.1, None, 0))) == {"minutes"}
    assert set(rules.spec_errors(Spec("silence", minutes=30, cooldown_minutes=-1))) == {
        "cooldown_minutes"
    }
    assert set(rules.spec_errors(Spec("magic"))) == {"type"}


def test_templates() -> None:
    values = {"sensor": "东湖水位计", "value": 3.14159, "unit": "m", "level": 3.0}
    assert rules.render("{sensor} {value:.2f}{unit} ≥ {level}", values) == "东湖水位计 3.14m ≥ 3.0"
    assert rules.render("{sensor} {nobody}", values) == "东湖水位计 {nobody}"
    assert rules.render("{sensor", values) == "{sensor"  # never raises
    assert rules.template_error("{sensor}：{value:.1f}{unit}") is None
    assert rules.template_error("{sensor") is not None
    assert "{nobody}" in (rules.template_error("{nobody}") or "")
    assert rules.template_error("{sensor:.1f}") is not None


# Properties -------------------------------------------------------------------------------------

levels = st.floats(min_value=-10, max_value=10, allow_nan=False)
gaps = st.integers(min_value=1, max_value=15)


@st.composite
def threshold_cases(draw: st.DrawFn) -> tuple[Spec, list[tuple[dt.datetime, float]]]:
    direction = draw(st.sampled_from(["above", "below"]))
    fire = draw(levels)
    band = draw(st.floats(min_value=0, max_value=5))
    clear = fire - band if direction == "above" else fire + band
    spec = Spec(
        "threshold",
        direction,
        fire,
        clear,
        minutes=draw(st.integers(0, 30)),
        cooldown_minutes=draw(st.integers(0, 60)),
    )
    values = draw(st.lists(levels, min_size=1, max_size=60))
    minute = 0
    readings = []
    for v in values:
        readings.append((at(minute), v))
        minute += draw(gaps)
    return spec, readings


@settings(max_examples=300, deadline=None)
@given(threshold_cases())
def test_hysteresis_never_fires_twice_without_clearing(case) -> None:
    spec, readings = case
    steps = rules.run(spec, Snapshot(), readings)
    kinds = [s.event for s in steps if s.event]
    # Strictly alternating, starting with a firing.
    assert all(k == (FIRE if i % 2 == 0 else CLEAR) for i, k in enumerate(kinds))
    # Every clearing reading passed the clear level; between a firing and its clearing no
    # reading did.
    firing = False
    for s in steps:
        passed = rules.passes_clear(spec.direction, s.value, spec.clear)  # type: ignore[arg-type]
        if firing:
            assert (s.event == CLEAR) == passed
        if s.event:
            firing = s.event == FIRE


@settings(max_examples=300, deadline=None)
@given(threshold_cases())
def test_threshold_fires_exactly_when_the_condition_has_held_n_minutes(case) -> None:
    spec, readings = case
    steps = rules.run(spec, Snapshot(), readings)
    # Oracle: walk the readings with the plain definition.
    firing = False
    streak: dt.datetime | None = None
    last_acted: dt.datetime | None = None
    expected: list[tuple[str, dt.datetime, bool]] = []
    hold = dt.timedelta(minutes=spec.minutes)
    for t, v in readings:
        assert spec.fire_level is not None
        if firing:
            if rules.passes_clear(spec.direction, v, spec.clear):
                firing = False
                expected.append((CLEAR, t, False))
            continue
        if not rules.meets(spec.direction, v, spec.fire_level):
            streak = None
            continue
        streak = streak or t
        if t - streak >= hold:
            act = last_acted is None or t - last_acted >= dt.timedelta(
                minutes=spec.cooldown_minutes
            )
            last_acted = t if act else last_acted
            expected.append((FIRE, t, act))
            firing, streak = True, None
    assert events(steps) == expected


@settings(max_examples=200, deadline=None)
@given(threshold_cases(), st.integers(min_value=1, max_value=59))
def test_evaluating_in_batches_equals_evaluating_at_once(case, cut: int) -> None:
    spec, readings = case
    whole = rules.run(spec, Snapshot(), readings)
    first = rules.run(spec, Snapshot(), readings[:cut])
    snap = first[-1].after if first else Snapshot()
    second = rules.run(spec, snap, readings)  # resending the first part changes nothing
    assert events(first + second) == events(whole)
