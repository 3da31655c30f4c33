"""Writes to depots, the item catalogue, minimum levels and facilities; the depot contact read.

Keyword-only, permission-checked, atomic. Stock itself changes only in `stock.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.resources.choices import Amenity, FacilityKind, FacilityStatus, ItemCategory
from resigrid.resources.models import Depot, DepotItem, Facility, Item
from resigrid.resources.permissions import (
    can_edit_catalogue,
    can_edit_resources,
    can_unmask_contact,
)
from resigrid.resources.stock import parse_level

DEPOT_FIELDS = frozenset(
    {"name", "area", "address", "lon", "lat", "manager", "contact_name", "contact_phone"}
)
ITEM_FIELDS = frozenset({"code", "name", "category", "uom", "tracks_expiry", "default_min_level"})
FACILITY_FIELDS = frozenset(
    {
        "kind",
        "name",
        "area",
        "address",
        "lon",
        "lat",
        "status",
        "capacity",
        "occupancy",
        "floor_area_m2",
        "amenities",
        "last_inspected",
        "note",
    }
)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _text(field: str, raw: Any, max_length: int, *, required: bool = True) -> str:
    value = str(raw or "").strip()
    if required and not value:
        raise _fail(field, _("This field is required."))
    if len(value) > max_length:
        raise _fail(field, _("At most %(n)d characters are allowed.") % {"n": max_length})
    return value


def _check_point(lon: Any, lat: Any) -> None:
    if lon is None or not -180 <= float(lon) <= 180:
        raise _fail("lon", _("The longitude must be between -180 and 180."))
    if lat is None or not -90 <= float(lat) <= 90:
        raise _fail("lat", _("The latitude must be between -90 and 90."))


def _unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise _fail(sorted(unknown)[0], _("Unknown field."))


# Depots -------------------------------------------------------------------------------------


def _clean_depot(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if "name" in clean:
        clean["name"] = _text("name", clean["name"], 100)
    if "address" in clean:
        clean["address"] = _text("address", clean["address"], 200, required=False)
    if "contact_name" in clean:
        clean["contact_name"] = _text("contact_name", clean["contact_name"], 64, required=False)
    if "contact_phone" in clean:
        phone = clean.pop("contact_phone")
        if phone:
            value = pii.normalise_phone(phone, field="contact_phone")
            clean["contact_phone_enc"] = pii.encrypt(value)
            clean["contact_phone_hash"] = pii.keyed_hash(value)
        else:
            clean["contact_phone_enc"] = clean["contact_phone_hash"] = None
    return clean


def create_depot(
    *, actor: Any, area: Area, name: str, lon: float, lat: float, **fields: Any
) -> Depot:
    _unknown(fields, DEPOT_FIELDS)
    if not can_edit_resources(actor, area):
        raise PermissionDeniedError(_("You may not add depots in this area."))
    _check_point(lon, lat)
    clean = _clean_depot({"name": name, **fields})
    with transaction.atomic():
        if Depot.objects.filter(area=area, name=clean["name"]).exists():
            raise _fail("name", _("A depot with this name already exists in this area."))
        return Depot.objects.create(area=area, lon=lon, lat=lat, **clean)


def update_depot(*, actor: Any, depot: Depot, changes: dict[str, Any]) -> Depot:
    _unknown(changes, DEPOT_FIELDS)
    if not can_edit_resources(actor, depot.area):
        raise PermissionDeniedError(_("You may not change this depot."))
    area = changes.get("area", depot.area)
    if area != depot.area and not can_edit_resources(actor, area):
        raise PermissionDeniedError(_("You may not move depots into this area."))
    _check_point(changes.get("lon", depot.lon), changes.get("lat", depot.lat))
    clean = _clean_depot(changes)
    with transaction.atomic():
        name = clean.get("name", depot.name)
        if Depot.objects.filter(area=area, name=name).exclude(pk=depot.pk).exists():
            raise _fail("name", _("A depot with this name already exists in this area."))
        for key, value in clean.items():
            setattr(depot, key, value)
        depot.save()
        return depot


def depot_contact_phone(
    *, actor: Any, depot: Depot, unmask: bool = False, request: HttpRequest | None = None
) -> str:
    """The depot contact's phone, masked unless asked and allowed (then logged)."""
    if not depot.contact_phone_enc:
        return ""
    phone = pii.decrypt(depot.contact_phone_enc)
    if not unmask:
        return pii.mask_phone(phone)
    if not can_unmask_contact(actor, depot.area):
        raise PermissionDeniedError(_("You may not see full phone numbers."))
    record_personal_data_access(
        user=actor,
        action=PersonalDataAccess.Action.UNMASKED_READ,
        subject="resources.depot",
        object_ids=[depot.pk],
        fields=["contact_phone"],
        row_count=1,
        scope=depot.area.code,
        request=request,
    )
    return phone


def set_min_level(
    *, actor: Any, depot: Depot, item: Item, min_level: Decimal | float | int | str
) -> DepotItem:
    if not can_edit_resources(actor, depot.area):
        raise PermissionDeniedError(_("You may not change this depot."))
    level = parse_level(min_level, "min_level")
    with transaction.atomic():
        row, _created = DepotItem.objects.update_or_create(
            depot=depot, item=item, defaults={"min_level": level}
        )
        return row


# Catalogue ----------------------------------------------------------------------------------


def _clean_item(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if "code" in clean:
        clean["code"] = _text("code", clean["code"], 32).upper()
    if "name" in clean:
        clean["name"] = _text("name", clean["name"], 100)
    if "uom" in clean:
        clean["uom"] = _text("uom", clean["uom"], 16)
    if "category" in clean and clean["category"] not in ItemCategory.values:
        raise _fail("category", _("Unknown category: %(c)s.") % {"c": clean["category"]})
    if "default_min_level" in clean:
        clean["default_min_level"] = parse_level(clean["default_min_level"], "default_min_level")
    return clean


def create_item(
    *, actor: Any, code: str, name: str, category: str, uom: str, **fields: Any
) -> Item:
    _unknown(fields, ITEM_FIELDS)
    if not can_edit_catalogue(actor):
        raise PermissionDeniedError(_("You may not change the item catalogue."))
    clean = _clean_item({"code": code, "name": name, "category": category, "uom": uom, **fields})
    with transaction.atomic():
        if Item.objects.filter(code=clean["code"]).exists():
            raise _fail("code", _("An item with this code already exists."))
        return Item.objects.create(**clean)


def update_item(*, actor: Any, item: Item, changes: dict[str, Any]) -> Item:
    _unknown(changes, ITEM_FIELDS)
    if not can_edit_catalogue(actor):
        raise PermissionDeniedError(_("You may not change the item catalogue."))
    clean = _clean_item(changes)
    with transaction.atomic():
        if "code" in clean and Item.objects.filter(code=clean["code"]).exclude(pk=item.pk).exists():
            raise _fail("code", _("An item with this code already exists."))
        for key, value in clean.items():
            setattr(item, key, value)
        item.save()
        return item


# Facilities ---------------------------------------------------------------------------------


def _amenities(values: Sequence[str]) -> list[str]:
    for i, value in enumerate(values):
        if value not in Amenity.values:
            raise _fail(f"amenities.{i}", _("Unknown amenity: %(a)s.") % {"a": value})
    return sorted(set(values))


def _clean_facility(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if "kind" in clean and clean["kind"] not in FacilityKind.values:
        raise _fail("kind", _("Unknown kind of facility: %(k)s.") % {"k": clean["kind"]})
    if "status" in clean and clean["status"] not in FacilityStatus.values:
        raise _fail("status", _("Unknown status: %(s)s.") % {"s": clean["status"]})
    if "name" in clean:
        clean["name"] = _text("name", clean["name"], 100)
    if "address" in clean:
        clean["address"] = _text("address", clean["address"], 200, required=False)
    if "amenities" in clean:
        clean["amenities"] = _amenities(clean["amenities"] or [])
    if clean.get("capacity") is not None and int(clean["capacity"]) < 0:
        raise _fail("capacity", _("The capacity cannot be negative."))
    if clean.get("occupancy") is not None and int(clean["occupancy"]) < 0:
        raise _fail("occupancy", _("The occupancy cannot be negative."))
    if clean.get("floor_area_m2") is not None and float(clean["floor_area_m2"]) <= 0:
        raise _fail("floor_area_m2", _("The area must be more than 0 m²."))
    return clean


def _check_shelter_fields(kind: str, clean: dict[str, Any]) -> None:
    if kind == FacilityKind.SHELTER:
        return
    for field in ("capacity", "occupancy", "floor_area_m2"):
        if clean.get(field) is not None:
            raise _fail(field, _("Only shelters have a capacity, an occupancy and an area."))
    if clean.get("amenities"):
        raise _fail("amenities", _("Only shelters list amenities."))


def create_facility(
    *, actor: Any, area: Area, kind: str, name: str, lon: float, lat: float, **fields: Any
) -> Facility:
    _unknown(fields, FACILITY_FIELDS)
    if not can_edit_resources(actor, area):
        raise PermissionDeniedError(_("You may not add facilities in this area."))
    _check_point(lon, lat)
    clean = _clean_facility({"kind": kind, "name": name, **fields})
    _check_shelter_fields(kind, clean)
    with transaction.atomic():
        return Facility.objects.create(area=area, lon=lon, lat=lat, **clean)


def update_facility(*, actor: Any, facility: Facility, changes: dict[str, Any]) -> Facility:
    _unknown(changes, FACILITY_FIELDS)
    if not can_edit_resources(actor, facility.area):
        raise PermissionDeniedError(_("You may not change this facility."))
    area = changes.get("area", facility.area)
    if area != facility.area and not can_edit_resources(actor, area):
        raise PermissionDeniedError(_("You may not move facilities into this area."))
    _check_point(changes.get("lon", facility.lon), changes.get("lat", facility.lat))
    clean = _clean_facility(changes)
    merged = {
        "capacity": clean.get("capacity", facility.capacity),
        "occupancy": clean.get("occupancy", facility.occupancy),
        "floor_area_m2": clean.get("floor_area_m2", facility.floor_area_m2),
        "amenities": clean.get("amenities", facility.amenities),
    }
    _check_shelter_fields(clean.get("kind", facility.kind), merged)
    with transaction.atomic():
        for key, value in clean.items():
            setattr(facility, key, value)
        facility.save()
        return facility
