"""The registry data a run uses, read once when the run starts and stored with it.

Residents (age, household, building, grid, community, vulnerable flag, need kind), buildings
with coordinates and residents (the grid centroid stands in for households without a building
or buildings without coordinates), shelters with a capacity, and depot stock by item. Stored as
a compressed npz (no pickle), so a re-run shows exactly what data it used.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.core.errors import ValidationFailed
from resigrid.people.choices import Need
from resigrid.people.models import EmergencyNeed, Person, Vulnerability
from resigrid.resources.choices import FacilityKind, FacilityStatus
from resigrid.resources.models import DepotItem, Facility
from resigrid.sim.engine.population import (
    NEED_MEDICINE,
    NEED_MOBILITY,
    NEED_OXYGEN,
    Population,
)

NEED_KIND: dict[str, int] = {
    Need.MEDICINES: NEED_MEDICINE,
    Need.MOBILITY: NEED_MOBILITY,
    Need.OXYGEN: NEED_OXYGEN,
}


@dataclass(frozen=True)
class Snapshot:
    # people
    age: npt.NDArray[np.int16]
    household: npt.NDArray[np.int64]
    building: npt.NDArray[np.int64]  # a building id, or −household id when it has none
    grid: npt.NDArray[np.int64]
    community: npt.NDArray[np.int64]
    vulnerable: npt.NDArray[np.bool_]
    need: npt.NDArray[np.int8]
    # buildings (one row per id used by people; negative ids sit at their grid's centroid)
    bld_id: npt.NDArray[np.int64]
    bld_name: npt.NDArray[np.str_]
    bld_lon: npt.NDArray[np.float64]
    bld_lat: npt.NDArray[np.float64]
    bld_grid: npt.NDArray[np.int64]
    # grids of the area
    grid_id: npt.NDArray[np.int64]
    grid_name: npt.NDArray[np.str_]
    grid_lon: npt.NDArray[np.float64]
    grid_lat: npt.NDArray[np.float64]
    # shelters in service with a capacity
    shelter_id: npt.NDArray[np.int64]
    shelter_name: npt.NDArray[np.str_]
    shelter_lon: npt.NDArray[np.float64]
    shelter_lat: npt.NDArray[np.float64]
    shelter_capacity: npt.NDArray[np.int64]
    # depot stock: item code and name, available quantity, the depot's grid (0 = central)
    stock_code: npt.NDArray[np.str_]
    stock_name: npt.NDArray[np.str_]
    stock_unit: npt.NDArray[np.str_]
    stock_qty: npt.NDArray[np.float64]
    stock_grid: npt.NDArray[np.int64]

    def counts(self) -> dict[str, int]:
        return {
            "residents": int(self.age.size),
            "households": int(np.unique(self.household).size),
            "buildings": int((self.bld_id > 0).sum()),
            "grids": int(self.grid_id.size),
            "vulnerable": int(self.vulnerable.sum()),
            "shelters": int(self.shelter_id.size),
            "stock_rows": int(self.stock_qty.size),
        }

    def population(self) -> Population:
        return Population.from_arrays(
            age=self.age,
            household=self.household,
            building=self.building,
            grid=self.grid,
            community=self.community,
            vulnerable=self.vulnerable,
            need=self.need,
        )

    def grid_names(self) -> dict[int, str]:
        return {int(k): str(v) for k, v in zip(self.grid_id, self.grid_name, strict=True)}

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **{f.name: getattr(self, f.name) for f in fields(self)})
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Snapshot:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as npz:
            return cls(**{f.name: npz[f.name] for f in fields(cls)})


def _age(birth: dt.date, today: dt.date) -> int:
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return min(max(years, 0), 120)


def _centre(lon: float | None, lat: float | None, boundary: Any) -> tuple[float | None, ...]:
    """The stored centroid, else a point inside the boundary (areas written without one)."""
    if lon is not None and lat is not None:
        return lon, lat
    if boundary:
        point = shape(boundary).representative_point()
        return float(point.x), float(point.y)
    return None, None


def _strings(values: list[str]) -> npt.NDArray[np.str_]:
    return np.array(values, dtype=np.str_) if values else np.zeros(0, dtype="<U1")


def take(area: Area, today: dt.date | None = None) -> Snapshot:
    """Read the registry below `area`; `ValidationFailed` when nobody lives there."""
    today = today or timezone.localdate()
    prefix = area.scope_prefix
    rows = list(
        Area.objects.filter(code__startswith=prefix, level=Level.GRID)
        .order_by("pk")
        .values_list("pk", "name", "parent_id", "centroid_lon", "centroid_lat", "boundary")
    )
    grids: list[tuple[Any, ...]] = [(*g[:3], *_centre(g[3], g[4], g[5])) for g in rows]
    people = list(
        Person.objects.filter(grid__code__startswith=prefix)
        .current(today)
        .order_by("pk")
        .values_list("pk", "household_id", "building_id", "grid_id", "birth_date")
    )
    if not people:
        raise ValidationFailed(
            _("%(area)s has no residents in the registry: there is nobody to simulate.")
            % {"area": area.name},
            field="area",
            errors={"area": [_("This area has no residents in the registry.")]},
        )
    person_ids = [p[0] for p in people]
    vulnerable_ids = set(
        Vulnerability.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    need_of: dict[int, int] = {}
    for pid, need in EmergencyNeed.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "need"
    ):
        kind = NEED_KIND.get(need, 0)
        need_of[pid] = max(need_of.get(pid, 0), kind)  # oxygen > mobility > medicines
    grid_parent = {g[0]: (g[2] or g[0]) for g in grids}
    grid_xy = {g[0]: (g[3], g[4]) for g in grids}
    n = len(people)
    building = np.array([b if b else -h for _pk, h, b, _g, _d in people], dtype=np.int64)
    grid = np.array([p[3] for p in people], dtype=np.int64)
    snap_bld = {
        b.pk: b
        for b in Building.objects.filter(pk__in={int(x) for x in building if x > 0}).only(
            "pk", "name", "lon", "lat", "grid_id"
        )
    }
    bld_ids = sorted({int(x) for x in building})
    bld_grid = {int(b): int(g) for b, g in zip(building, grid, strict=True)}

    def where(b: int) -> tuple[float, float]:
        row = snap_bld.get(b)
        if row is not None and row.lon is not None and row.lat is not None:
            return float(row.lon), float(row.lat)
        lon, lat = grid_xy.get(bld_grid[b], (None, None))
        return (float(lon), float(lat)) if lon is not None and lat is not None else (np.nan, np.nan)

    coords = [where(b) for b in bld_ids]
    shelters = list(
        Facility.objects.filter(
            area__code__startswith=prefix,
            kind=FacilityKind.SHELTER,
            status=FacilityStatus.IN_SERVICE,
            capacity__gt=0,
        )
        .order_by("pk")
        .values_list("pk", "name", "lon", "lat", "capacity")
    )
    stock = list(
        DepotItem.objects.filter(depot__area__code__startswith=prefix)
        .with_balances()
        .order_by("pk")
        .values_list(  # type: ignore[misc]  # `available` is an annotation
            "item__code",
            "item__name",
            "item__uom",
            "available",
            "depot__area_id",
            "depot__area__level",
        )
    )
    return Snapshot(
        age=np.array([_age(p[4], today) for p in people], dtype=np.int16),
        household=np.array([p[1] for p in people], dtype=np.int64),
        building=building,
        grid=grid,
        community=np.array([grid_parent.get(g, g) for g in grid.tolist()], dtype=np.int64),
        vulnerable=np.array([p[0] in vulnerable_ids for p in people], dtype=np.bool_),
        need=np.array([need_of.get(p[0], 0) for p in people], dtype=np.int8).reshape(n),
        bld_id=np.array(bld_ids, dtype=np.int64),
        bld_name=_strings(
            [
                snap_bld[b].name if b in snap_bld else _("Household %(n)s") % {"n": -b}
                for b in bld_ids
            ]
        ),
        bld_lon=np.array([c[0] for c in coords], dtype=np.float64),
        bld_lat=np.array([c[1] for c in coords], dtype=np.float64),
        bld_grid=np.array([bld_grid[b] for b in bld_ids], dtype=np.int64),
        grid_id=np.array([g[0] for g in grids], dtype=np.int64),
        grid_name=_strings([g[1] for g in grids]),
        grid_lon=np.array([np.nan if g[3] is None else g[3] for g in grids], dtype=np.float64),
        grid_lat=np.array([np.nan if g[4] is None else g[4] for g in grids], dtype=np.float64),
        shelter_id=np.array([s[0] for s in shelters], dtype=np.int64),
        shelter_name=_strings([s[1] for s in shelters]),
        shelter_lon=np.array([s[2] for s in shelters], dtype=np.float64),
        shelter_lat=np.array([s[3] for s in shelters], dtype=np.float64),
        shelter_capacity=np.array([s[4] for s in shelters], dtype=np.int64),
        stock_code=_strings([s[0] for s in stock]),
        stock_name=_strings([s[1] for s in stock]),
        stock_unit=_strings([s[2] for s in stock]),
        stock_qty=np.array([max(float(s[3]), 0.0) for s in stock], dtype=np.float64),
        stock_grid=np.array([s[4] if s[5] == Level.GRID else 0 for s in stock], dtype=np.int64),
    )


def describe(counts: dict[str, Any]) -> str:
    return _(
        "%(residents)s residents in %(households)s households, %(buildings)s buildings, "
        "%(grids)s grids, %(vulnerable)s vulnerable, %(shelters)s shelters, "
        "%(stock_rows)s stock lines"
    ) % {
        k: counts.get(k, 0)
        for k in (
            "residents",
            "households",
            "buildings",
            "grids",
            "vulnerable",
            "shelters",
            "stock_rows",
        )
    }
