"""Metric definitions (pure): exact values on small hand-made sets, and properties that hold
for any field values."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resigrid.cases.metrics import rules
from resigrid.cases.metrics.rules import Counts, Facts, Weights, compute, tally, total

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
TWO_HOURS = dt.timedelta(hours=2)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def closed_case(**extra: object) -> Facts:
    data: dict[str, object] = {
        "state": "rated",
        "priority": "normal",
        "reported_at": h(0),
        "accepted_at": h(1),
        "registered_at": h(1),
        "dispatched_at": h(2),
        "handled_at": h(10),
        "closed_at": h(12),
        "closed_on_time": True,
        "rating": "satisfied",
        "resolution": "resolved",
        "handle_due": h(26),
    }
    data.update(extra)
    return Facts(**data)  # type: ignore[arg-type]


def test_one_closed_case_counts_everywhere() -> None:
    c = tally(closed_case(), now=NOW, response_after=TWO_HOURS)
    assert (c.reported, c.accepted, c.registered, c.due, c.closed, c.on_time) == (1,) * 6
    assert (c.suspended, c.rejected, c.open, c.overdue, c.reworked) == (0,) * 5
    assert (c.rated, c.responded, c.satisfied) == (1, 1, 1)
    assert (c.accept_n, c.accept_s) == (1, 3600.0)
    assert (c.dispatch_s, c.handle_s, c.close_s, c.total_s) == (3600.0, 8 * 3600.0, 7200.0, 43200.0)


def test_rates_of_a_hand_made_set() -> None:
    cases = [
        closed_case(),  # on time, satisfied, responded
        # accepted after 3 h: not responded; partly resolved
        closed_case(accepted_at=h(3), rating="basically", resolution="partly"),
        closed_case(
            closed_on_time=False, rating="unsatisfied", resolution="unresolved", rework_count=1
        ),
        closed_case(was_suspended=True, rating="", resolution=""),  # out of the on-time rate
        closed_case(  # open, past its handling deadline: due, not closed, overdue
            state="in_progress",
            handled_at=None,
            closed_at=None,
            closed_on_time=None,
            rating="",
            resolution="",
            stage_due=h(26),
        ),
        closed_case(  # open, deadline after now: not due
            state="dispatched",
            handled_at=None,
            closed_at=None,
            closed_on_time=None,
            rating="",
            resolution="",
            handle_due=NOW + dt.timedelta(days=1),
            stage_due=NOW + dt.timedelta(days=1),
        ),
        Facts(state="rejected", priority="normal", reported_at=h(0)),
    ]
    counts = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in cases)
    assert (counts.reported, counts.accepted, counts.registered) == (7, 6, 6)
    assert (counts.due, counts.closed, counts.suspended, counts.on_time) == (5, 4, 1, 2)
    assert (counts.handled, counts.reworked, counts.open, counts.overdue) == (4, 1, 2, 1)
    assert (counts.rated, counts.responded) == (3, 2)
    assert (counts.satisfied, counts.basically, counts.unsatisfied, counts.rejected) == (1, 1, 1, 1)
    assert (counts.resolved, counts.partly, counts.unresolved) == (1, 1, 1)
    m = compute(counts, Weights())
    assert m.close_rate == pytest.approx(4 / 5)
    assert m.on_time_rate == pytest.approx(2 / (5 - 1))
    assert m.rework_rate == pytest.approx(1 / 4)
    assert m.response_rate == pytest.approx(2 / 3)
    assert m.resolution_rate == pytest.approx((1 + 0.5) / 3)
    assert m.satisfaction_rate == pytest.approx((1 + 0.9) / 3)
    assert m.composite == pytest.approx(0.1 * 2 / 3 + 0.5 * 1.5 / 3 + 0.4 * 1.9 / 3)
    assert m.urgent_on_time_rate is None  # no urgent case: nothing to divide by
    assert m.hours["accept"] == pytest.approx((1 + 3 + 1 + 1 + 1 + 1) / 6)
    assert m.hours["total"] == pytest.approx(12.0)


def test_nothing_to_divide_by_is_none_and_shown_as_a_dash() -> None:
    m = compute(Counts())
    assert all(getattr(m, name) is None for name in rules.RATE_NAMES)
    assert all(value is None for value in m.hours.values())
    assert rules.percent(None) == "—"
    assert rules.hours_text(None) == "—"
    assert rules.percent(0.8766) == "87.7%"


def test_weights_are_configurable_and_checked(settings) -> None:
    counts = Counts(rated=10, satisfied=5, basically=5, responded=10)
    assert compute(counts, Weights(basically=0.5)).satisfaction_rate == pytest.approx(0.75)
    settings.CASE_BASICALLY_SATISFIED_WEIGHT = 0.8
    settings.CASE_PARTLY_RESOLVED_WEIGHT = 0.25
    settings.CASE_THREE_RATES_WEIGHTS = (1, 1, 2)
    w = rules.configured_weights()
    assert (w.basically, w.partly, w.response, w.resolution, w.satisfaction) == (0.8, 0.25, 1, 1, 2)
    counts = Counts(rated=10, satisfied=5, basically=5, responded=10, resolved=6, partly=4)
    assert compute(counts, w).resolution_rate == pytest.approx((6 + 0.25 * 4) / 10)
    # composite = (1 × 1 + 1 × 0.7 + 2 × 0.9) / 4
    assert compute(counts, w).composite == pytest.approx(0.875)
    with pytest.raises(ValueError):
        Weights(basically=1.2)
    with pytest.raises(ValueError):
        Weights(partly=-0.1)
    with pytest.raises(ValueError):
        Weights(response=0, resolution=0, satisfaction=0)


# --- properties over any field values ---

moments = st.one_of(
    st.none(),
    st.integers(min_value=-400, max_value=400).map(lambda hours: NOW + dt.timedelta(hours=hours)),
)
facts = st.builds(
    Facts,
    state=st.sampled_from(
        [
            "reported",
            "accepted",
            "rejected",
            "registered",
            "dispatched",
            "in_progress",
            "handled",
            "verified",
            "closed",
            "rated",
            "merged",
        ]
    ),
    priority=st.sampled_from(["urgent", "high", "normal"]),
    reported_at=st.integers(min_value=-400, max_value=0).map(
        lambda hours: NOW + dt.timedelta(hours=hours)
    ),
    accepted_at=moments,
    registered_at=moments,
    dispatched_at=moments,
    handled_at=moments,
    closed_at=moments,
    closed_on_time=st.one_of(st.none(), st.booleans()),
    was_suspended=st.booleans(),
    suspended_at=moments,
    rework_count=st.integers(min_value=0, max_value=5),
    rating=st.sampled_from(["", "satisfied", "basically", "unsatisfied"]),
    resolution=st.sampled_from(["", "resolved", "partly", "unresolved"]),
    handle_due=moments,
    stage_due=moments,
)
weights = st.builds(
    Weights,
    basically=st.floats(min_value=0, max_value=1),
    partly=st.floats(min_value=0, max_value=1),
    response=st.floats(min_value=0, max_value=1),
    resolution=st.floats(min_value=0.01, max_value=1),
    satisfaction=st.floats(min_value=0, max_value=1),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(facts, max_size=30), weights)
def test_every_rate_lies_in_0_1(cases: list[Facts], w: Weights) -> None:
    counts = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in cases)
    m = compute(counts, w)
    for name in rules.RATE_NAMES:
        value = getattr(m, name)
        assert value is None or 0 <= value <= 1 + 1e-12, name
    assert counts.closed <= counts.due <= counts.registered <= counts.reported
    assert counts.on_time <= counts.due - counts.suspended
    assert counts.reworked <= counts.handled
    assert counts.satisfied + counts.basically + counts.unsatisfied == counts.rated
    assert counts.resolved + counts.partly + counts.unresolved <= counts.rated
    assert counts.responded <= counts.rated
    assert counts.overdue <= counts.open


@given(st.lists(facts, max_size=10))
def test_a_rate_is_none_exactly_when_its_denominator_is_zero(cases: list[Facts]) -> None:
    counts = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in cases)
    m = compute(counts)
    assert (m.close_rate is None) == (counts.due == 0)
    assert (m.on_time_rate is None) == (counts.due - counts.suspended == 0)
    assert (m.rework_rate is None) == (counts.handled == 0)
    assert (m.satisfaction_rate is None) == (counts.rated == 0)
    answered = counts.resolved + counts.partly + counts.unresolved
    assert (m.resolution_rate is None) == (answered == 0)
    assert (m.composite is None) == (answered == 0)


@given(st.lists(facts, max_size=10), st.lists(facts, max_size=10))
def test_counts_of_two_groups_add_up_and_the_total_rate_lies_between(
    a: list[Facts], b: list[Facts]
) -> None:
    ta = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in a)
    tb = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in b)
    both = total(tally(c, now=NOW, response_after=TWO_HOURS) for c in a + b)
    assert ta + tb == both
    ra, rb, rab = compute(ta).close_rate, compute(tb).close_rate, compute(both).close_rate
    if ra is not None and rb is not None and rab is not None:
        assert min(ra, rb) - 1e-12 <= rab <= max(ra, rb) + 1e-12


def test_period_of_the_last_twelve_months() -> None:
    from resigrid.cases.metrics.queries import Period

    p = Period.last_months(dt.date(2026, 3, 15))
    assert (p.start, p.end) == (dt.date(2025, 4, 1), dt.date(2026, 3, 15))
    first, after = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)).bounds()
    assert first.isoformat() == "2026-01-01T00:00:00+08:00"
    assert after.isoformat() == "2026-02-01T00:00:00+08:00"
