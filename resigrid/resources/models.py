"""Depots, the item catalogue, batches, stock movements and facilities (shelters, AEDs …).

Stock is never stored as a number that is read, changed and written back: every change is a
`StockMovement` row and a balance is the sum of the rows. `DepotItem` (one per depot and item)
holds the minimum level and is the row a writer locks, so that two withdrawals of the same item
in the same depot are serialised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.resources.choices import FacilityKind, FacilityStatus, ItemCategory, MovementKind

if TYPE_CHECKING:
    from resigrid.accounts.models import User

QTY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=QTY)


def _signed(kind_signs: Mapping[str, int], prefix: str = "") -> Sum:
    """Conditional sum of movement quantities: +q or −q by kind, other kinds count 0.

    An adjustment carries its own direction (`increase`), so it is matched twice.
    """
    whens = []
    for kind, sign in kind_signs.items():
        qty = F(f"{prefix}quantity")
        if kind == MovementKind.ADJUST:
            up, down = (qty, -qty) if sign > 0 else (-qty, qty)
            whens.append(When(**{f"{prefix}kind": kind, f"{prefix}increase": True}, then=up))
            whens.append(When(**{f"{prefix}kind": kind, f"{prefix}increase": False}, then=down))
        else:
            whens.append(When(**{f"{prefix}kind": kind}, then=qty if sign > 0 else -qty))
    return Sum(Case(*whens, default=ZERO, output_field=QTY), default=Decimal("0"))


ON_HAND: dict[str, int] = {MovementKind.IN: 1, MovementKind.OUT: -1, MovementKind.ADJUST: 1}
RESERVED: dict[str, int] = {MovementKind.RESERVE: 1, MovementKind.RELEASE: -1}


def signed_total(kind_signs: Mapping[str, int]) -> Sum:
    """The conditional sum of movement quantities for other modules (`ON_HAND`, `RESERVED`)."""
    return _signed(kind_signs)


def _movement_total(kind_signs: Mapping[str, int], **outer: str) -> Coalesce:
    """A correlated subquery: the signed total of the movements matching the outer row."""
    rows = (
        StockMovement.objects.filter(**{k: OuterRef(v) for k, v in outer.items()})
        .order_by()
        .values(*outer.keys())
        .annotate(total=_signed(kind_signs))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=QTY), ZERO, output_field=QTY)


class DepotQuerySet(models.QuerySet["Depot"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESOURCES) -> DepotQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class Depot(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="depots", verbose_name=_("area")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    manager = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_depots",
        verbose_name=_("manager"),
    )
    # The depot's duty contact (a person's phone: personal data, ciphertext + keyed hash only).
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone_enc = models.TextField(_("contact phone (encrypted)"), null=True, blank=True)  # noqa: DJ001
    contact_phone_hash = models.CharField(  # noqa: DJ001
        _("contact phone hash"), max_length=64, null=True, blank=True, db_index=True
    )

    objects = DepotQuerySet.as_manager()

    if TYPE_CHECKING:
        items: models.Manager[DepotItem]
        batches: models.Manager[Batch]
        movements: models.Manager[StockMovement]

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="uniq_depot_name_in_area"),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="depot_lonlat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Item(TimeStampedModel):
    """A catalogue entry, shared by every depot."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    uom = models.CharField(_("unit of measure"), max_length=16)
    tracks_expiry = models.BooleanField(_("tracks shelf life"), default=False)
    default_min_level = models.DecimalField(
        _("default minimum level"), max_digits=14, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DepotItemQuerySet(models.QuerySet["DepotItem"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESOURCES) -> DepotItemQuerySet:
        return restrict_to_scope(self, user, perm, "depot__area__code")

    def with_balances(self) -> DepotItemQuerySet:
        """Annotate on_hand, reserved and available (= on hand − reserved) from the movements."""
        return self.annotate(
            on_hand=_movement_total(ON_HAND, depot="depot", item="item"),
            reserved=_movement_total(RESERVED, depot="depot", item="item"),
        ).annotate(available=F("on_hand") - F("reserved"))

    def low(self) -> DepotItemQuerySet:
        """Items whose available stock is below their minimum level."""
        return self.with_balances().filter(available__lt=F("min_level"))  # type: ignore[misc]


class DepotItem(models.Model):
    """One item kept in one depot: its minimum level, and the lock row for its movements."""

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="depot_items")
    min_level = models.DecimalField(
        _("minimum level"), max_digits=14, decimal_places=2, default=Decimal("0")
    )

    objects = DepotItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("depot item")
        verbose_name_plural = _("depot items")
        ordering = ["depot", "item__category", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["depot", "item"], name="uniq_depot_item"),
            models.CheckConstraint(condition=Q(min_level__gte=0), name="depot_item_min_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.depot_id}/{self.item_id}"


class BatchQuerySet(models.QuerySet["Batch"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESOURCES) -> BatchQuerySet:
        return restrict_to_scope(self, user, perm, "depot__area__code")

    def with_on_hand(self) -> BatchQuerySet:
        return self.annotate(on_hand=_movement_total(ON_HAND, batch="pk"))

    def with_free(self) -> BatchQuerySet:
        """Annotate on_hand, reserved (reservations naming this batch) and free = the rest."""
        return self.annotate(
            on_hand=_movement_total(ON_HAND, batch="pk"),
            reserved=_movement_total(RESERVED, batch="pk"),
        ).annotate(free=F("on_hand") - F("reserved"))

    def near_expiry(self, today: dt.date, days: int = 30) -> BatchQuerySet:
        """Batches still in stock that expire within `days` days (already expired ones too)."""
        return (
            self.with_on_hand()
            .filter(expiry__isnull=False, expiry__lte=today + dt.timedelta(days=days))
            .filter(on_hand__gt=0)  # type: ignore[misc]
        )


class Batch(models.Model):
    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="batches")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="batches")
    number = models.CharField(_("batch number"), max_length=64)
    expiry = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["expiry", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "item", "number"], name="uniq_batch_number_in_depot_item"
            )
        ]

    def __str__(self) -> str:
        return self.number


class StockMovementQuerySet(models.QuerySet["StockMovement"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESOURCES
    ) -> StockMovementQuerySet:
        return restrict_to_scope(self, user, perm, "depot__area__code")

    def balance(self) -> dict[str, Decimal]:
        """on_hand, reserved and available over the rows of this queryset."""
        got = self.aggregate(on_hand=_signed(ON_HAND), reserved=_signed(RESERVED))
        cents = Decimal("0.01")
        on_hand = Decimal(got["on_hand"] or 0).quantize(cents)
        reserved = Decimal(got["reserved"] or 0).quantize(cents)
        return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


class StockMovement(models.Model):
    """One change of stock. Quantities are positive; the kind (and, for an adjustment, the
    direction) says which way it counts."""

    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    increase = models.BooleanField(_("increase"), default=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["depot", "item", "kind"], name="movement_depot_item_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.item_id}@{self.depot_id}"


class FacilityQuerySet(models.QuerySet["Facility"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESOURCES) -> FacilityQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class Facility(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=FacilityKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("area")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FacilityStatus.choices,
        default=FacilityStatus.IN_SERVICE,
    )
    # Shelter fields (empty for other kinds).
    capacity = models.PositiveIntegerField(_("capacity (persons)"), null=True, blank=True)
    # Persons sheltered now, kept by the shelter's staff during an incident (the situation
    # report shows it against the capacity; above capacity is recorded, not refused).
    occupancy = models.PositiveIntegerField(_("occupancy (persons)"), null=True, blank=True)
    floor_area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    last_inspected = models.DateField(_("last inspected"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["area__code", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="facility_lonlat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
