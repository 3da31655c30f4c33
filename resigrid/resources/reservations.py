"""Stock per lot and lot movements for callers that move many lines at once (supply allocation).

A lot is one batch of one item in one depot, or the stock of that item recorded without a batch.
Its free quantity is its on-hand stock less the reservations naming it, and the free quantities
of a depot item never add up to more than its available stock (on hand − every reservation), so a
reservation written by `record_movement` without a batch still counts.

The writer of lot movements calls `lock_depot_items` first inside its transaction (the same
row locks `record_movement` takes, in primary-key order so that two writers never deadlock),
reads `free_lots` again under the locks, checks, then calls `write_lot_movements`. The caller
checks its own permission.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resigrid.resources.choices import MovementKind
from resigrid.resources.models import (
    ON_HAND,
    RESERVED,
    Batch,
    DepotItem,
    Item,
    StockMovement,
    signed_total,
)

_CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Lot:
    depot_id: int
    item_id: int
    batch_id: int | None
    batch_number: str
    expiry: dt.date | None
    free: Decimal  # on hand − reserved for this lot, never below 0


@dataclass(frozen=True)
class LotMove:
    depot_id: int
    item_id: int
    batch_id: int | None
    kind: str  # reserve, release or out
    quantity: Decimal
    reference: str
    reason: str = ""


def lock_depot_items(depot_ids: Iterable[int], item_ids: Iterable[int]) -> list[DepotItem]:
    """Lock the depot-item rows of these depots and items (SELECT … FOR UPDATE, by pk)."""
    depots, items = sorted(set(depot_ids)), sorted(set(item_ids))
    if not depots or not items:
        return []
    return list(
        DepotItem.objects.select_for_update()
        .filter(depot_id__in=depots, item_id__in=items)
        .order_by("pk")
    )


def free_lots(depot_ids: Iterable[int], item_ids: Iterable[int]) -> list[Lot]:
    """Every lot of these depots and items with free stock, earliest expiry first per depot."""
    depots, items = sorted(set(depot_ids)), sorted(set(item_ids))
    if not depots or not items:
        return []
    rows = StockMovement.objects.filter(depot_id__in=depots, item_id__in=items).order_by()
    by_lot = rows.values("depot_id", "item_id", "batch_id").annotate(
        on_hand=signed_total(ON_HAND), reserved=signed_total(RESERVED)
    )
    batches = {
        b.pk: b
        for b in Batch.objects.filter(
            pk__in={r["batch_id"] for r in by_lot if r["batch_id"] is not None}
        )
    }
    cap: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    lots: dict[tuple[int, int], list[Lot]] = defaultdict(list)
    for r in by_lot:
        key = (r["depot_id"], r["item_id"])
        on_hand = Decimal(r["on_hand"] or 0).quantize(_CENTS)
        reserved = Decimal(r["reserved"] or 0).quantize(_CENTS)
        cap[key] += on_hand - reserved
        free = on_hand - reserved
        if free > 0:
            batch = batches.get(r["batch_id"]) if r["batch_id"] is not None else None
            lots[key].append(
                Lot(
                    depot_id=key[0],
                    item_id=key[1],
                    batch_id=r["batch_id"],
                    batch_number=batch.number if batch else "",
                    expiry=batch.expiry if batch else None,
                    free=free,
                )
            )
    out: list[Lot] = []
    for key in sorted(lots):
        ordered = sorted(lots[key], key=lambda lot: (lot.expiry or dt.date.max, lot.batch_id or 0))
        # Never more than the depot item's available stock: trim the latest lots first.
        excess = sum((lot.free for lot in ordered), Decimal("0")) - max(cap[key], Decimal("0"))
        kept: list[Lot] = []
        for lot in reversed(ordered):
            cut = min(max(excess, Decimal("0")), lot.free)
            excess -= cut
            if lot.free - cut > 0:
                kept.append(
                    Lot(
                        depot_id=lot.depot_id,
                        item_id=lot.item_id,
                        batch_id=lot.batch_id,
                        batch_number=lot.batch_number,
                        expiry=lot.expiry,
                        free=lot.free - cut,
                    )
                )
        out.extend(reversed(kept))
    return out


def ensure_depot_items(pairs: Iterable[tuple[int, int]]) -> None:
    """Create the missing depot-item rows (the lock rows) for these (depot, item) pairs."""
    wanted = set(pairs)
    if not wanted:
        return
    have = set(
        DepotItem.objects.filter(
            depot_id__in={d for d, _ in wanted}, item_id__in={i for _, i in wanted}
        ).values_list("depot_id", "item_id")
    )
    missing = sorted(wanted - have)
    if missing:
        levels = dict(
            Item.objects.filter(pk__in={i for _, i in missing}).values_list(
                "pk", "default_min_level"
            )
        )
        DepotItem.objects.bulk_create(
            [DepotItem(depot_id=d, item_id=i, min_level=levels[i]) for d, i in missing],
            ignore_conflicts=True,
        )


def write_lot_movements(moves: Sequence[LotMove], *, actor: Any) -> list[StockMovement]:
    """Write the movements (the caller holds the locks and has checked the stock)."""
    by = actor if getattr(actor, "pk", None) else None
    for move in moves:
        if move.kind not in (MovementKind.RESERVE, MovementKind.RELEASE, MovementKind.OUT):
            raise ValueError(f"not a lot movement: {move.kind}")
        if move.quantity <= 0:
            raise ValueError("lot movements move a positive quantity")
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                depot_id=m.depot_id,
                item_id=m.item_id,
                batch_id=m.batch_id,
                kind=m.kind,
                increase=True,
                quantity=m.quantity,
                reason=m.reason[:200],
                reference=m.reference[:64],
                by=by,
            )
            for m in moves
        ],
        batch_size=1000,
    )


def on_hand_by_lot(
    depot_ids: Iterable[int], item_ids: Iterable[int]
) -> dict[tuple[int, int, int | None], Decimal]:
    """On-hand stock of every lot (depot, item, batch or None) of these depots and items."""
    rows = (
        StockMovement.objects.filter(depot_id__in=set(depot_ids), item_id__in=set(item_ids))
        .order_by()
        .values("depot_id", "item_id", "batch_id")
        .annotate(on_hand=signed_total(ON_HAND))
    )
    return {
        (r["depot_id"], r["item_id"], r["batch_id"]): Decimal(r["on_hand"] or 0).quantize(_CENTS)
        for r in rows
    }
