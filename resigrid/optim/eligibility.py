"""Who may take which task slot: skills, availability windows, bookings — vectorised over pairs.

Times are integers (minutes, half-hour slots, … — the caller's unit) and every interval is
half-open, ``[start, end)``: a task ending at 10 and another starting at 10 do not overlap.

A volunteer is eligible for a slot when
- they hold every skill the slot requires (skills are bit sets: bit ``i`` = skill code ``i``),
- one of their availability windows covers the slot's whole window (windows that touch or
  overlap are merged first, so [8, 10) and [10, 12) cover [9, 11)); no availability table at all
  means everyone is always available, and
- none of their booked intervals overlaps the slot's window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resigrid.optim.errors import OptimInputError
from resigrid.optim.geo import FloatArray, check_lon_lat

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_SKILL_CODE = 62  # bit sets are int64


def skill_mask(codes: Iterable[int]) -> int:
    """The bit set of skill codes 0…62."""
    mask = 0
    for code in codes:
        if not 0 <= int(code) <= MAX_SKILL_CODE:
            raise OptimInputError(
                "assignment.skill_code", f"Skill code {code} is outside 0–62.", skill=code
            )
        mask |= 1 << int(code)
    return mask


def skill_codes(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(MAX_SKILL_CODE + 1) if mask >> i & 1)


@dataclass(frozen=True)
class Intervals:
    """Intervals ``[start[i], end[i])`` belonging to volunteer ``owner[i]``; several per owner."""

    owner: npt.ArrayLike
    start: npt.ArrayLike
    end: npt.ArrayLike


@dataclass(frozen=True)
class Volunteers:
    skills: npt.ArrayLike  # bit set per volunteer
    lon: npt.ArrayLike
    lat: npt.ArrayLike
    available: Intervals | None = None  # None: always available
    booked: Intervals | None = None


@dataclass(frozen=True)
class Slots:
    """One slot is one person for one task; a task needing five people is five slots."""

    skills: npt.ArrayLike  # bit set of required skills (all of them)
    lon: npt.ArrayLike
    lat: npt.ArrayLike
    start: npt.ArrayLike
    end: npt.ArrayLike


def _ints(values: npt.ArrayLike, what: str, *, non_negative: bool = False) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise OptimInputError("assignment.shape", f"The {what} must be a flat list.", what=what)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise OptimInputError(
            "assignment.not_integer", f"The {what} must be whole numbers.", what=what
        )
    out = arr.astype(np.int64)
    if non_negative and out.size and out.min() < 0:
        raise OptimInputError("assignment.negative", f"The {what} must not be negative.", what=what)
    return out


def _intervals(start: IntArray, end: IntArray, what: str) -> None:
    if start.size != end.size:
        raise OptimInputError(
            "assignment.interval_shape",
            f"The {what} have {start.size} starts but {end.size} ends.",
            what=what,
        )
    bad = np.flatnonzero(end <= start)
    if bad.size:
        raise OptimInputError(
            "assignment.interval_empty",
            f"The {what} must end after they start (index {int(bad[0])}).",
            what=what,
            index=int(bad[0]),
        )


@dataclass(frozen=True)
class _Table:
    """Per-owner merged, disjoint intervals as sorted keys ``owner × span + (t − t0)``."""

    start: IntArray
    end: IntArray


@dataclass(frozen=True)
class Problem:
    """Checked, array-typed input plus the lookup tables the eligibility test uses."""

    v_skills: IntArray
    v_lon: FloatArray
    v_lat: FloatArray
    s_skills: IntArray
    s_lon: FloatArray
    s_lat: FloatArray
    s_start: IntArray
    s_end: IntArray
    t0: int
    span: int
    available: _Table | None
    booked: _Table | None

    @property
    def n_volunteers(self) -> int:
        return int(self.v_skills.size)

    @property
    def n_slots(self) -> int:
        return int(self.s_skills.size)

    def eligible(self, vol: IntArray, slot: IntArray) -> BoolArray:
        """Pairwise: may ``vol[i]`` take ``slot[i]``?"""
        need = self.s_skills[slot]
        ok: BoolArray = (self.v_skills[vol] & need) == need
        base = vol * self.span
        a = self.s_start[slot] - self.t0
        b = self.s_end[slot] - self.t0
        if self.available is not None and not self.available.start.size:
            ok &= False  # an empty availability table: nobody is available
        elif self.available is not None:
            t = self.available
            pos = np.searchsorted(t.start, base + a, side="right") - 1
            ok &= (pos >= 0) & (t.end[np.maximum(pos, 0)] >= base + b)
        if self.booked is not None and self.booked.start.size:
            t = self.booked
            pos = np.searchsorted(t.start, base + b, side="left") - 1
            ok &= ~((pos >= 0) & (t.end[np.maximum(pos, 0)] > base + a))
        return ok


def _table(owner: IntArray, start: IntArray, end: IntArray, t0: int, span: int) -> _Table:
    ks = owner * span + (start - t0)
    ke = owner * span + (end - t0)
    order = np.argsort(ks, kind="stable")
    ks, ke = ks[order], ke[order]
    reach = np.maximum.accumulate(ke) if ke.size else ke
    # A new merged interval starts where the start lies beyond everything before it; keys of
    # different owners never touch (each interval lies inside its owner's [0, span) band).
    new = np.ones(ks.size, dtype=bool)
    new[1:] = ks[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, ks.size - 1) if first.size else first
    return _Table(start=ks[first], end=reach[last])


def prepare(volunteers: Volunteers, slots: Slots) -> Problem:
    """Check the input (lengths, coordinates, skills, intervals) and build the lookup tables."""
    v_skills = _ints(volunteers.skills, "volunteer skills", non_negative=True)
    v_lon, v_lat = check_lon_lat(volunteers.lon, volunteers.lat, "volunteers")
    s_skills = _ints(slots.skills, "slot skills", non_negative=True)
    s_lon, s_lat = check_lon_lat(slots.lon, slots.lat, "slots")
    s_start = _ints(slots.start, "slot starts")
    s_end = _ints(slots.end, "slot ends")
    n, m = v_skills.size, s_skills.size
    if v_lon.size != n:
        raise OptimInputError(
            "assignment.shape",
            f"There are {n} volunteer skill sets but {v_lon.size} volunteer places.",
            what="volunteers",
        )
    if not s_lon.size == m == s_start.size:
        raise OptimInputError(
            "assignment.shape",
            f"Slot skills, places and windows differ in length ({m}, {s_lon.size}, "
            f"{s_start.size}).",
            what="slots",
        )
    _intervals(s_start, s_end, "slot windows")
    tables: list[tuple[IntArray, IntArray, IntArray] | None] = []
    for what, iv in (
        ("availability windows", volunteers.available),
        ("bookings", volunteers.booked),
    ):
        if iv is None:
            tables.append(None)
            continue
        owner = _ints(iv.owner, what, non_negative=True)
        start, end = _ints(iv.start, what), _ints(iv.end, what)
        if owner.size != start.size:
            raise OptimInputError(
                "assignment.interval_shape",
                f"The {what} have {owner.size} owners but {start.size} starts.",
                what=what,
            )
        _intervals(start, end, what)
        if owner.size and owner.max() >= n:
            raise OptimInputError(
                "assignment.interval_owner",
                f"The {what} name a volunteer beyond the {n} given.",
                what=what,
            )
        tables.append((owner, start, end))
    times = [s_start, s_end] + [a for t in tables if t for a in t[1:]]
    all_t = np.concatenate(times) if times else np.zeros(0, np.int64)
    t0 = int(all_t.min()) if all_t.size else 0
    span = int(all_t.max()) - t0 + 1 if all_t.size else 1
    if span * max(n, 1) >= 2**62:
        raise OptimInputError("assignment.time_range", "The time range is too large.")
    made = [None if t is None else _table(t[0], t[1], t[2], t0, span) for t in tables]
    return Problem(
        v_skills=v_skills,
        v_lon=v_lon,
        v_lat=v_lat,
        s_skills=s_skills,
        s_lon=s_lon,
        s_lat=s_lat,
        s_start=s_start,
        s_end=s_end,
        t0=t0,
        span=span,
        available=made[0],
        booked=made[1],
    )


def time_groups(start: IntArray, end: IntArray) -> IntArray:
    """Group id per slot: the connected runs of overlapping windows, in time order.

    Slots of different groups never overlap, so a volunteer may serve one slot in each group.
    """
    if start.size == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((end, start))
    reach = np.maximum.accumulate(end[order])
    new = np.ones(start.size, dtype=bool)
    new[1:] = start[order][1:] >= reach[:-1]
    group = np.empty(start.size, np.int64)
    group[order] = np.cumsum(new) - 1
    return group
