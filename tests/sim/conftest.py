"""Simulation fixtures: a tiny community (two grids, three buildings, 36 residents), two
shelters and a depot with water, on the shared test tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.areas.models import Building
from resigrid.people.models import EmergencyNeed, Household, Person, Vulnerability
from resigrid.resources.choices import FacilityKind, ItemCategory
from resigrid.resources.models import Depot, DepotItem, Facility, Item, StockMovement
from resigrid.sim import services
from resigrid.sim.models import Scenario
from tests.factories import Tree, UserFactory, bind

STRATEGIES: list[dict[str, Any]] = [
    {"name": "No intervention"},
    {
        "name": "Isolation and testing",
        "testing": {"daily_probability": 0.3},
        "isolation": {"household_factor": 0.2},
    },
    {"name": "Grid lockdown", "grid_lockdown": {"threshold": 2, "duration_days": 14}},
]


class World:
    """Community 1: grid 11 has building 1号楼 (6 households) and 2号楼 (3); grid 12 has 3号楼
    (3 households). Four people per household, born 1950 + 5 × k; the first of each household
    in 1号楼 is vulnerable (living alone tag) with a mobility need; the 2号楼 heads need
    medicines."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.b1 = tree.building11
        self.b2 = Building.objects.create(grid=tree.grid11, name="2号楼", lon=120.06, lat=30.06)
        self.b3 = Building.objects.create(grid=tree.grid12, name="3号楼", lon=120.15, lat=30.05)
        self.people: list[Person] = []
        for building, homes in ((self.b1, 6), (self.b2, 3), (self.b3, 3)):
            for h in range(homes):
                home = Household.objects.create(
                    grid=building.grid, building=building, room=f"{h + 1}01"
                )
                for k in range(3):
                    person = Person.objects.create(
                        household=home,
                        grid=building.grid,
                        building=building,
                        name=f"{building.name}{h}{k}",
                        sex="M" if k % 2 else "F",
                        birth_date=dt.date(1950 + 5 * (h + k), 6, 1),
                    )
                    self.people.append(person)
                    if k == 0 and building == self.b1:
                        Vulnerability.objects.create(
                            person=person, grid=building.grid, tag="living_alone"
                        )
                        EmergencyNeed.objects.create(person=person, need="mobility")
                    if k == 0 and building == self.b2:
                        EmergencyNeed.objects.create(person=person, need="medicines")
        self.shelter1 = Facility.objects.create(
            kind=FacilityKind.SHELTER,
            name="东湖小学",
            area=tree.grid11,
            lon=120.055,
            lat=30.055,
            capacity=30,
        )
        self.shelter2 = Facility.objects.create(
            kind=FacilityKind.SHELTER,
            name="东湖公园",
            area=tree.grid12,
            lon=120.14,
            lat=30.04,
            capacity=30,
        )
        self.depot = Depot.objects.create(
            name="东湖物资库", area=tree.community1, lon=120.05, lat=30.05
        )
        self.water = Item.objects.create(
            code="W001", name="瓶装水", category=ItemCategory.WATER, uom="箱"
        )
        DepotItem.objects.create(depot=self.depot, item=self.water)
        StockMovement.objects.create(
            depot=self.depot, item=self.water, kind="in", quantity=Decimal("20")
        )


@pytest.fixture
def world(tree: Tree) -> World:
    return World(tree)


@pytest.fixture
def secretary(tree: Tree) -> User:
    user = UserFactory(username="simsec", full_name="书记")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    return user


@pytest.fixture
def epidemic(world: World, secretary: User) -> Scenario:
    return services.create_scenario(
        actor=secretary,
        kind="epidemic",
        name="疫情",
        area=world.tree.community1,
        params={"r0": 3.0, "days": 60, "initial_infected": 3, "replicates": 3},
        strategies=STRATEGIES,
    )


@pytest.fixture
def evacuation(world: World, secretary: User) -> Scenario:
    return services.create_scenario(
        actor=secretary,
        kind="evacuation",
        name="洪水",
        area=world.tree.community1,
        params={"max_distance_m": 1500},
    )


@pytest.fixture
def supplies(world: World, secretary: User) -> Scenario:
    return services.create_scenario(
        actor=secretary,
        kind="supplies",
        name="封控14天",
        area=world.tree.community1,
        params={"days": 14, "items": [{"item": "W001", "per_household": 0.25}]},
    )
