"""Orgs fixtures: residents, a Party organisation tree and units on the shared area tree."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.core import pii
from resigrid.orgs.choices import OrgKind, UnitKind
from resigrid.orgs.models import PartyOrg, Unit, UnitContact
from resigrid.people.models import Household, Person
from tests.factories import Tree

VALID_CREDIT = "91350100M000100Y43"
OTHER_CREDIT = "91110000600037341L"


def add_person(grid_household: Household, name: str, birth: dt.date) -> Person:
    return Person.objects.create(
        household=grid_household,
        grid=grid_household.grid,
        name=name,
        sex="M",
        birth_date=birth,
    )


class Orgs:
    """Committee on community 1 → branch on community 1 → group on grid 11; a committee on
    community 2; a unit with a contact in each community."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.home11 = Household.objects.create(grid=tree.grid11, room="101")
        self.home21 = Household.objects.create(grid=tree.grid21, room="201")
        self.alice = add_person(self.home11, "张三", dt.date(1980, 5, 1))
        self.bob = add_person(self.home11, "李四", dt.date(1990, 1, 2))
        self.carol = add_person(self.home21, "王五", dt.date(1975, 7, 3))
        self.committee1 = PartyOrg.objects.create(
            kind=OrgKind.COMMITTEE, name="东湖社区党委", area=tree.community1
        )
        self.branch1 = PartyOrg.objects.create(
            kind=OrgKind.BRANCH, name="第一党支部", area=tree.community1, parent=self.committee1
        )
        self.group11 = PartyOrg.objects.create(
            kind=OrgKind.GROUP, name="一网格党小组", area=tree.grid11, parent=self.branch1
        )
        self.committee2 = PartyOrg.objects.create(
            kind=OrgKind.COMMITTEE, name="西湖社区党委", area=tree.community2
        )
        self.unit1 = Unit.objects.create(
            kind=UnitKind.PROPERTY, name="东湖物业", area=tree.community1, co_building=True
        )
        self.unit2 = Unit.objects.create(kind=UnitKind.SHOP, name="西湖超市", area=tree.community2)
        self.contact1 = UnitContact.objects.create(
            unit=self.unit1,
            name="赵经理",
            role="经理",
            phone_enc=pii.encrypt("13812345678"),
            phone_hash=pii.keyed_hash("13812345678"),
        )


@pytest.fixture
def orgs(tree: Tree) -> Orgs:
    return Orgs(tree)
