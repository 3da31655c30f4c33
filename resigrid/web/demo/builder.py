"""Writes the demo community: the area tree, buildings, households, residents and one account per
role. Operator tooling: bulk inserts inside one transaction, one grid at a time so that memory
stays flat whatever the number of residents.

Sizing rule (REFERENCE.md: a comprehensive grid holds about 300–500 households and usually no
more than 2,000–2,500 residents). With a mean household of 2.53 people, `residents` make about
H = residents / 2.53 households. Without `--grids` the demo uses round(H / 400) grids (about 400
households and 1,000 residents each). An explicit `--grids` is honoured unless it would put more
than 500 households in a grid; then the count grows to ceil(H / 500). There is always at least
one grid per community, and at most 999 per community (the code has three digits).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import reset_queries, transaction
from django.utils import timezone
from shapely.geometry import shape

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Role
from resigrid.areas import geometry as area_geometry
from resigrid.areas.codes import Level, child_code
from resigrid.areas.models import Area, Building
from resigrid.orgs.models import Unit, UnitAccount
from resigrid.people.models import Household, Person, Volunteer
from resigrid.web.demo import geometry, population
from resigrid.web.demo.alerts import seed_alerts
from resigrid.web.demo.cases import seed_cases
from resigrid.web.demo.monitoring import seed_monitoring
from resigrid.web.demo.names import ROAD_NAMES, community_name, full_name, grid_name
from resigrid.web.demo.orgs_resources import seed_orgs_resources
from resigrid.web.demo.people_registry import seed_people_registry
from resigrid.web.demo.registers import DISTRICT_UNITS, STREET_UNITS, seed_registers
from resigrid.web.demo.response import seed_response
from resigrid.web.demo.sim import seed_sim

DISTRICT_CODE = "330106000000000"
DISTRICT_NAME = "韧网示范区"
STREET_NAME = "和平街道"
DEFAULT_PASSWORD = "Resigrid@2026"  # noqa: S105 - documented demo password
TARGET_HOUSEHOLDS_PER_GRID = 400
MAX_HOUSEHOLDS_PER_GRID = 500
MAX_GRIDS_PER_COMMUNITY = 999
PEOPLE_BATCH = 2000


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    level: Level  # which area the role is bound to: the district, street, community 1 or grid 1
    superuser: bool = False


ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, Level.DISTRICT, superuser=True),
    DemoAccount("district", Role.DISTRICT_STAFF, Level.DISTRICT),
    DemoAccount("street", Role.STREET_STAFF, Level.STREET),
    DemoAccount("secretary", Role.COMMUNITY_SECRETARY, Level.COMMUNITY),
    DemoAccount("staff", Role.COMMUNITY_STAFF, Level.COMMUNITY),
    DemoAccount("gridworker", Role.GRID_WORKER, Level.GRID),
    DemoAccount("dept", Role.DEPARTMENT_STAFF, Level.DISTRICT),
    DemoAccount("resident", Role.RESIDENT, Level.GRID),
)


@dataclass
class DemoSummary:
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    households: int = 0
    people: int = 0
    registry: dict[str, int] = field(default_factory=dict)  # rows written by the registry seeders
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, area


def rng_for(*parts: object) -> random.Random:
    """A generator seeded from a string: stable across runs, processes and Python versions."""
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data, not secrets


class DemoError(Exception):
    """The demo cannot be written (bad options, taken usernames, weak password)."""


def grid_count(*, residents: int, communities: int, grids: int | None) -> int:
    households = residents / population.MEAN_HOUSEHOLD_SIZE
    if grids is None:
        n = round(households / TARGET_HOUSEHOLDS_PER_GRID)
    else:
        n = max(grids, math.ceil(households / MAX_HOUSEHOLDS_PER_GRID))
    return max(n, communities, 1)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, area name) of the demo accounts present in the database."""
    rows = (
        RoleBinding.objects.filter(user__username__in=[a.username for a in ACCOUNTS])
        .select_related("user", "area")
        .order_by("pk")
    )
    return [(b.user.username, str(b.get_role_display()), b.area.name) for b in rows]


def check_password(password: str) -> None:
    """The demo password must pass the staff policy (checked before anything is written)."""
    from django.core.exceptions import ValidationError

    for account in ACCOUNTS:
        try:
            validate_password(password, User(username=account.username, is_staff=True))
        except ValidationError as exc:
            raise DemoError(" ".join(exc.messages)) from exc


def build_demo(
    *,
    seed: int,
    communities: int,
    grids: int | None,
    residents: int,
    password: str,
    on_people: Callable[[int], object] | None = None,
) -> DemoSummary:
    """Write the whole demo in one transaction; `on_people(n)` reports progress."""
    if communities < 1 or communities > 999:
        raise DemoError("--communities must be between 1 and 999.")
    if residents < 0:
        raise DemoError("--residents must not be negative.")
    n_grids = grid_count(residents=residents, communities=communities, grids=grids)
    if n_grids > communities * MAX_GRIDS_PER_COMMUNITY:
        raise DemoError("Too many grids for the communities: raise --communities.")
    check_password(password)
    taken = list(
        User.objects.filter(username__in=[a.username for a in ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    if taken:
        raise DemoError(f"Demo usernames already taken: {', '.join(sorted(taken))}.")

    rng = rng_for("resigrid-demo", seed)
    cells = geometry.build_cells(rng, n_grids)
    per_community = geometry.split_counts(rng, n_grids, communities, 0.2)
    per_community = [max(1, c) for c in per_community]
    per_community[-1] = n_grids - sum(per_community[:-1])
    people_per_grid = geometry.split_counts(rng, residents, n_grids, 0.15)

    summary = DemoSummary(communities=communities, grids=n_grids)
    with transaction.atomic():
        tree = _write_areas(seed, cells, per_community, people_per_grid)
        for grid, people, sizes in tree.grids:
            counts = _write_grid(seed, grid, people, sizes, on_people)
            summary.buildings += counts[0]
            summary.households += counts[1]
            summary.people += counts[2]
            reset_queries()  # DEBUG keeps every statement; the demo writes millions of rows
        grid_ids = [grid.pk for grid, _residents, _sizes in tree.grids]
        summary.registry.update(seed_people_registry(seed=seed, grid_ids=grid_ids))
        volunteer_ids = list(
            Volunteer.objects.filter(person__grid_id__in=grid_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        summary.registry.update(
            seed_orgs_resources(
                seed=seed,
                community_ids=[c.pk for c in tree.communities],
                grid_ids=grid_ids,
                volunteer_ids=volunteer_ids,
            )
        )
        summary.registry.update(
            seed_registers(
                seed=seed,
                district_id=tree.district.pk,
                street_id=tree.street.pk,
                community_ids=[c.pk for c in tree.communities],
            )
        )
        _write_accounts(seed, tree, password)
        _link_unit_accounts(tree)
        summary.registry.update(
            seed_cases(rng=rng_for(seed, "cases"), now=timezone.now(), grid_ids=grid_ids)
        )
        summary.registry.update(
            seed_monitoring(seed=seed, community_ids=[c.pk for c in tree.communities])
        )
        summary.registry.update(seed_alerts(seed=seed, street_id=tree.street.pk))
        response_counts = seed_response(
            seed=seed, street_id=tree.street.pk, community_ids=[c.pk for c in tree.communities]
        )
        # A response count never overwrites an earlier step's count of the same name ("units").
        for what, n in response_counts.items():
            summary.registry[what if what not in summary.registry else f"{what} (response)"] = n
        summary.registry.update(seed_sim(community_id=tree.communities[0].pk))
    summary.logins = demo_logins()
    return summary


@dataclass
class _Tree:
    district: Area
    street: Area
    communities: list[Area]
    grids: list[tuple[Area, int, list[int]]]  # grid, residents, household sizes


def _area(code: str, name: str, level: Level, parent: Area | None, geo: dict[str, Any]) -> Area:
    # The areas app's own measures, so that the demo agrees with areas saved through services.
    geom = shape(geo)
    lon, lat = area_geometry.centroid(geom)
    return Area(
        code=code,
        name=name,
        level=level,
        parent=parent,
        boundary=geo,
        centroid_lon=round(lon, geometry.DIGITS),
        centroid_lat=round(lat, geometry.DIGITS),
        area_m2=round(area_geometry.area_m2(geom), 1),
        grid_kind=Area.GridKind.COMPREHENSIVE if level == Level.GRID else "",
    )


def _write_areas(
    seed: int,
    cells: list[geometry.Cell],
    per_community: list[int],
    people_per_grid: list[int],
) -> _Tree:
    street_geo = geometry.union([c.geojson for c in cells])
    district = _area(
        DISTRICT_CODE, DISTRICT_NAME, Level.DISTRICT, None, geometry.box_around(street_geo, 0.4)
    )
    street_code = child_code(DISTRICT_CODE, Level.DISTRICT, 1)
    street = _area(street_code, STREET_NAME, Level.STREET, district, street_geo)
    communities: list[Area] = []
    grid_rows: list[tuple[Area, int, list[int]]] = []
    start = 0
    for ci, count in enumerate(per_community):
        mine = cells[start : start + count]
        people = people_per_grid[start : start + count]
        start += count
        cname = community_name(ci)
        community = _area(
            child_code(street_code, Level.STREET, ci + 1),
            cname,
            Level.COMMUNITY,
            None,
            geometry.union([c.geojson for c in mine]),
        )
        communities.append(community)
        # Grids are numbered north→south by row, west→east within a row (REFERENCE.md).
        ordered = sorted(zip(mine, people, strict=True), key=lambda cp: (cp[0].row, cp[0].col))
        for gi, (cell, residents) in enumerate(ordered):
            code = child_code(community.code, Level.COMMUNITY, gi + 1)
            grid = _area(code, grid_name(cname, gi + 1), Level.GRID, community, cell.geojson)
            sizes = population.household_sizes(rng_for(seed, code, "sizes"), residents)
            grid.population = residents
            grid.households = len(sizes)
            grid_rows.append((grid, residents, sizes))
        community.population = sum(r for _g, r, _s in grid_rows[-count:])
        community.households = sum(len(s) for _g, _r, s in grid_rows[-count:])
    street.population = district.population = sum(c.population for c in communities)
    street.households = district.households = sum(c.households for c in communities)

    district.save()
    street.parent = district
    street.save()
    for community in communities:
        community.parent = street
    Area.objects.bulk_create(communities)
    by_code = {c.code: c for c in communities}
    for grid, _r, _s in grid_rows:
        grid.parent = by_code[grid.code[:12] + "000"]
    Area.objects.bulk_create([g for g, _r, _s in grid_rows], batch_size=500)
    return _Tree(district, street, communities, grid_rows)


def _write_grid(
    seed: int,
    grid: Area,
    residents: int,
    sizes: list[int],
    on_people: Callable[[int], object] | None,
) -> tuple[int, int, int]:
    rng = rng_for(seed, grid.code)
    corners = (grid.boundary or {})["coordinates"][0][:4]
    cell = geometry.Cell(row=0, col=0, corners=tuple((p[0], p[1]) for p in corners))
    road = ROAD_NAMES[int(grid.code[9:12]) % len(ROAD_NAMES)]
    splits = population.building_split(rng, len(sizes))
    buildings: list[Building] = []
    for bi, n_households in enumerate(splits):
        lon, lat = cell.point(rng.uniform(0.12, 0.88), rng.uniform(0.12, 0.88))
        buildings.append(
            Building(
                grid=grid,
                name=f"{bi + 1}幢",
                address=f"{road}{int(grid.code[12:]) * 20 + bi + 1}号",
                lon=lon,
                lat=lat,
                floors=population.floors_for(rng, n_households),
                households=n_households,
            )
        )
    Building.objects.bulk_create(buildings)

    households: list[Household] = []
    for building, count in zip(buildings, splits, strict=True):
        for room in population.rooms(building.floors, count):
            households.append(Household(grid=grid, building=building, room=room))
    Household.objects.bulk_create(households, batch_size=PEOPLE_BATCH)

    batch: list[Person] = []
    written = 0
    for household, size in zip(households, sizes, strict=True):
        for m in population.members(rng, size):
            batch.append(
                Person(
                    household=household,
                    grid=grid,
                    name=m.name,
                    sex=m.sex,
                    birth_date=m.birth_date,
                    is_head=m.is_head,
                )
            )
        if len(batch) >= PEOPLE_BATCH:
            written += _flush(batch, on_people)
    written += _flush(batch, on_people)
    return len(buildings), len(households), written


def _flush(batch: list[Person], on_people: Callable[[int], object] | None) -> int:
    n = len(batch)
    if n:
        Person.objects.bulk_create(batch, batch_size=PEOPLE_BATCH)
        batch.clear()
        if on_people is not None:
            on_people(n)
    return n


def _write_accounts(seed: int, tree: _Tree, password: str) -> None:
    rng = rng_for(seed, "accounts")
    # One hash for all: the password is shared and printed anyway, and hashing is slow on purpose.
    hashed = make_password(password)
    first_grid = tree.grids[0][0]
    bound = {
        Level.DISTRICT: tree.district,
        Level.STREET: tree.street,
        Level.COMMUNITY: tree.communities[0],
        Level.GRID: first_grid,
    }
    for account in ACCOUNTS:
        sex = rng.choice("MF")
        user = User(
            username=account.username,
            full_name=full_name(rng, sex),
            is_staff=account.superuser,
            is_superuser=account.superuser,
        )
        user.password = hashed
        user.save()
        RoleBinding.objects.create(user=user, area=bound[account.level], role=account.role)


def _link_unit_accounts(tree: _Tree) -> None:
    """`dept` acts for the district city-management bureau (it receives dispatched cases);
    `street` for the street's enforcement team (it answers whistles)."""
    short = tree.street.name.removesuffix("街道")
    links = {
        "dept": (tree.district, DISTRICT_UNITS["city"][0]),
        "street": (tree.street, f"{short}街道{STREET_UNITS['enforcement'][0]}"),
    }
    for username, (area, unit_name) in links.items():
        UnitAccount.objects.create(
            unit=Unit.objects.get(area=area, name=unit_name),
            user=User.objects.get(username=username),
        )
