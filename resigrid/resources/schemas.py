"""Typed request and response bodies of the resources API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from resigrid.resources.choices import (
    Amenity,
    FacilityKind,
    FacilityStatus,
    ItemCategory,
    MovementKind,
)

Qty = Decimal


class ErrorOut(Schema):
    detail: Any


class DepotIn(Schema):
    name: str = Field(..., max_length=100)
    area_code: str
    address: str = Field("", max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    manager_id: int | None = Field(None, description="User id of the manager")
    contact_name: str = Field("", max_length=64)
    contact_phone: str | None = None


class DepotPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    area_code: str | None = None
    address: str | None = Field(None, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    manager_id: int | None = None
    contact_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = None


class DepotOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    address: str
    lon: float
    lat: float
    manager_id: int | None
    manager_name: str | None
    contact_name: str
    contact_phone: str = Field(..., description="Masked (138****5678) unless unmasked")
    low_items: int
    near_expiry_batches: int
    can_edit: bool
    can_move_stock: bool


class ItemIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=100)
    category: ItemCategory
    uom: str = Field(..., max_length=16)
    tracks_expiry: bool = False
    default_min_level: Qty = Field(Decimal("0"), ge=0, decimal_places=2)


class ItemPatchIn(Schema):
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=100)
    category: ItemCategory | None = None
    uom: str | None = Field(None, max_length=16)
    tracks_expiry: bool | None = None
    default_min_level: Qty | None = Field(None, ge=0, decimal_places=2)


class ItemOut(Schema):
    id: int
    code: str
    name: str
    category: ItemCategory
    uom: str
    tracks_expiry: bool
    default_min_level: Qty


class BatchOut(Schema):
    id: int
    number: str
    expiry: dt.date | None
    on_hand: Qty
    near_expiry: bool


class BalanceOut(Schema):
    item_id: int
    item_code: str
    item_name: str
    category: ItemCategory
    uom: str
    on_hand: Qty
    reserved: Qty
    available: Qty
    min_level: Qty
    low: bool
    batches: list[BatchOut]


class MovementIn(Schema):
    item_id: int
    kind: MovementKind
    quantity: Qty = Field(..., gt=0, decimal_places=2)
    increase: bool = Field(True, description="For an adjustment: up (true) or down (false)")
    reason: str = Field("", max_length=200)
    reference: str = Field("", max_length=64)
    batch_number: str | None = Field(None, max_length=64)
    expiry: dt.date | None = None


class MovementOut(Schema):
    id: int
    depot_id: int
    item_id: int
    item_name: str
    batch_number: str | None
    kind: MovementKind
    increase: bool
    quantity: Qty
    reason: str
    reference: str
    by: str | None
    at: dt.datetime


class MovementPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[MovementOut]


class MinLevelIn(Schema):
    min_level: Qty = Field(..., ge=0, decimal_places=2)


class LowStockOut(Schema):
    depot_id: int
    depot_name: str
    item_id: int
    item_code: str
    item_name: str
    uom: str
    available: Qty
    min_level: Qty


class NearExpiryOut(Schema):
    depot_id: int
    depot_name: str
    item_id: int
    item_name: str
    uom: str
    batch_id: int
    batch_number: str
    expiry: dt.date
    on_hand: Qty
    days_left: int


class FacilityIn(Schema):
    kind: FacilityKind
    name: str = Field(..., max_length=100)
    area_code: str
    address: str = Field("", max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    status: FacilityStatus = FacilityStatus.IN_SERVICE
    capacity: int | None = Field(None, ge=0)
    occupancy: int | None = Field(None, ge=0)
    floor_area_m2: float | None = Field(None, gt=0)
    amenities: list[Amenity] = []
    last_inspected: dt.date | None = None
    note: str = ""


class FacilityPatchIn(Schema):
    kind: FacilityKind | None = None
    name: str | None = Field(None, max_length=100)
    area_code: str | None = None
    address: str | None = Field(None, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    status: FacilityStatus | None = None
    capacity: int | None = Field(None, ge=0)
    occupancy: int | None = Field(None, ge=0)
    floor_area_m2: float | None = Field(None, gt=0)
    amenities: list[Amenity] | None = None
    last_inspected: dt.date | None = None
    note: str | None = None


class FacilityOut(Schema):
    id: int
    kind: FacilityKind
    kind_label: str
    name: str
    area_code: str
    area_name: str
    address: str
    lon: float
    lat: float
    status: FacilityStatus
    capacity: int | None
    occupancy: int | None
    floor_area_m2: float | None
    amenities: list[str]
    last_inspected: dt.date | None
    note: str
    can_edit: bool
