"""Excel ledgers (台账) of supplies and facilities: the depots' stock (export) and the facilities
(template, dry-run import, atomic apply, export). Neither holds personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError
from resigrid.core.ledger import Column, Kind, LedgerSpec, parse, write_rows
from resigrid.orgs.ledgers import ImportReport
from resigrid.resources import reads
from resigrid.resources.choices import Amenity, FacilityKind, FacilityStatus, ItemCategory
from resigrid.resources.models import Depot, Facility
from resigrid.resources.permissions import can_import_resources, can_view_resources

STOCK = LedgerSpec(
    name="resources.stock",
    sheet_title=gettext_lazy("Stock"),
    columns=(
        Column("depot", gettext_lazy("Depot"), max_length=100),
        Column("area_code", gettext_lazy("Area code"), max_length=15),
        Column("item_code", gettext_lazy("Item code"), max_length=32),
        Column("item_name", gettext_lazy("Item"), max_length=100),
        Column("category", gettext_lazy("Category"), Kind.CHOICE, choices=ItemCategory),
        Column("uom", gettext_lazy("Unit of measure"), max_length=16),
        Column("batch", gettext_lazy("Batch number"), max_length=64),
        Column("expiry", gettext_lazy("Expiry date"), Kind.DATE),
        Column("on_hand", gettext_lazy("On hand"), Kind.DECIMAL, decimal_places=2),
        Column("reserved", gettext_lazy("Reserved"), Kind.DECIMAL, decimal_places=2),
        Column("available", gettext_lazy("Available"), Kind.DECIMAL, decimal_places=2),
        Column("min_level", gettext_lazy("Minimum level"), Kind.DECIMAL, decimal_places=2),
        Column("low", gettext_lazy("Below minimum"), Kind.BOOL),
        Column("near_expiry", gettext_lazy("Near expiry"), Kind.BOOL),
    ),
)


def _facility_rule(row: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if row.get("kind") != FacilityKind.SHELTER:
        for key in ("capacity", "floor_area_m2", "amenities"):
            if row.get(key):
                errors[key] = _("Only shelters have a capacity, an area and amenities.")
    lon, lat = row.get("lon"), row.get("lat")
    if lon is not None and not -180 <= lon <= 180:
        errors["lon"] = _("The longitude must be between -180 and 180.")
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = _("The latitude must be between -90 and 90.")
    return errors


FACILITIES = LedgerSpec(
    name="resources.facilities",
    sheet_title=gettext_lazy("Facilities"),
    columns=(
        Column("name", gettext_lazy("Name"), required=True, max_length=100,
               example="东湖小学应急避难场所"),
        Column("kind", gettext_lazy("Kind"), Kind.CHOICE, required=True, choices=FacilityKind,
               example="shelter"),
        Column("area_code", gettext_lazy("Grid code"), required=True, max_length=15,
               example="330106001001001"),
        Column("address", gettext_lazy("Address"), max_length=200, example="文三路100号"),
        Column("lon", gettext_lazy("Longitude"), Kind.DECIMAL, required=True, decimal_places=6,
               example="120.123456"),
        Column("lat", gettext_lazy("Latitude"), Kind.DECIMAL, required=True, decimal_places=6,
               example="30.123456"),
        Column("status", gettext_lazy("Status"), Kind.CHOICE, choices=FacilityStatus,
               example="in_service"),
        Column("capacity", gettext_lazy("Capacity (persons)"), Kind.INT, min_value=0,
               example=800),
        Column("floor_area_m2", gettext_lazy("Area (m²)"), Kind.DECIMAL, decimal_places=1,
               min_value=0, example=2400),
        Column("amenities", gettext_lazy("Amenities"), Kind.CHOICES, choices=Amenity,
               example="water"),
        Column("last_inspected", gettext_lazy("Last inspected"), Kind.DATE),
        Column("note", gettext_lazy("Note"), max_length=500),
    ),
    key=("area_code", "name"),
    row_validator=_facility_rule,
)  # fmt: skip


def export_stock(*, actor: Any, area: Area, request: Any = None) -> bytes:
    """One row per batch in stock (or per item without batches) of every visible depot."""
    if not can_view_resources(actor, area):
        raise PermissionDeniedError(_("You may not export this ledger here."))
    day = reads.today()
    depots = (
        Depot.objects.visible_to(actor)
        .filter(area__code__startswith=area.scope_prefix)
        .select_related("area")
        .order_by("area__code", "name")
    )

    def rows() -> Iterator[dict[str, Any]]:
        for depot in depots:
            for b in reads.balances(depot, day):
                base = {
                    "depot": depot.name,
                    "area_code": depot.area.code,
                    "item_code": b["item_code"],
                    "item_name": b["item_name"],
                    "category": b["category"],
                    "uom": b["uom"],
                    "min_level": b["min_level"],
                    "low": b["low"],
                }
                totals = {k: b[k] for k in ("on_hand", "reserved", "available")}
                if not b["batches"]:
                    yield base | totals | {"near_expiry": False}
                for batch in b["batches"]:
                    # Batch rows carry the batch's stock; the item totals are on the first row.
                    first = batch is b["batches"][0]
                    yield base | {
                        "batch": batch["number"],
                        "expiry": batch["expiry"],
                        "on_hand": batch["on_hand"],
                        "reserved": totals["reserved"] if first else None,
                        "available": totals["available"] if first else None,
                        "near_expiry": batch["near_expiry"],
                    }

    return write_rows(STOCK, rows(), unmask=True)


def export_facilities(*, actor: Any, area: Area, request: Any = None) -> bytes:
    if not can_view_resources(actor, area):
        raise PermissionDeniedError(_("You may not export this ledger here."))
    qs = reads.facilities_for(actor, area_code=area.code)
    rows = (
        {
            "name": f.name,
            "kind": f.kind,
            "area_code": f.area.code,
            "address": f.address,
            "lon": f.lon,
            "lat": f.lat,
            "status": f.status,
            "capacity": f.capacity,
            "floor_area_m2": f.floor_area_m2,
            "amenities": list(f.amenities or []),
            "last_inspected": f.last_inspected,
            "note": f.note,
        }
        for f in qs.iterator(chunk_size=1000)
    )
    return write_rows(FACILITIES, rows, unmask=True)


def import_facilities(
    *, actor: Any, area: Area, file: bytes | IO[bytes], dry_run: bool
) -> ImportReport:
    """Facilities into grids of the area's subtree; all rows checked, then all written or none."""
    if not can_import_resources(actor, area):
        raise PermissionDeniedError(_("You may not import ledgers into this area."))
    parsed = parse(FACILITIES, file)
    report = ImportReport(dry_run=dry_run, rows=len(parsed.rows) + parsed.rows_with_errors)
    report.errors, report.error_count = list(parsed.errors), parsed.error_count
    areas = {a.code: a for a in Area.objects.filter(code__startswith=area.scope_prefix)}
    existing = set(
        Facility.objects.filter(area__code__startswith=area.scope_prefix).values_list(
            "area__code", "name"
        )
    )
    for row in parsed.rows:
        code = row.values["area_code"]
        if code not in areas:
            outside = _("No area with this code inside %(area)s.") % {"area": area.name}
            report.add(FACILITIES, row.number, "area_code", outside)
        elif (code, row.values["name"]) in existing:
            taken = _("A facility with this name already exists here.")
            report.add(FACILITIES, row.number, "name", taken)
    report.errors.sort(key=lambda e: e.row_number)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        rows = [_facility(v, areas[v["area_code"]]) for v in parsed.values()]
        Facility.objects.bulk_create(rows, batch_size=1000)
        report.created = len(rows)
    return report


def _facility(v: Mapping[str, Any], area: Area) -> Facility:
    inspected: dt.date | None = v.get("last_inspected")
    area_m2 = v.get("floor_area_m2")
    return Facility(
        kind=v["kind"],
        name=v["name"],
        area=area,
        address=v.get("address") or "",
        lon=float(v["lon"]),
        lat=float(v["lat"]),
        status=v.get("status") or FacilityStatus.IN_SERVICE,
        capacity=v.get("capacity"),
        floor_area_m2=float(area_m2) if area_m2 else None,
        amenities=sorted(set(v.get("amenities") or [])),
        last_inspected=inspected,
        note=v.get("note") or "",
    )
