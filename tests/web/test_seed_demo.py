"""seed_demo: determinism, geometry and population invariants, --if-empty, demo logins."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from shapely import union_all
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from resigrid.accounts.models import RoleBinding, User
from resigrid.areas.codes import Level
from resigrid.areas.geometry import area_m2, overlap_m2
from resigrid.areas.models import Area, Building
from resigrid.people.models import Household, Person
from resigrid.web.demo import geometry
from resigrid.web.demo.builder import DEFAULT_PASSWORD, grid_count
from resigrid.web.demo.population import REFERENCE_DATE

SMALL = ["--residents", "600", "--grids", "4", "--communities", "2"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def wipe() -> None:
    """Empty every table, whatever the registries hold."""
    call_command("flush", interactive=False, verbosity=0)


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    return {
        "areas": list(
            Area.objects.order_by("code").values_list(
                "code", "name", "level", "boundary", "population", "households", "area_m2"
            )
        ),
        "buildings": list(
            Building.objects.order_by("grid__code", "name").values_list(
                "grid__code", "name", "address", "lon", "lat", "floors", "households"
            )
        ),
        "people": list(
            Person.objects.order_by("pk").values_list(
                "grid__code", "household__room", "name", "sex", "birth_date", "is_head"
            )
        ),
        "users": list(User.objects.order_by("username").values_list("username", "full_name")),
    }


# transaction=True: `flush` truncates tables, which PostgreSQL refuses inside the test's
# transaction while deferred foreign-key checks are pending.
@pytest.mark.django_db(transaction=True)
def test_same_seed_gives_identical_data_and_another_seed_does_not() -> None:
    seed("--seed", "7", *SMALL)
    first = snapshot()
    wipe()
    seed("--seed", "7", *SMALL)
    assert snapshot() == first
    assert len(first["people"]) == 600
    assert [a[0] for a in first["areas"]] == [
        "330106000000000",
        "330106001000000",
        "330106001001000",
        "330106001001001",
        "330106001001002",
        "330106001002000",
        "330106001002001",
        "330106001002002",
    ]
    wipe()
    seed("--seed", "8", *SMALL)
    other = snapshot()
    assert [p[2] for p in other["people"]] != [p[2] for p in first["people"]]
    assert [p[4] for p in other["people"]] != [p[4] for p in first["people"]]


@pytest.mark.parametrize(
    ("residents", "communities", "grids", "expected"),
    [
        (15000, 4, None, 15),  # about 400 households each
        (100000, 4, None, 99),
        (100000, 4, 40, 80),  # 40 would mean ~990 households per grid: grows to ceil(H/500)
        (15000, 4, 40, 40),  # explicit and within the cap: honoured
        (600, 2, 4, 4),
        (100, 3, None, 3),  # never fewer grids than communities
    ],
)
def test_grid_count_rule(residents: int, communities: int, grids: int | None, expected: int):
    assert grid_count(residents=residents, communities=communities, grids=grids) == expected


@pytest.fixture
def default_sized(db: None) -> str:
    """Default sizing (grids chosen by the rule) on a smaller population to stay quick."""
    return seed("--seed", "3", "--residents", "5000", "--communities", "2")


def geom(area: Area) -> BaseGeometry:
    assert area.boundary is not None
    return shape(area.boundary)


def centre(area: Area) -> tuple[float, float]:
    assert area.centroid_lon is not None
    assert area.centroid_lat is not None
    return area.centroid_lon, area.centroid_lat


def shapes(level: Level) -> dict[str, BaseGeometry]:
    return {a.code: geom(a) for a in Area.objects.filter(level=level)}


def test_grids_tile_their_community_without_overlap(default_sized: str) -> None:
    grids = shapes(Level.GRID)
    assert len(grids) == 5
    for (_ca, a), (_cb, b) in itertools.combinations(grids.items(), 2):
        assert overlap_m2(a, b) < 0.01  # shared edges only
    communities = shapes(Level.COMMUNITY)
    for code, community in communities.items():
        mine = [g for c, g in grids.items() if c[:12] == code[:12]]
        assert mine
        union = union_all(mine)
        assert union.geom_type == "Polygon"  # one piece
        assert abs(area_m2(union) - area_m2(community)) < 1e-6 * area_m2(community)
        assert abs(area_m2(community) - sum(area_m2(g) for g in mine)) < 1.0  # no gaps, no overlap
    street = geom(Area.objects.get(level=Level.STREET))
    assert abs(area_m2(street) - sum(area_m2(c) for c in communities.values())) < 1
    assert geom(Area.objects.get(level=Level.DISTRICT)).contains(street)
    for grid in Area.objects.filter(level=Level.GRID):
        assert grid.area_m2 is not None
        assert abs(grid.area_m2 - area_m2(grids[grid.code])) < 0.1
        lon, lat = centre(grid)
        assert abs(lon - 120.13) < 0.05
        assert abs(lat - 30.27) < 0.05
        assert grid.grid_kind == Area.GridKind.COMPREHENSIVE


def test_every_building_lies_inside_its_grid(default_sized: str) -> None:
    grids = shapes(Level.GRID)
    buildings = list(Building.objects.select_related("grid"))
    assert buildings
    for b in buildings:
        assert grids[b.grid.code].contains(Point(b.lon, b.lat)), b
        assert 6 <= b.floors <= 33
        assert 20 <= b.households <= 120
        assert b.household_set.count() == b.households


def test_grid_sizes_and_counts_follow_the_generated_people(default_sized: str) -> None:
    for grid in Area.objects.filter(level=Level.GRID):
        assert 300 <= grid.households <= 500
        assert grid.population <= 2500
        assert Person.objects.filter(grid=grid).count() == grid.population
        assert Household.objects.filter(grid=grid).count() == grid.households
    for parent_level, child_level in (
        (Level.COMMUNITY, Level.GRID),
        (Level.STREET, Level.COMMUNITY),
        (Level.DISTRICT, Level.STREET),
    ):
        for area in Area.objects.filter(level=parent_level):
            sums = Area.objects.filter(parent=area, level=child_level).aggregate(
                p=Sum("population"), h=Sum("households")
            )
            assert (area.population, area.households) == (sums["p"], sums["h"])
    assert Area.objects.get(level=Level.DISTRICT).population == 5000


def test_households_and_ages_are_plausible(default_sized: str) -> None:
    sizes = Household.objects.annotate(n=Count("members")).values_list("n", flat=True)
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert Person.objects.filter(is_head=True).count() == Household.objects.count()
    assert not Household.objects.annotate(n=Count("members")).filter(n=0).exists()
    people = Person.objects.count()
    old = Person.objects.filter(birth_date__lte=dt.date(REFERENCE_DATE.year - 60, 1, 1)).count()
    assert 0.15 <= old / people <= 0.25
    men = Person.objects.filter(sex=Person.Sex.MALE).count()
    assert 0.45 <= men / people <= 0.55
    assert all(2 <= len(n) <= 4 for n in Person.objects.values_list("name", flat=True))


def test_grid_codes_run_west_to_east_then_north_to_south(default_sized: str) -> None:
    half_row = geometry.CELL_DLAT / 2
    for community in Area.objects.filter(level=Level.COMMUNITY):
        grids = list(Area.objects.filter(parent=community).order_by("code"))
        assert [g.code[-3:] for g in grids] == [f"{i:03d}" for i in range(1, len(grids) + 1)]
        for a, b in itertools.combinations(grids, 2):  # a has the smaller code
            (a_lon, a_lat), (b_lon, b_lat) = centre(a), centre(b)
            if abs(a_lat - b_lat) > half_row:
                assert a_lat > b_lat  # a row further north
            else:
                assert a_lon < b_lon  # same row, further west
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("code"))
    assert centre(communities[0])[0] < centre(communities[1])[0]


@pytest.mark.django_db
def test_if_empty_does_nothing_when_areas_exist() -> None:
    seed("--seed", "1", *SMALL)
    before = snapshot()
    out = seed("--if-empty", *SMALL)
    assert snapshot() == before
    assert "already exists" in out
    assert "secretary" in out
    assert DEFAULT_PASSWORD in out
    with pytest.raises(CommandError, match="Areas already exist"):
        seed(*SMALL)
    assert snapshot() == before


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database() -> None:
    out = seed("--if-empty", *SMALL)
    assert "Demo written" in out
    assert Person.objects.count() == 600


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(CommandError):
        seed("--password", "password", *SMALL)
    assert not Area.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_taken_usernames_are_refused_and_nothing_is_written() -> None:
    User.objects.create_user(username="secretary", password=DEFAULT_PASSWORD)
    with pytest.raises(CommandError, match="secretary"):
        seed(*SMALL)
    assert not Area.objects.exists()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_demo_accounts_hold_one_role_each_and_can_log_in() -> None:
    out = seed("--seed", "1", *SMALL)
    community1 = Area.objects.get(code="330106001001000")
    grid1 = Area.objects.get(code="330106001001001")
    district = Area.objects.get(code="330106000000000")
    street = Area.objects.get(code="330106001000000")
    bindings = {
        b.user.username: (b.role, b.area)
        for b in RoleBinding.objects.select_related("user", "area")
    }
    assert bindings == {
        "admin": ("admin", district),
        "district": ("district_staff", district),
        "street": ("street_staff", street),
        "secretary": ("community_secretary", community1),
        "staff": ("community_staff", community1),
        "gridworker": ("grid_worker", grid1),
        "dept": ("department_staff", district),
        "resident": ("resident", grid1),
    }
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
        "admin"
    ]
    for username in bindings:
        assert username in out
        user = User.objects.get(username=username)
        validate_password(DEFAULT_PASSWORD, user)  # passes the staff policy
        client = Client()
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302, username
        assert response.headers["Location"] == reverse("web:home")
        assert client.get(reverse("web:home")).status_code == 200
