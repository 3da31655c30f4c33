"""People fixtures: a household and residents in grid 11 (community 1) and grid 21 (community 2)."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.core import pii
from resigrid.people.models import Household, Person
from tests.factories import Tree


def make_id(birth: dt.date, seq: int = 123, region: str = "330106") -> str:
    """A valid 18-character ID number; odd `seq` for a man, even for a woman."""
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + pii.id_check_digit(first17)


def add_person(
    household: Household, name: str, sex: str, birth: dt.date, **extra: object
) -> Person:
    return Person.objects.create(
        household=household,
        grid=household.grid,
        building=household.building,
        name=name,
        sex=sex,
        birth_date=birth,
        **extra,
    )


class People:
    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.home11 = Household.objects.create(
            grid=tree.grid11, building=tree.building11, room="101"
        )
        self.home21 = Household.objects.create(grid=tree.grid21, room="201")
        self.id_old = make_id(dt.date(1950, 3, 4), 121)
        self.old = add_person(
            self.home11,
            "王大爷",
            "M",
            dt.date(1950, 3, 4),
            id_number_enc=pii.encrypt(self.id_old),
            id_number_hash=pii.keyed_hash(self.id_old),
            phone_enc=pii.encrypt("13912345678"),
            phone_hash=pii.keyed_hash("13912345678"),
        )
        self.young = add_person(self.home11, "王小妹", "F", dt.date(2010, 6, 1))
        self.id_far = make_id(dt.date(1980, 1, 2), 456)
        self.far = add_person(
            self.home21,
            "李四",
            "F",
            dt.date(1980, 1, 2),
            id_number_enc=pii.encrypt(self.id_far),
            id_number_hash=pii.keyed_hash(self.id_far),
        )


@pytest.fixture
def people(tree: Tree) -> People:
    return People(tree)
