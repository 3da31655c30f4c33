"""Pure rules of call-ups: weekly availability as time intervals, skills as solver codes, points.

No database access. Times given to the solver are whole minutes since the Unix epoch.

Weekly availability (resigrid.people.rules: bit ``weekday * 3 + slot``) covers local hours:
morning 00:00–12:00, afternoon 12:00–18:00, evening 18:00–24:00. Neighbouring free slots merge
in the solver, so a volunteer free on Monday evening and Tuesday morning is free from Monday
18:00 to Tuesday 12:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from resigrid.people.choices import Skill

SLOT_HOURS = ((0, 12), (12, 18), (18, 24))  # morning, afternoon, evening (local time)
SLOTS = len(SLOT_HOURS)
POINTS_PER_HOUR = 10
MAX_COUNT = 1000
MAX_WINDOW_DAYS = 14
#: Volunteers see open needs of areas containing their grid and any within this distance.
NEAR_M = 10_000

SKILL_CODES: dict[str, int] = {value: i for i, value in enumerate(Skill.values)}


def skill_code_list(skills: Sequence[str]) -> list[int]:
    return [SKILL_CODES[s] for s in skills]


def minutes(at: dt.datetime) -> int:
    """Whole minutes since the epoch (floor) of an aware datetime."""
    return int(at.timestamp() // 60)


def overlaps(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    """Half-open windows: one ending when the other starts does not overlap."""
    return a_start < b_end and b_start < a_end


def weekly_intervals(
    mask: int, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
) -> list[tuple[int, int]]:
    """The free stretches (epoch minutes) of a weekly availability bitmask on the local days
    from ``start`` to ``end`` (one day of margin each side)."""
    out: list[tuple[int, int]] = []
    if not mask:
        return out
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    while day <= last:
        weekday = day.weekday()
        for slot, (h0, h1) in enumerate(SLOT_HOURS):
            if mask >> (weekday * SLOTS + slot) & 1:
                a = dt.datetime.combine(day, dt.time(h0), tzinfo=tz)
                b = dt.datetime.combine(day, dt.time(0), tzinfo=tz) + dt.timedelta(hours=h1)
                out.append((minutes(a), minutes(b)))
        day += dt.timedelta(days=1)
    return out


def points_for(hours: Decimal) -> int:
    """Points for reported hours: POINTS_PER_HOUR a full hour, rounded half up."""
    return int((hours * POINTS_PER_HOUR).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def window_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """The window's length in hours, rounded up to a tenth."""
    tenths = -(-int((end - start).total_seconds()) // 360)
    return (Decimal(tenths) / 10).quantize(Decimal("0.1"))
