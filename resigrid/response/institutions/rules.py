"""Pure rules of the institution list: when an inspection is due next. No database access."""

from __future__ import annotations

import calendar
import datetime as dt

CADENCE_DAYS = {"daily": 1, "weekly": 7}
CADENCE_MONTHS = {"monthly": 1, "quarterly": 3}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step(cadence: str, every_days: int | None, day: dt.date) -> dt.date:
    """One period after `day`."""
    if cadence in CADENCE_DAYS:
        return day + dt.timedelta(days=CADENCE_DAYS[cadence])
    if cadence in CADENCE_MONTHS:
        return add_months(day, CADENCE_MONTHS[cadence])
    if cadence == "days" and every_days and every_days > 0:
        return day + dt.timedelta(days=every_days)
    raise ValueError(f"unknown cadence {cadence!r} / {every_days!r}")


def next_due_after(cadence: str, every_days: int | None, inspected_on: dt.date) -> dt.date:
    """The next due date once an inspection is done on `inspected_on`: one period after it.
    An inspection done early or late restarts the period from the day it was done, so a late
    round is not followed by a run of already-overdue ones."""
    return step(cadence, every_days, inspected_on)


def days_overdue(next_due: dt.date, today: dt.date) -> int:
    """How many days past due (0 when not yet due)."""
    return max(0, (today - next_due).days)
