"""Stock movements: the only way stock changes.

Every movement is one row (or, for a withdrawal of a shelf-life item without a batch, one row per
batch taken, earliest expiry first). Inside the transaction the writer first locks the
`DepotItem` row of the depot and item (SELECT … FOR UPDATE; on SQLite the IMMEDIATE transaction
already serialises writers), then sums the movements and refuses what does not fit. Two
withdrawals at once therefore see each other: when only one fits, exactly one succeeds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.resources.choices import MovementKind
from resigrid.resources.models import Batch, Depot, DepotItem, Item, StockMovement
from resigrid.resources.permissions import can_move_stock

_QUANT = Decimal("0.01")


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def parse_quantity(value: Decimal | float | int | str, field: str = "quantity") -> Decimal:
    try:
        qty = Decimal(str(value))
    except InvalidOperation:
        raise _fail(field, _("Give the quantity as a number.")) from None
    if not qty.is_finite() or qty <= 0:
        raise _fail(field, _("The quantity must be more than 0."))
    if qty != qty.quantize(_QUANT):
        raise _fail(field, _("The quantity has at most two decimal places."))
    if qty >= Decimal("1e12"):
        raise _fail(field, _("The quantity is too large."))
    return qty.quantize(_QUANT)


def parse_level(value: Decimal | float | int | str | None, field: str = "min_level") -> Decimal:
    """A minimum level: 0 or a positive quantity."""
    if value is None or str(value).strip() in ("", "0"):
        return Decimal("0")
    try:
        if Decimal(str(value)) == 0:
            return Decimal("0")
    except InvalidOperation:
        pass
    return parse_quantity(value, field)


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _lock(depot: Depot, item: Item) -> DepotItem:
    """Lock the row that serialises writers of this depot and item (created on first use; a
    refused movement rolls the creation back with everything else)."""
    DepotItem.objects.get_or_create(
        depot=depot, item=item, defaults={"min_level": item.default_min_level}
    )
    return DepotItem.objects.select_for_update().get(depot=depot, item=item)


def _batch_for_in(
    depot: Depot, item: Item, number: str | None, expiry: dt.date | None
) -> Batch | None:
    number = (number or "").strip()
    if item.tracks_expiry and not number:
        raise _fail("batch_number", _("This item tracks shelf life: give a batch number."))
    if item.tracks_expiry and expiry is None:
        raise _fail("expiry", _("This item tracks shelf life: give the expiry date."))
    if not number:
        return None
    if len(number) > 64:
        raise _fail("batch_number", _("At most %(n)d characters are allowed.") % {"n": 64})
    batch, created = Batch.objects.get_or_create(
        depot=depot, item=item, number=number, defaults={"expiry": expiry}
    )
    if not created and expiry is not None and batch.expiry != expiry:
        raise _fail(
            "expiry",
            _("Batch %(batch)s is already recorded with the expiry date %(date)s.")
            % {"batch": number, "date": batch.expiry},
        )
    return batch


def _existing_batch(depot: Depot, item: Item, number: str | None) -> Batch | None:
    number = (number or "").strip()
    if not number:
        return None
    batch = Batch.objects.filter(depot=depot, item=item, number=number).first()
    if batch is None:
        raise _fail(
            "batch_number",
            _("There is no batch %(batch)s of this item in this depot.") % {"batch": number},
        )
    return batch


def _short(depot: Depot, item: Item, what: str, have: Decimal, qty: Decimal) -> ValidationFailed:
    return _fail(
        "quantity",
        _(
            "Not enough stock: %(have)s %(uom)s of %(item)s %(what)s in %(depot)s, "
            "%(qty)s requested."
        )
        % {
            "have": _fmt(have),
            "uom": item.uom,
            "item": item.name,
            "what": what,
            "depot": depot.name,
            "qty": _fmt(qty),
        },
    )


def _fefo(depot: Depot, item: Item, qty: Decimal) -> list[tuple[Batch, Decimal]]:
    """Which batches a withdrawal takes, earliest expiry first (first-expired, first-out).

    Units of a batch reserved for an allocation (reservations naming the batch) are not taken.
    """
    plan: list[tuple[Batch, Decimal]] = []
    left = qty
    batches = Batch.objects.filter(depot=depot, item=item).with_free()
    batches = batches.filter(free__gt=0)  # type: ignore[misc]
    for batch in batches.order_by("expiry", "id"):
        take = min(left, batch.free)  # type: ignore[attr-defined]
        plan.append((batch, take))
        left -= take
        if left <= 0:
            break
    return plan


def record_movement(
    *,
    actor: Any,
    depot: Depot,
    item: Item,
    kind: str,
    quantity: Decimal | float | int | str,
    reason: str = "",
    reference: str = "",
    batch_number: str | None = None,
    expiry: dt.date | None = None,
    increase: bool = True,
) -> list[StockMovement]:
    """Record a movement; returns the rows written (several for a FEFO withdrawal)."""
    if not can_move_stock(actor, depot.area):
        raise PermissionDeniedError(_("You may not record stock movements in this depot."))
    if kind not in MovementKind.values:
        raise _fail("kind", _("Unknown kind of movement: %(kind)s.") % {"kind": kind})
    qty = parse_quantity(quantity)
    reason = (reason or "").strip()[:200]
    reference = (reference or "").strip()
    if len(reference) > 64:
        raise _fail("reference", _("At most %(n)d characters are allowed.") % {"n": 64})
    if kind == MovementKind.ADJUST and not reason:
        raise _fail("reason", _("Say why the stock is adjusted."))
    adds = kind == MovementKind.IN or (kind == MovementKind.ADJUST and increase)
    by = actor if getattr(actor, "pk", None) else None

    def row(batch: Batch | None, amount: Decimal) -> StockMovement:
        return StockMovement(
            depot=depot,
            item=item,
            batch=batch,
            kind=kind,
            increase=increase if kind == MovementKind.ADJUST else True,
            quantity=amount,
            reason=reason,
            reference=reference,
            by=by,
        )

    with transaction.atomic():
        _lock(depot, item)
        if adds:
            batch = _batch_for_in(depot, item, batch_number, expiry)
            return [StockMovement.objects.bulk_create([row(batch, qty)])[0]]
        balance = StockMovement.objects.filter(depot=depot, item=item).balance()
        if kind == MovementKind.RELEASE:
            if balance["reserved"] < qty:
                raise _short(depot, item, _("reserved"), balance["reserved"], qty)
            return [StockMovement.objects.bulk_create([row(None, qty)])[0]]
        if balance["available"] < qty:
            raise _short(depot, item, _("available"), balance["available"], qty)
        if kind == MovementKind.RESERVE:
            return [StockMovement.objects.bulk_create([row(None, qty)])[0]]
        # out, or an adjustment downwards: from a named batch, or earliest expiry first.
        batch = _existing_batch(depot, item, batch_number)
        if batch is not None:
            in_batch = StockMovement.objects.filter(batch=batch).balance()["available"]
            if in_batch < qty:
                raise _short(depot, item, _("in this batch"), in_batch, qty)
            return [StockMovement.objects.bulk_create([row(batch, qty)])[0]]
        if item.tracks_expiry:
            plan = _fefo(depot, item, qty)
            taken = sum((amount for _b, amount in plan), Decimal("0"))
            rows = [row(b, amount) for b, amount in plan]
            if taken < qty:
                rows.append(row(None, qty - taken))  # stock recorded without a batch
            return StockMovement.objects.bulk_create(rows)
        return [StockMovement.objects.bulk_create([row(None, qty)])[0]]


def balance_of(depot: Depot, item: Item) -> dict[str, Decimal]:
    return StockMovement.objects.filter(depot=depot, item=item).balance()
