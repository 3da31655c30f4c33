"""Households and residents for the demo: sizes, buildings, members with names, sexes and ages.

Pure and deterministic for a given `random.Random`. Ages follow a simple family model (a head,
usually a spouse, then children, grandchildren or an elderly parent) whose head-age weights are
tuned so that about a fifth of all residents are 60 or older, as in Chinese cities today.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from resigrid.web.demo.names import full_name, surname

# Ages are computed on this fixed date, so that every run gives the same birth dates.
REFERENCE_DATE = dt.date(2026, 1, 1)

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_SIZE_WEIGHTS = (25, 30, 22, 13, 10)
MEAN_HOUSEHOLD_SIZE = sum(
    s * w for s, w in zip(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS, strict=True)
) / sum(HOUSEHOLD_SIZE_WEIGHTS)
# (lowest age, highest age, weight) of the head of household.
HEAD_AGE_BANDS = ((22, 29, 12), (30, 39, 22), (40, 49, 20), (50, 59, 18), (60, 69, 14),
                  (70, 79, 9), (80, 92, 5))  # fmt: skip

BUILDING_MIN_HOUSEHOLDS = 20
BUILDING_MAX_HOUSEHOLDS = 120
BUILDING_MEAN_HOUSEHOLDS = 70
MIN_FLOORS = 6
MAX_FLOORS = 33


@dataclass(frozen=True)
class Member:
    name: str
    sex: str  # "M" or "F"
    birth_date: dt.date
    is_head: bool


def household_sizes(rng: random.Random, people: int) -> list[int]:
    """Household sizes (1–5) summing exactly to `people`."""
    sizes: list[int] = []
    left = people
    while left > 0:
        size = min(left, rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_SIZE_WEIGHTS, k=1)[0])
        sizes.append(size)
        left -= size
    return sizes


def building_split(rng: random.Random, households: int) -> list[int]:
    """Households per building, each within 20–120 whenever the total allows it."""
    if households <= 0:
        return []
    n = max(1, round(households / BUILDING_MEAN_HOUSEHOLDS))
    while n > 1 and households / n < BUILDING_MIN_HOUSEHOLDS:
        n -= 1
    while households / n > BUILDING_MAX_HOUSEHOLDS:
        n += 1
    parts = [households // n + (1 if i < households % n else 0) for i in range(n)]
    # Random transfers make buildings differ without leaving the range.
    for _ in range(3 * n):
        i, j = rng.randrange(n), rng.randrange(n)
        d = rng.randint(0, 25)
        if (
            i != j
            and parts[i] - d >= BUILDING_MIN_HOUSEHOLDS
            and parts[j] + d <= BUILDING_MAX_HOUSEHOLDS
        ):
            parts[i] -= d
            parts[j] += d
    return parts


def floors_for(rng: random.Random, households: int) -> int:
    return rng.randint(MIN_FLOORS, MAX_FLOORS)


def rooms(floors: int, households: int) -> list[str]:
    """Room numbers like 1203 (floor 12, unit 03), filling floors from the ground up."""
    per_floor = max(1, math.ceil(households / floors))
    return [f"{k // per_floor + 1}{k % per_floor + 1:02d}" for k in range(households)]


def birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date giving `age` completed years on REFERENCE_DATE."""
    start = dt.date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, REFERENCE_DATE.day)
    return start + dt.timedelta(days=1 + rng.randrange(365))


def _head_age(rng: random.Random) -> int:
    low, high, _w = rng.choices(HEAD_AGE_BANDS, weights=[b[2] for b in HEAD_AGE_BANDS], k=1)[0]
    return rng.randint(low, high)


def members(rng: random.Random, size: int) -> list[Member]:
    """The members of one household of `size` people, head first."""
    head_sex = "M" if rng.random() < 0.55 else "F"
    head_age = _head_age(rng)
    head_surname = surname(rng)
    people = [(full_name(rng, head_sex, head_surname), head_sex, head_age, True)]
    family = head_surname
    if size >= 2:
        sex = "F" if head_sex == "M" else "M"
        age = max(20, min(98, head_age + round(rng.gauss(0, 3))))
        spouse_surname = surname(rng)
        if sex == "M":
            family = spouse_surname
        people.append((full_name(rng, sex, spouse_surname), sex, age, False))
    child_age = head_age - rng.randint(24, 36)
    for i in range(2, size):
        sex = "M" if rng.random() < 0.51 else "F"
        if child_age >= 0:
            age = child_age
            child_age -= rng.randint(2, 6)
            if head_age >= 55 and age >= 24 and i == size - 1:
                # An older couple living with a grown child and a grandchild.
                age = max(0, age - rng.randint(24, 34))
            people.append((full_name(rng, sex, family), sex, age, False))
        else:
            age = min(98, head_age + rng.randint(24, 32))
            people.append(
                (full_name(rng, sex, head_surname if sex == "M" else None), sex, age, False)
            )
    return [Member(n, s, birth_date(rng, a), h) for n, s, a, h in people]
