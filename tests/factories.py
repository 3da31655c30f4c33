"""factory_boy factories and a small area tree used across the suite."""

from __future__ import annotations

from typing import Any

import factory
from shapely.geometry import box, mapping

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Role
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building

TEST_PASSWORD = "Test#Pass2026"


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    return dict(mapping(box(lon, lat, lon + size, lat + size)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(TEST_PASSWORD)


def make_area(
    code: str,
    name: str,
    level: Level,
    parent: Area | None,
    boundary: dict[str, Any] | None,
    **extra: Any,
) -> Area:
    return Area.objects.create(
        code=code, name=name, level=level, parent=parent, boundary=boundary, **extra
    )


def bind(user: User, area: Area, role: Role) -> RoleBinding:
    return RoleBinding.objects.create(user=user, area=area, role=role)


class Tree:
    """District 330106 → street 001 → communities 001 (two grids) and 002 (one grid).

    Geometry: the street is the square [120.0, 120.4] × [30.0, 30.4]; community 1 is its west half
    [120.0, 120.2], community 2 its east half; grids are 0.1° squares inside them.
    """

    def __init__(self) -> None:
        self.district = make_area(
            "330106000000000", "示范区", Level.DISTRICT, None, square(119.9, 29.9, 0.6)
        )
        self.street = make_area(
            "330106001000000", "和平街道", Level.STREET, self.district, square(120.0, 30.0, 0.4)
        )
        self.community1 = make_area(
            "330106001001000",
            "东湖社区",
            Level.COMMUNITY,
            self.street,
            dict(mapping(box(120.0, 30.0, 120.2, 30.4))),
        )
        self.community2 = make_area(
            "330106001002000",
            "西湖社区",
            Level.COMMUNITY,
            self.street,
            dict(mapping(box(120.2, 30.0, 120.4, 30.4))),
        )
        self.grid11 = make_area(
            "330106001001001",
            "东湖一网格",
            Level.GRID,
            self.community1,
            square(120.0, 30.0, 0.1),
            population=1200,
            households=400,
        )
        self.grid12 = make_area(
            "330106001001002",
            "东湖二网格",
            Level.GRID,
            self.community1,
            square(120.1, 30.0, 0.1),
            population=900,
            households=320,
        )
        self.grid21 = make_area(
            "330106001002001",
            "西湖一网格",
            Level.GRID,
            self.community2,
            square(120.2, 30.0, 0.1),
            population=1500,
            households=480,
        )
        self.building11 = Building.objects.create(
            grid=self.grid11, name="1号楼", lon=120.05, lat=30.05, floors=6, households=36
        )
