"""Reads shared by the resources API, pages and ledgers: scoped lists, balances and warnings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core import pii
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.resources.choices import FacilityKind
from resigrid.resources.models import Batch, Depot, DepotItem, Facility, StockMovement
from resigrid.resources.permissions import can_edit_resources, can_move_stock

NEAR_EXPIRY_DAYS = 30
PAGE_SIZE = 50


def q2(value: Any) -> Decimal:
    """Sums come back as 10, 10.0 or 10.00 depending on the database: one form for all."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def today() -> dt.date:
    return timezone.localdate()


def area_for_write(user: Any, code: str, field: str = "area_code") -> Area:
    """The area a write targets: 403 outside the caller's view, 422 when no such code."""
    if not covers(user, code, Perm.VIEW_RESOURCES):
        raise PermissionDeniedError(_("You may not add or move records here."))
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise fail(field, _("No area has the code %(code)s.") % {"code": code})
    return area


def depot_or_404(user: Any, pk: int) -> Depot:
    depot = Depot.objects.visible_to(user).select_related("area", "manager").filter(pk=pk).first()
    if depot is None:
        raise NotFoundError(_("No such depot."))
    return depot


def facility_or_404(user: Any, pk: int) -> Facility:
    facility = Facility.objects.visible_to(user).select_related("area").filter(pk=pk).first()
    if facility is None:
        raise NotFoundError(_("No such facility."))
    return facility


def depots_for(user: Any, area_code: str | None = None) -> QuerySet[Depot]:
    qs = Depot.objects.visible_to(user).select_related("area", "manager")
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        qs = qs.filter(area__code__startswith=area.scope_prefix) if area else qs.none()
    return qs.order_by("area__code", "name")


def warning_counts(user: Any, day: dt.date) -> tuple[Counter[int], Counter[int]]:
    """Per depot id: how many items are low and how many batches near expiry."""
    low = Counter(DepotItem.objects.visible_to(user).low().values_list("depot_id", flat=True))
    near = Counter(
        Batch.objects.visible_to(user)
        .near_expiry(day, NEAR_EXPIRY_DAYS)
        .values_list("depot_id", flat=True)
    )
    return low, near


def masked_contact(depot: Depot) -> str:
    if not depot.contact_phone_enc:
        return ""
    return pii.mask_phone(pii.decrypt(depot.contact_phone_enc))


def depot_out(
    user: Any, depot: Depot, low: Counter[int], near: Counter[int], phone: str | None = None
) -> dict[str, Any]:
    manager = depot.manager
    return {
        "id": depot.pk,
        "name": depot.name,
        "area_code": depot.area.code,
        "area_name": depot.area.name,
        "address": depot.address,
        "lon": depot.lon,
        "lat": depot.lat,
        "manager_id": depot.manager_id,
        "manager_name": (manager.full_name or manager.username) if manager else None,
        "contact_name": depot.contact_name,
        "contact_phone": masked_contact(depot) if phone is None else phone,
        "low_items": low.get(depot.pk, 0),
        "near_expiry_batches": near.get(depot.pk, 0),
        "can_edit": can_edit_resources(user, depot.area),
        "can_move_stock": can_move_stock(user, depot.area),
    }


def balances(depot: Depot, day: dt.date) -> list[dict[str, Any]]:
    """Every item the depot keeps, with on hand / reserved / available and its batches."""
    rows = DepotItem.objects.filter(depot=depot).select_related("item").with_balances()
    horizon = day + dt.timedelta(days=NEAR_EXPIRY_DAYS)
    batches: dict[int, list[dict[str, Any]]] = {}
    for b in Batch.objects.filter(depot=depot).with_on_hand().order_by("expiry", "number"):
        on_hand = q2(b.on_hand)  # type: ignore[attr-defined]
        if on_hand <= 0:
            continue
        batches.setdefault(b.item_id, []).append(
            {
                "id": b.pk,
                "number": b.number,
                "expiry": b.expiry,
                "on_hand": on_hand,
                "near_expiry": b.expiry is not None and b.expiry <= horizon,
            }
        )
    out = []
    for r in rows.order_by("item__category", "item__code"):
        available = q2(r.available)  # type: ignore[attr-defined]
        out.append(
            {
                "item_id": r.item_id,
                "item_code": r.item.code,
                "item_name": r.item.name,
                "category": r.item.category,
                "uom": r.item.uom,
                "on_hand": q2(r.on_hand),  # type: ignore[attr-defined]
                "reserved": q2(r.reserved),  # type: ignore[attr-defined]
                "available": available,
                "min_level": r.min_level,
                "low": available < r.min_level,
                "batches": batches.get(r.item_id, []),
            }
        )
    return out


def movement_out(m: StockMovement) -> dict[str, Any]:
    by = m.by
    return {
        "id": m.pk,
        "depot_id": m.depot_id,
        "item_id": m.item_id,
        "item_name": m.item.name,
        "batch_number": m.batch.number if m.batch else None,
        "kind": m.kind,
        "increase": m.increase,
        "quantity": m.quantity,
        "reason": m.reason,
        "reference": m.reference,
        "by": (by.full_name or by.username) if by else None,
        "at": m.at,
    }


def movements(depot: Depot, item_id: int | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.filter(depot=depot).select_related("item", "batch", "by")
    if item_id is not None:
        qs = qs.filter(item_id=item_id)
    return qs.order_by("-at", "-id")


def low_stock(user: Any) -> list[dict[str, Any]]:
    rows = DepotItem.objects.visible_to(user).low().select_related("depot", "item")
    return [
        {
            "depot_id": r.depot_id,
            "depot_name": r.depot.name,
            "item_id": r.item_id,
            "item_code": r.item.code,
            "item_name": r.item.name,
            "uom": r.item.uom,
            "available": q2(r.available),  # type: ignore[attr-defined]
            "min_level": r.min_level,
        }
        for r in rows.order_by("depot__area__code", "depot__name", "item__code")
    ]


def near_expiry(user: Any, day: dt.date, days: int = NEAR_EXPIRY_DAYS) -> list[dict[str, Any]]:
    rows = Batch.objects.visible_to(user).near_expiry(day, days).select_related("depot", "item")
    return [
        {
            "depot_id": b.depot_id,
            "depot_name": b.depot.name,
            "item_id": b.item_id,
            "item_name": b.item.name,
            "uom": b.item.uom,
            "batch_id": b.pk,
            "batch_number": b.number,
            "expiry": b.expiry,
            "on_hand": q2(b.on_hand),  # type: ignore[attr-defined]
            "days_left": (b.expiry - day).days if b.expiry else 0,
        }
        for b in rows.order_by("expiry", "depot__name", "number")
    ]


def facilities_for(
    user: Any,
    *,
    kind: str | None = None,
    status: str | None = None,
    area_code: str | None = None,
) -> QuerySet[Facility]:
    qs = Facility.objects.visible_to(user).select_related("area")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        qs = qs.filter(area__code__startswith=area.scope_prefix) if area else qs.none()
    return qs.order_by("area__code", "kind", "name", "pk")


def facility_out(user: Any, f: Facility) -> dict[str, Any]:
    return {
        "id": f.pk,
        "kind": f.kind,
        "kind_label": str(FacilityKind(f.kind).label),
        "name": f.name,
        "area_code": f.area.code,
        "area_name": f.area.name,
        "address": f.address,
        "lon": f.lon,
        "lat": f.lat,
        "status": f.status,
        "capacity": f.capacity,
        "occupancy": f.occupancy,
        "floor_area_m2": f.floor_area_m2,
        "amenities": list(f.amenities or []),
        "last_inspected": f.last_inspected,
        "note": f.note,
        "can_edit": can_edit_resources(user, f.area),
    }


def map_layer(user: Any, day: dt.date) -> dict[str, Any]:
    """Depots and facilities as one GeoJSON FeatureCollection of points (for the map page)."""
    low, near = warning_counts(user, day)
    features: list[dict[str, Any]] = []
    for d in depots_for(user):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [d.lon, d.lat]},
                "properties": {
                    "id": d.pk,
                    "layer": "depot",
                    "kind": "depot",
                    "kind_label": _("Depot"),
                    "name": d.name,
                    "area_name": d.area.name,
                    "status": "",
                    "low_items": low.get(d.pk, 0),
                    "near_expiry_batches": near.get(d.pk, 0),
                },
            }
        )
    for f in facilities_for(user):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                "properties": {
                    "id": f.pk,
                    "layer": "facility",
                    "kind": f.kind,
                    "kind_label": str(FacilityKind(f.kind).label),
                    "name": f.name,
                    "area_name": f.area.name,
                    "status": f.status,
                    "capacity": f.capacity,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
