"""A small crew of volunteers around a place in grid 11 (东湖一网格), each with a login.

The call-up place is (120.05, 30.05). Distances from it: 近 ≈ 193 m, 甲 ≈ 963 m, 乙 ≈ 2,224 m,
丙 ≈ 111 m (no rescue skill), 远 in grid 21 ≈ 25 km away. The clock stands on Wednesday
1 July 2026, 08:00 (Asia/Shanghai); the call-ups are on Saturday 4 July, 09:00–12:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.people import rules as people_rules
from resigrid.people.models import Household, Person, Volunteer, VolunteerSkill
from resigrid.response.callups import services
from resigrid.response.callups.models import CallUp, VolunteerAccount
from tests.factories import Tree, UserFactory

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=TZ)
START = dt.datetime(2026, 7, 4, 9, 0, tzinfo=TZ)
END = dt.datetime(2026, 7, 4, 12, 0, tzinfo=TZ)
PLACE = (120.05, 30.05)
SATURDAY_MORNING = people_rules.slot_bits([(5, 0)])


def make_volunteer(
    tree: Tree,
    name: str,
    lon: float,
    lat: float,
    skills: list[str],
    *,
    availability: int = people_rules.ALL_SLOTS,
    grid: Any = None,
    login: bool = True,
) -> Volunteer:
    grid = grid or tree.grid11
    home = Household.objects.create(grid=grid, room=name)
    person = Person.objects.create(
        household=home, grid=grid, name=name, sex="F", birth_date=dt.date(1990, 1, 1)
    )
    v = Volunteer.objects.create(
        person=person, availability=availability, home_lon=lon, home_lat=lat
    )
    VolunteerSkill.objects.bulk_create(VolunteerSkill(volunteer=v, skill=s) for s in skills)
    if login:
        user = UserFactory(username=f"v-{name}", full_name=name)
        VolunteerAccount.objects.create(user=user, volunteer=v)
    return v


def user_of(v: Volunteer) -> User:
    return v.account.user


class Crew:
    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.near = make_volunteer(tree, "近", 120.052, 30.05, ["rescue"])
        self.jia = make_volunteer(tree, "甲", 120.06, 30.05, ["rescue", "medical"])
        self.yi = make_volunteer(tree, "乙", 120.05, 30.07, ["rescue"])
        self.bing = make_volunteer(tree, "丙", 120.05, 30.051, ["logistics"])
        self.far = make_volunteer(tree, "远", 120.25, 30.2, ["rescue"], grid=tree.grid21)


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def crew(tree: Tree, clock: None) -> Crew:
    return Crew(tree)


def make_callup(actor: User, tree: Tree, **over: Any) -> CallUp:
    args: dict[str, Any] = {
        "area": tree.grid11,
        "title": "防汛沙袋搬运",
        "count": 2,
        "lon": PLACE[0],
        "lat": PLACE[1],
        "starts_at": START,
        "ends_at": END,
        "skills": ["rescue"],
        "address": "东湖一网格 1号楼",
        "publish": True,
    }
    args.update(over)
    return services.create_callup(actor=actor, **args)
