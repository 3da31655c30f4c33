"""Sweep fixtures: an incident on community 1 and vulnerable people in its two grids (and one
in community 2, outside it)."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.core import pii
from resigrid.people.models import Carer, EmergencyNeed, Household, Person, Vulnerability
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.incidents.models import Incident
from tests.factories import Tree, UserFactory, bind


def person(home: Household, name: str, *tags: str, **extra: object) -> Person:
    p = Person.objects.create(
        household=home,
        grid=home.grid,
        building=home.building,
        name=name,
        sex="F",
        birth_date=dt.date(1945, 1, 1),
        **extra,
    )
    for tag in tags:
        Vulnerability.objects.create(person=p, grid=home.grid, tag=tag)
    return p


class Area1:
    def __init__(self, tree: Tree, opener: User) -> None:
        self.tree = tree
        self.home11 = Household.objects.create(
            grid=tree.grid11, building=tree.building11, room="101"
        )
        self.home12 = Household.objects.create(grid=tree.grid12, room="202")
        self.home21 = Household.objects.create(grid=tree.grid21, room="301")
        phone = "13912345678"
        self.a = person(
            self.home11,
            "张奶奶",
            "living_alone",
            "chronic_illness",
            phone_enc=pii.encrypt(phone),
            phone_hash=pii.keyed_hash(phone),
            health_notes_enc=pii.encrypt("心衰，需要每日服药"),
        )
        EmergencyNeed.objects.create(person=self.a, need="oxygen")
        self.b = person(self.home11, "李爷爷", "bedridden")
        self.c = person(self.home12, "赵阿姨", "subsistence")
        self.not_vulnerable = person(self.home11, "钱先生")
        self.moved = person(self.home12, "孙奶奶", "empty_nest", moved_out=dt.date(2020, 1, 1))
        self.outside = person(self.home21, "周大爷", "living_alone")
        self.incident = Incident.objects.create(
            title="东湖内涝",
            hazard_class=HazardClass.NATURAL,
            area=tree.community1,
            level=ResponseLevel.IV,
            opened_by=opener,
        )


@pytest.fixture
def area1(tree: Tree, community_admin: User) -> Area1:
    return Area1(tree, community_admin)


@pytest.fixture
def carer_user(tree: Tree, area1: Area1) -> User:
    """A second grid worker of grid 11, paired as the carer of 李爷爷."""
    user = UserFactory(username="carer", full_name="志愿者辛")
    bind(user, tree.grid11, Role.GRID_WORKER)
    Carer.objects.create(person=area1.b, kind=Carer.Kind.GRID_WORKER, name="辛", user=user)
    return user
