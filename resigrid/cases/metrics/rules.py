"""Case metrics: the definitions, as pure functions (no database).

The population is a *cohort*: the cases reported in the period (``from ≤ reported_at < to``,
local dates in Asia/Shanghai), with each case's outcome as it stands at ``now`` (the moment the
page is drawn). Breakdowns group that cohort by grid, community, street, lead unit, top-level
category or the month the case was reported. Every count below is a count of cases; `tally`
computes them for one case and is the reference the SQL in `queries.py` reproduces.

Counts (a case is counted when …):

=================  ======================================================================
reported 上报数     always (every case of the cohort, merged and rejected ones included)
accepted 受理数     ``accepted_at`` is set
rejected 不予受理   ``state = rejected``
registered 立案数   ``registered_at`` is set
due 应结案数        registered, and closed (``closed_at`` set) or its handling deadline has
                   come (``handle_due ≤ now``)
closed 结案数       registered and ``closed_at`` set (closed or rated; a reopened case is not)
suspended 缓办数    due and ``was_suspended`` (the clock was stopped by an approved 缓办)
on_time 按期结案数  closed, ``closed_on_time`` true (the result came before the possibly
                   extended handling deadline) and never suspended
urgent_*           the same three for ``priority = urgent`` (紧急问题)
handled            ``handled_at`` is set (a result was reported at least once)
reworked 返工       handled and ``rework_count ≥ 1`` (failed verification at least once)
serious_rework     handled and ``rework_count ≥ 3`` (the standard's serious deduction)
open               ``state`` is an open state (reported … handled)
overdue            open, not suspended now (``suspended_at`` empty), ``stage_due < now``
rated 有效回访      ``rating`` is one of satisfied / basically / unsatisfied
responded 已响应    rated and accepted within the response time (``accepted_at −
                   reported_at ≤ CASE_RESPONSE_MINUTES``, default 120: the 2-hour rule)
satisfied 满意, basically 基本满意, unsatisfied 不满意: rated with that rating
resolved 解决, partly 部分解决, unresolved 未解决: rated, and the reporter answered "was it
                   solved?" with that (``resolution``; empty when the client did not ask)
=================  ======================================================================

Rates (``None``, shown as "—", when the denominator is zero):

* 结案率 close rate = closed / due
* 按期结案率 on-time rate = on_time / (due − suspended) — 缓办 cases leave both sides
* 紧急问题按期结案率 = urgent_on_time / (urgent_due − urgent_suspended)
* 返工率 rework rate = reworked / handled
* 响应率 response rate = responded / rated
* 解决率 resolution rate = (resolved + p × partly) / (resolved + partly + unresolved), p =
  ``CASE_PARTLY_RESOLVED_WEIGHT`` (0.5): over the follow-ups that asked whether the problem
  was solved (a rating without that answer is left out of this rate only)
* 满意率 satisfaction rate = (satisfied + w × basically) / rated, w =
  ``CASE_BASICALLY_SATISFIED_WEIGHT`` (0.9)
* 三率综合 composite = a × 响应率 + b × 解决率 + c × 满意率, (a, b, c) =
  ``CASE_THREE_RATES_WEIGHTS`` (0.1, 0.5, 0.4), divided by a + b + c

Average time per stage, in hours, over the cases where both stamps are set (the latest stamp
when a step was repeated): accept 受理 = accepted_at − reported_at; dispatch 立案派遣 =
dispatched_at − accepted_at; handle 处置 = handled_at − dispatched_at; close 核查结案 =
closed_at − handled_at; total 全程 = closed_at − reported_at. Sums and counts are kept
(`Counts` adds up exactly), the average is taken last.

By construction every rate lies in [0, 1] for any field values, and counts of disjoint
cohorts add up (`Counts.__add__`), so a total row is the sum of the breakdown rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.conf import settings

from resigrid.cases.choices import Rating, Resolution
from resigrid.cases.workflow import OPEN_STATES, State
from resigrid.registers.choices import Priority

STAGES = ("accept", "dispatch", "handle", "close", "total")
# (stage, later stamp, earlier stamp)
STAGE_SPANS = (
    ("accept", "accepted_at", "reported_at"),
    ("dispatch", "dispatched_at", "accepted_at"),
    ("handle", "handled_at", "dispatched_at"),
    ("close", "closed_at", "handled_at"),
    ("total", "closed_at", "reported_at"),
)
DEFAULT_RESPONSE_MINUTES = 120
DEFAULT_THREE_RATES_WEIGHTS = (0.1, 0.5, 0.4)
_OPEN = frozenset(str(s) for s in OPEN_STATES)


@dataclass(frozen=True)
class Weights:
    """满意率's weight of 基本满意, 解决率's weight of 部分解决 and the 三率 composite's
    weights (response, resolution, satisfaction)."""

    basically: float = 0.9
    partly: float = 0.5
    response: float = 0.1
    resolution: float = 0.5
    satisfaction: float = 0.4

    def __post_init__(self) -> None:
        if not 0 <= self.basically <= 1:
            raise ValueError("the weight of 基本满意 must lie in [0, 1]")
        if not 0 <= self.partly <= 1:
            raise ValueError("the weight of 部分解决 must lie in [0, 1]")
        if min(self.response, self.resolution, self.satisfaction) < 0:
            raise ValueError("the composite weights must not be negative")
        if self.response + self.resolution + self.satisfaction <= 0:
            raise ValueError("the composite weights must not all be zero")


def configured_weights() -> Weights:
    """The weights from settings (CASE_BASICALLY_SATISFIED_WEIGHT, CASE_PARTLY_RESOLVED_WEIGHT,
    CASE_THREE_RATES_WEIGHTS)."""
    response, resolution, satisfaction = getattr(
        settings, "CASE_THREE_RATES_WEIGHTS", DEFAULT_THREE_RATES_WEIGHTS
    )
    return Weights(
        basically=float(settings.CASE_BASICALLY_SATISFIED_WEIGHT),
        partly=float(getattr(settings, "CASE_PARTLY_RESOLVED_WEIGHT", 0.5)),
        response=float(response),
        resolution=float(resolution),
        satisfaction=float(satisfaction),
    )


def response_minutes() -> int:
    return int(getattr(settings, "CASE_RESPONSE_MINUTES", DEFAULT_RESPONSE_MINUTES))


@dataclass(frozen=True)
class Counts:
    """Additive counts of one group of cases, and the duration sums per stage (seconds)."""

    reported: int = 0
    accepted: int = 0
    rejected: int = 0
    registered: int = 0
    due: int = 0
    closed: int = 0
    suspended: int = 0
    on_time: int = 0
    urgent_due: int = 0
    urgent_suspended: int = 0
    urgent_on_time: int = 0
    handled: int = 0
    reworked: int = 0
    serious_rework: int = 0
    open: int = 0
    overdue: int = 0
    rated: int = 0
    responded: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0
    resolved: int = 0
    partly: int = 0
    unresolved: int = 0
    accept_n: int = 0
    accept_s: float = 0.0
    dispatch_n: int = 0
    dispatch_s: float = 0.0
    handle_n: int = 0
    handle_s: float = 0.0
    close_n: int = 0
    close_s: float = 0.0
    total_n: int = 0
    total_s: float = 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)}
        )


COUNT_NAMES = tuple(f.name for f in fields(Counts))


def total(rows: Iterable[Counts]) -> Counts:
    out = Counts()
    for row in rows:
        out = out + row
    return out


@dataclass(frozen=True)
class Facts:
    """The Case fields the metrics read (a Case instance has all of them)."""

    state: str
    priority: str
    reported_at: dt.datetime
    accepted_at: dt.datetime | None = None
    registered_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    handled_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    closed_on_time: bool | None = None
    was_suspended: bool = False
    suspended_at: dt.datetime | None = None
    rework_count: int = 0
    rating: str = ""
    resolution: str = ""
    handle_due: dt.datetime | None = None
    stage_due: dt.datetime | None = None


FACT_FIELDS = tuple(f.name for f in fields(Facts))


def _span(later: dt.datetime | None, earlier: dt.datetime | None) -> tuple[int, float]:
    if later is None or earlier is None:
        return 0, 0.0
    return 1, (later - earlier).total_seconds()


def tally(case: Facts, *, now: dt.datetime, response_after: dt.timedelta) -> Counts:
    """The counts one case contributes (see the module docstring); the reference for SQL."""
    registered = case.registered_at is not None
    closed = registered and case.closed_at is not None
    due = registered and (
        case.closed_at is not None or (case.handle_due is not None and case.handle_due <= now)
    )
    suspended = due and case.was_suspended
    on_time = closed and case.closed_on_time is True and not case.was_suspended
    urgent = case.priority == Priority.URGENT
    handled = case.handled_at is not None
    rated = case.rating in Rating.values
    is_open = case.state in _OPEN
    accept = _span(case.accepted_at, case.reported_at)
    dispatch = _span(case.dispatched_at, case.accepted_at)
    handle = _span(case.handled_at, case.dispatched_at)
    close = _span(case.closed_at, case.handled_at)
    whole = _span(case.closed_at, case.reported_at)
    return Counts(
        reported=1,
        accepted=int(case.accepted_at is not None),
        rejected=int(case.state == State.REJECTED),
        registered=int(registered),
        due=int(due),
        closed=int(closed),
        suspended=int(suspended),
        on_time=int(on_time),
        urgent_due=int(urgent and due),
        urgent_suspended=int(urgent and suspended),
        urgent_on_time=int(urgent and on_time),
        handled=int(handled),
        reworked=int(handled and case.rework_count >= 1),
        serious_rework=int(handled and case.rework_count >= 3),
        open=int(is_open),
        overdue=int(
            is_open
            and case.suspended_at is None
            and case.stage_due is not None
            and case.stage_due < now
        ),
        rated=int(rated),
        responded=int(
            rated
            and case.accepted_at is not None
            and case.accepted_at <= case.reported_at + response_after
        ),
        satisfied=int(case.rating == Rating.SATISFIED),
        basically=int(case.rating == Rating.BASICALLY),
        unsatisfied=int(case.rating == Rating.UNSATISFIED),
        resolved=int(rated and case.resolution == Resolution.RESOLVED),
        partly=int(rated and case.resolution == Resolution.PARTLY),
        unresolved=int(rated and case.resolution == Resolution.UNRESOLVED),
        accept_n=accept[0],
        accept_s=accept[1],
        dispatch_n=dispatch[0],
        dispatch_s=dispatch[1],
        handle_n=handle[0],
        handle_s=handle[1],
        close_n=close[0],
        close_s=close[1],
        total_n=whole[0],
        total_s=whole[1],
    )


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is zero (shown as "—")."""
    if denominator <= 0:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Metrics:
    counts: Counts
    close_rate: float | None
    on_time_rate: float | None
    urgent_on_time_rate: float | None
    rework_rate: float | None
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    hours: dict[str, float | None] = field(default_factory=dict)


def compute(counts: Counts, weights: Weights | None = None) -> Metrics:
    """The rates and average hours of a group from its counts."""
    w = weights or Weights()
    response = ratio(counts.responded, counts.rated)
    resolution = ratio(
        counts.resolved + w.partly * counts.partly,
        counts.resolved + counts.partly + counts.unresolved,
    )
    satisfaction = ratio(counts.satisfied + w.basically * counts.basically, counts.rated)
    composite = None
    if response is not None and resolution is not None and satisfaction is not None:
        weight_sum = w.response + w.resolution + w.satisfaction
        composite = (
            w.response * response + w.resolution * resolution + w.satisfaction * satisfaction
        ) / weight_sum
    hours: dict[str, float | None] = {}
    for name in STAGES:
        seconds = ratio(getattr(counts, f"{name}_s"), getattr(counts, f"{name}_n"))
        hours[name] = None if seconds is None else seconds / 3600
    return Metrics(
        counts=counts,
        close_rate=ratio(counts.closed, counts.due),
        on_time_rate=ratio(counts.on_time, counts.due - counts.suspended),
        urgent_on_time_rate=ratio(
            counts.urgent_on_time, counts.urgent_due - counts.urgent_suspended
        ),
        rework_rate=ratio(counts.reworked, counts.handled),
        response_rate=response,
        resolution_rate=resolution,
        satisfaction_rate=satisfaction,
        composite=composite,
        hours=hours,
    )


RATE_NAMES = (
    "close_rate",
    "on_time_rate",
    "urgent_on_time_rate",
    "rework_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "composite",
)


def percent(value: float | None, digits: int = 1) -> str:
    """A rate for display: 0.8766 → "87.7%", None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def hours_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}"
