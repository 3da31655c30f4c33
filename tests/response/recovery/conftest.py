"""A flood incident on community 1 (东湖社区) with its plan; three households (two in grid 11,
one in grid 21 of the other community); units in and above grid 11 with emergency commitments.
The clock stands on Wednesday 1 July 2026, 10:00 (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.orgs.models import Commitment, Unit, UnitSpecialty
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident
from resigrid.response.plans.models import Plan
from tests.factories import Tree

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    plan: Plan
    incident: Incident
    home1: Household
    home2: Household
    far_home: Household
    clinic: Unit  # grid 11, medical specialty
    shelter: Unit  # community 1
    street_unit: Unit  # street
    other_unit: Unit  # community 2 (not above grid 11)
    clinic_visits: Commitment  # services, clinic
    clinic_van: Commitment  # vehicles, clinic
    hall: Commitment  # space, community 1
    food: Commitment  # goods, street
    counselling: Commitment  # services, street
    other_goods: Commitment  # goods, community 2
    daily_only: Commitment  # goods, community 1, not for emergencies
    expired: Commitment  # goods, community 1, validity ended


def _c(unit: Unit, kind: str, text: str, **extra: object) -> Commitment:
    return Commitment.objects.create(
        unit=unit, kind=kind, description=text, quantity=Decimal(10), uom="次", **extra
    )


@pytest.fixture
def world(tree: Tree, community_admin: User) -> World:
    plan = Plan.objects.create(
        title="防汛预案", hazard_class="natural", area=tree.community1, created_by=community_admin
    )
    incident = Incident.objects.create(
        title="东湖内涝",
        hazard_class="natural",
        area=tree.community1,
        level="3",
        plan=plan,
        opened_by=community_admin,
    )
    home1 = Household.objects.create(grid=tree.grid11, building=tree.building11, room="101")
    home2 = Household.objects.create(grid=tree.grid11, building=tree.building11, room="202")
    far_home = Household.objects.create(grid=tree.grid21, room="9")
    clinic = Unit.objects.create(kind="social_org", name="东湖诊所", area=tree.grid11)
    UnitSpecialty.objects.create(unit=clinic, specialty="medical")
    shelter = Unit.objects.create(kind="resident_unit", name="东湖小学", area=tree.community1)
    street_unit = Unit.objects.create(kind="social_org", name="和平社工站", area=tree.street)
    UnitSpecialty.objects.create(unit=street_unit, specialty="psychological")
    other_unit = Unit.objects.create(kind="shop", name="西湖超市", area=tree.community2)
    return World(
        plan=plan,
        incident=incident,
        home1=home1,
        home2=home2,
        far_home=far_home,
        clinic=clinic,
        shelter=shelter,
        street_unit=street_unit,
        other_unit=other_unit,
        clinic_visits=_c(clinic, "services", "上门巡诊"),
        clinic_van=_c(clinic, "vehicles", "转运车"),
        hall=_c(shelter, "space", "体育馆临时安置"),
        food=_c(street_unit, "goods", "米面油"),
        counselling=_c(street_unit, "services", "心理疏导"),
        other_goods=_c(other_unit, "goods", "矿泉水"),
        daily_only=_c(shelter, "goods", "日常物资", for_emergency=False, for_daily=True),
        expired=_c(
            shelter,
            "goods",
            "过期承诺",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2025, 12, 31),
        ),
    )
