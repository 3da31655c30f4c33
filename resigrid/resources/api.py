"""Resources API: depots, the item catalogue, stock (balances, movements, warnings), facilities.

Thin: parse → `visible_to` → service → schema. Depots and facilities outside the caller's scope
answer 404; writes without the right answer 403; bad input 422 naming the field. A withdrawal
larger than the available stock answers 422 on `quantity` and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.areas.models import scope_prefixes
from resigrid.core.errors import NotFoundError
from resigrid.resources import reads, services, stock
from resigrid.resources.choices import FacilityKind, FacilityStatus, ItemCategory
from resigrid.resources.models import Item
from resigrid.resources.schemas import (
    BalanceOut,
    DepotIn,
    DepotOut,
    DepotPatchIn,
    ErrorOut,
    FacilityIn,
    FacilityOut,
    FacilityPatchIn,
    ItemIn,
    ItemOut,
    ItemPatchIn,
    LowStockOut,
    MinLevelIn,
    MovementIn,
    MovementOut,
    MovementPageOut,
    NearExpiryOut,
)

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _manager(pk: int | None) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise reads.fail("manager_id", _("No such active account."))
    return user


def _depot_out(request: HttpRequest, depot_id: int, phone: str | None = None) -> dict[str, Any]:
    user = _user(request)
    depot = reads.depot_or_404(user, depot_id)
    low, near = reads.warning_counts(user, reads.today())
    return reads.depot_out(user, depot, low, near, phone)


def _item(pk: int, field: str = "item_id") -> Item:
    item = Item.objects.filter(pk=pk).first()
    if item is None:
        raise reads.fail(field, _("No such item in the catalogue."))
    return item


def _require_view(request: HttpRequest) -> None:
    if scope_prefixes(_user(request), Perm.VIEW_RESOURCES) == []:
        raise NotFoundError(_("Not found."))


# Depots -------------------------------------------------------------------------------------


@router.get("/depots", response=list[DepotOut], summary="Visible depots with warning counts")
def list_depots(request: HttpRequest, area_code: str | None = None) -> list[dict[str, Any]]:
    user = _user(request)
    low, near = reads.warning_counts(user, reads.today())
    return [reads.depot_out(user, d, low, near) for d in reads.depots_for(user, area_code)]


@router.post("/depots", response={201: DepotOut, **_ERRORS}, summary="Add a depot")
def create_depot(request: HttpRequest, payload: DepotIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump()
    area = reads.area_for_write(user, data.pop("area_code"))
    data["manager"] = _manager(data.pop("manager_id"))
    depot = services.create_depot(actor=user, area=area, **data)
    return Status(201, _depot_out(request, depot.pk))


@router.get("/depots/{depot_id}", response={200: DepotOut, 403: ErrorOut, 404: ErrorOut})
def get_depot(request: HttpRequest, depot_id: int, unmask: bool = False) -> dict[str, Any]:
    """`unmask=true` shows the contact phone in full (needs the right; logged)."""
    user = _user(request)
    depot = reads.depot_or_404(user, depot_id)
    phone = services.depot_contact_phone(actor=user, depot=depot, unmask=unmask, request=request)
    return _depot_out(request, depot_id, phone)


@router.patch("/depots/{depot_id}", response={200: DepotOut, **_ERRORS})
def patch_depot(request: HttpRequest, depot_id: int, payload: DepotPatchIn) -> dict[str, Any]:
    user = _user(request)
    depot = reads.depot_or_404(user, depot_id)
    changes = payload.model_dump(exclude_unset=True)
    if "area_code" in changes:
        changes["area"] = reads.area_for_write(user, changes.pop("area_code") or "")
    if "manager_id" in changes:
        changes["manager"] = _manager(changes.pop("manager_id"))
    services.update_depot(actor=user, depot=depot, changes=changes)
    return _depot_out(request, depot_id)


@router.get("/depots/{depot_id}/stock", response={200: list[BalanceOut], 404: ErrorOut})
def depot_stock(request: HttpRequest, depot_id: int) -> list[dict[str, Any]]:
    depot = reads.depot_or_404(_user(request), depot_id)
    return reads.balances(depot, reads.today())


@router.get("/depots/{depot_id}/movements", response={200: MovementPageOut, 404: ErrorOut})
def depot_movements(
    request: HttpRequest, depot_id: int, item_id: int | None = None, page: int = 1
) -> dict[str, Any]:
    depot = reads.depot_or_404(_user(request), depot_id)
    qs = reads.movements(depot, item_id)
    count = qs.count()
    pages = max(1, -(-count // reads.PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = qs[(page - 1) * reads.PAGE_SIZE : page * reads.PAGE_SIZE]
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "results": [reads.movement_out(m) for m in rows],
    }


@router.post(
    "/depots/{depot_id}/movements",
    response={201: list[MovementOut], **_ERRORS},
    summary="Record a stock movement (in / out / adjust / reserve / release)",
    description=(
        "Returns the rows written: a withdrawal of a shelf-life item without a batch number "
        "takes the earliest-expiring batches first and writes one row per batch."
    ),
)
def create_movement(
    request: HttpRequest, depot_id: int, payload: MovementIn
) -> Status[list[dict[str, Any]]]:
    depot = reads.depot_or_404(_user(request), depot_id)
    rows = stock.record_movement(
        actor=_user(request),
        depot=depot,
        item=_item(payload.item_id),
        kind=payload.kind,
        quantity=payload.quantity,
        increase=payload.increase,
        reason=payload.reason,
        reference=payload.reference,
        batch_number=payload.batch_number,
        expiry=payload.expiry,
    )
    written = reads.movements(depot).filter(pk__in=[r.pk for r in rows]).order_by("id")
    return Status(201, [reads.movement_out(m) for m in written])


@router.put(
    "/depots/{depot_id}/items/{item_id}/min-level",
    response={200: BalanceOut, **_ERRORS},
    summary="Set the minimum level of an item in a depot",
)
def set_min_level(
    request: HttpRequest, depot_id: int, item_id: int, payload: MinLevelIn
) -> dict[str, Any]:
    depot = reads.depot_or_404(_user(request), depot_id)
    item = _item(item_id)
    services.set_min_level(
        actor=_user(request), depot=depot, item=item, min_level=payload.min_level
    )
    return next(r for r in reads.balances(depot, reads.today()) if r["item_id"] == item.pk)


@router.get("/low-stock", response=list[LowStockOut], summary="Items below their minimum level")
def low_stock(request: HttpRequest) -> list[dict[str, Any]]:
    return reads.low_stock(_user(request))


@router.get(
    "/near-expiry",
    response={200: list[NearExpiryOut], 422: ErrorOut},
    summary="Batches in stock expiring within `days` days (expired ones included)",
)
def near_expiry(request: HttpRequest, days: int = reads.NEAR_EXPIRY_DAYS) -> list[dict[str, Any]]:
    if not 0 <= days <= 3650:
        raise reads.fail("days", _("Give a number of days between 0 and 3650."))
    return reads.near_expiry(_user(request), reads.today(), days)


# Catalogue ----------------------------------------------------------------------------------


@router.get("/items", response=list[ItemOut], summary="The item catalogue")
def list_items(request: HttpRequest, category: ItemCategory | None = None) -> list[Any]:
    _require_view(request)
    qs = Item.objects.order_by("category", "code")
    return list(qs.filter(category=category) if category else qs)


@router.post("/items", response={201: ItemOut, **_ERRORS}, summary="Add a catalogue item")
def create_item(request: HttpRequest, payload: ItemIn) -> Status[Any]:
    return Status(201, services.create_item(actor=_user(request), **payload.model_dump()))


@router.patch("/items/{item_id}", response={200: ItemOut, **_ERRORS})
def patch_item(request: HttpRequest, item_id: int, payload: ItemPatchIn) -> Any:
    _require_view(request)
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("No such item."))
    changes = payload.model_dump(exclude_unset=True)
    return services.update_item(actor=_user(request), item=item, changes=changes)


# Facilities ---------------------------------------------------------------------------------


@router.get("/facilities", response=list[FacilityOut], summary="Visible facilities")
def list_facilities(
    request: HttpRequest,
    kind: FacilityKind | None = None,
    status: FacilityStatus | None = None,
    area_code: str | None = None,
) -> list[dict[str, Any]]:
    user = _user(request)
    qs = reads.facilities_for(user, kind=kind, status=status, area_code=area_code)
    return [reads.facility_out(user, f) for f in qs]


@router.post("/facilities", response={201: FacilityOut, **_ERRORS}, summary="Add a facility")
def create_facility(request: HttpRequest, payload: FacilityIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump()
    area = reads.area_for_write(user, data.pop("area_code"))
    facility = services.create_facility(actor=user, area=area, **data)
    return Status(201, reads.facility_out(user, reads.facility_or_404(user, facility.pk)))


@router.get("/facilities/{facility_id}", response={200: FacilityOut, 404: ErrorOut})
def get_facility(request: HttpRequest, facility_id: int) -> dict[str, Any]:
    user = _user(request)
    return reads.facility_out(user, reads.facility_or_404(user, facility_id))


@router.patch("/facilities/{facility_id}", response={200: FacilityOut, **_ERRORS})
def patch_facility(
    request: HttpRequest, facility_id: int, payload: FacilityPatchIn
) -> dict[str, Any]:
    user = _user(request)
    facility = reads.facility_or_404(user, facility_id)
    changes = payload.model_dump(exclude_unset=True)
    if "area_code" in changes:
        changes["area"] = reads.area_for_write(user, changes.pop("area_code") or "")
    services.update_facility(actor=user, facility=facility, changes=changes)
    return reads.facility_out(user, reads.facility_or_404(user, facility_id))


@router.get(
    "/map/geojson",
    response=dict[str, Any],
    summary="Depots and facilities as GeoJSON points (the map layer)",
    description="Properties: id, layer (depot | facility), kind, kind_label, name, area_name, "
    "status; depots add low_items and near_expiry_batches, facilities capacity.",
)
def map_geojson(request: HttpRequest) -> dict[str, Any]:
    return reads.map_layer(_user(request), reads.today())
