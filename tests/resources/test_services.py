"""Depots, catalogue, minimum levels and facilities: validation, rights, masking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.resources import services
from resigrid.resources.models import Depot, DepotItem, Facility, Item
from tests.resources.conftest import Stock


def test_depot_contact_phone_masked_and_logged_unmask(
    stock: Stock, community_admin: User, community_staff: User
) -> None:
    depot = services.create_depot(
        actor=community_staff,
        area=stock.tree.grid11,
        name="一网格储备点",
        lon=120.05,
        lat=30.05,
        contact_name="周库管",
        contact_phone="13700001234",
    )
    assert depot.contact_phone_enc and "13700001234" not in depot.contact_phone_enc
    assert services.depot_contact_phone(actor=community_staff, depot=depot) == "137****1234"
    with pytest.raises(PermissionDeniedError):
        services.depot_contact_phone(actor=community_staff, depot=depot, unmask=True)
    assert PersonalDataAccess.objects.count() == 0
    full = services.depot_contact_phone(actor=community_admin, depot=depot, unmask=True)
    assert full == "13700001234"
    log = PersonalDataAccess.objects.get()
    assert (log.subject, log.object_ids, log.fields) == (
        "resources.depot",
        [depot.pk],
        ["contact_phone"],
    )


def test_depot_validation(stock: Stock, community_staff: User) -> None:
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"lon": 200.0}, {"lon": ["The longitude must be between -180 and 180."]}),
        ({"name": "东湖物资库"}, {"name": ["A depot with this name already exists in this area."]}),
        ({"name": "  "}, {"name": ["This field is required."]}),
        ({"contact_phone": "555"}, "contact_phone"),
    ]
    for changes, expected in cases:
        args: dict[str, Any] = {"name": "新库", "lon": 120.1, "lat": 30.1} | changes
        with pytest.raises(ValidationFailed) as exc:
            services.create_depot(actor=community_staff, area=stock.tree.community1, **args)
        if isinstance(expected, str):
            assert exc.value.field == expected
        else:
            assert exc.value.errors == expected
    assert Depot.objects.count() == 2


def test_depot_rights(stock: Stock, grid_worker: User, community_staff: User) -> None:
    with pytest.raises(PermissionDeniedError):
        services.create_depot(
            actor=grid_worker, area=stock.tree.grid11, name="x", lon=120.0, lat=30.0
        )
    with pytest.raises(PermissionDeniedError):
        services.update_depot(actor=community_staff, depot=stock.depot2, changes={"name": "y"})
    with pytest.raises(PermissionDeniedError):
        services.update_depot(
            actor=community_staff, depot=stock.depot1, changes={"area": stock.tree.community2}
        )
    stock.depot1.refresh_from_db()
    assert (stock.depot1.name, stock.depot1.area) == ("东湖物资库", stock.tree.community1)


def test_catalogue(stock: Stock, community_staff: User, grid_worker: User) -> None:
    item = services.create_item(
        actor=community_staff,
        code="m001",
        name="碘伏",
        category="medicine",
        uom="瓶",
        tracks_expiry=True,
    )
    assert item.code == "M001"
    with pytest.raises(ValidationFailed) as exc:
        services.create_item(
            actor=community_staff, code="M001", name="x", category="medicine", uom="瓶"
        )
    assert exc.value.errors == {"code": ["An item with this code already exists."]}
    with pytest.raises(ValidationFailed) as exc:
        services.create_item(actor=community_staff, code="X1", name="x", category="toys", uom="个")
    assert exc.value.errors == {"category": ["Unknown category: toys."]}
    with pytest.raises(PermissionDeniedError):
        services.create_item(actor=grid_worker, code="X2", name="x", category="other", uom="个")
    assert Item.objects.count() == 3


def test_min_level(stock: Stock, community_staff: User) -> None:
    row = services.set_min_level(
        actor=community_staff, depot=stock.depot1, item=stock.tent, min_level="7"
    )
    assert row.min_level == Decimal("7.00")
    services.set_min_level(actor=community_staff, depot=stock.depot1, item=stock.tent, min_level=0)
    assert DepotItem.objects.get().min_level == Decimal("0")
    with pytest.raises(ValidationFailed) as exc:
        services.set_min_level(
            actor=community_staff, depot=stock.depot1, item=stock.tent, min_level="-1"
        )
    assert exc.value.field == "min_level"


def test_shelter_and_other_facilities(stock: Stock, community_staff: User) -> None:
    shelter = services.create_facility(
        actor=community_staff,
        area=stock.tree.grid11,
        kind="shelter",
        name="东湖小学避难场所",
        lon=120.03,
        lat=30.04,
        capacity=800,
        floor_area_m2=2400.0,
        amenities=["water", "toilets", "water", "accessible"],
    )
    assert shelter.amenities == ["accessible", "toilets", "water"]
    with pytest.raises(ValidationFailed) as exc:
        services.create_facility(
            actor=community_staff,
            area=stock.tree.grid11,
            kind="aed",
            name="AED-1",
            lon=120.03,
            lat=30.04,
            capacity=5,
        )
    assert exc.value.errors == {
        "capacity": ["Only shelters have a capacity, an occupancy and an area."]
    }
    with pytest.raises(ValidationFailed) as exc:
        services.create_facility(
            actor=community_staff,
            area=stock.tree.grid11,
            kind="shelter",
            name="S2",
            lon=120.03,
            lat=30.04,
            amenities=["pool"],
        )
    assert exc.value.errors == {"amenities.0": ["Unknown amenity: pool."]}
    services.update_facility(
        actor=community_staff, facility=shelter, changes={"status": "maintenance"}
    )
    assert Facility.objects.get().status == "maintenance"
    with pytest.raises(ValidationFailed) as exc:
        services.update_facility(
            actor=community_staff, facility=shelter, changes={"status": "broken"}
        )
    assert exc.value.errors == {"status": ["Unknown status: broken."]}


def test_shelter_occupancy_is_recorded_and_checked(stock: Stock, community_staff: User) -> None:
    shelter = services.create_facility(
        actor=community_staff,
        area=stock.tree.grid11,
        kind="shelter",
        name="东湖小学体育馆",
        lon=120.03,
        lat=30.04,
        capacity=300,
    )
    # Above the capacity is recorded (people are not turned away), negative is refused.
    shelter = services.update_facility(
        actor=community_staff, facility=shelter, changes={"occupancy": 320}
    )
    shelter.refresh_from_db()
    assert (shelter.occupancy, shelter.capacity) == (320, 300)
    with pytest.raises(ValidationFailed) as exc:
        services.update_facility(actor=community_staff, facility=shelter, changes={"occupancy": -1})
    assert exc.value.errors == {"occupancy": ["The occupancy cannot be negative."]}
    shelter.refresh_from_db()
    assert shelter.occupancy == 320
