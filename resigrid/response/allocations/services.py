"""Writes of supply allocation: plan → needs → compute → reserve → issue → delivery confirmed.

Every function owns its transaction, checks the permission, locks what two coordinators could
race on and logs the step (the plan's own events and, with an incident, the incident's log).
Reserving and issuing lock the depot-item rows (the same locks `record_movement` takes) and
re-read the free stock of every lot under them: when someone reserved or took the stock
meanwhile, a translated ConflictError names the item and the depot and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.resources.choices import MovementKind
from resigrid.resources.models import Depot, Item
from resigrid.resources.reservations import (
    LotMove,
    ensure_depot_items,
    free_lots,
    lock_depot_items,
    on_hand_by_lot,
    write_lot_movements,
)
from resigrid.response.allocations.models import (
    AllocationEvent,
    AllocationLine,
    AllocationPlan,
    LineState,
    NeedLine,
    NeedSource,
    PlanState,
)
from resigrid.response.allocations.needs import MAX_QUANTITY, grids_of, needs_from_plan
from resigrid.response.allocations.permissions import can_allocate, can_confirm_delivery
from resigrid.response.allocations.solve import NeedIn, propose
from resigrid.response.incidents import services as incident_services
from resigrid.response.incidents.models import Incident, IncidentState


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _log(
    plan: AllocationPlan, actor: User | None, action: str, note: str = "", **data: Any
) -> None:
    AllocationEvent.objects.create(plan=plan, actor=actor, action=action, note=note, data=data)
    incident = plan.incident if plan.incident_id is not None else None
    if incident is not None:
        incident_services.record(
            incident=incident,
            actor=actor,
            action=f"allocation.{action}",
            note=note,
            data={"plan": plan.pk, **data},
        )


def _require_allocate(actor: Any, area: Area) -> None:
    if not can_allocate(actor, area):
        raise PermissionDeniedError(
            _("You may not allocate supplies in %(area)s.") % {"area": area.name}
        )


def _locked_plan(plan: AllocationPlan, *states: str) -> AllocationPlan:
    """Re-read the plan under its row lock and check it is still in one of `states`."""
    locked = (
        AllocationPlan.objects.select_for_update(of=("self",))
        .select_related("incident", "area")
        .get(pk=plan.pk)
    )
    if locked.state not in states:
        raise ConflictError(
            _("The plan is %(state)s now: reload the page.")
            % {"state": PlanState(locked.state).label},
            state=locked.state,
        )
    return locked


def allocation_depots(actor: Any) -> list[Depot]:
    """Depots a coordinator may draw from: those in their supply-allocation scope."""
    return list(Depot.objects.visible_to(actor, Perm.ALLOCATE_SUPPLIES).order_by("pk"))


# --- plan and needs ------------------------------------------------------------------------


def create_plan(
    *,
    actor: Any,
    title: str,
    area: Area | None = None,
    incident: Incident | None = None,
    needed_by: dt.date | None = None,
    from_plan: bool = False,
) -> AllocationPlan:
    """A draft plan for an incident (its area) or an area; with `from_plan`, the needs of the
    incident's activated plan × each grid's residents are filled in."""
    title = (title or "").strip()
    if not title:
        raise _fail("title", _("Give the plan a title."))
    if len(title) > 160:
        raise _fail("title", _("At most %(n)d characters are allowed.") % {"n": 160})
    if incident is not None:
        if incident.state == IncidentState.CLOSED:
            raise _fail("incident", _("The incident is closed."))
        area = incident.area
    if area is None:
        raise _fail("area", _("Choose the area or the incident the supplies are for."))
    _require_allocate(actor, area)
    today = timezone.localdate()
    needed_by = needed_by or today
    if needed_by < today:
        raise _fail("needed_by", _("The delivery date is in the past."))
    with transaction.atomic():
        plan = AllocationPlan.objects.create(
            incident=incident, area=area, title=title, needed_by=needed_by, created_by=actor
        )
        source = "entered"
        if from_plan:
            if incident is None:
                raise _fail("source", _("Needs from a plan need an incident with a plan."))
            grids = grids_of(area)
            NeedLine.objects.bulk_create(
                [
                    NeedLine(
                        plan=plan,
                        grid_id=n.grid_id,
                        item_id=n.item_id,
                        quantity=n.quantity,
                        source=NeedSource.PLAN,
                        per_thousand=n.per_thousand,
                        population=n.population,
                    )
                    for n in needs_from_plan(incident, grids)
                ]
            )
            source = "plan"
        _log(plan, actor, "created", title, source=source)
    return plan


@dataclass(frozen=True)
class NeedInput:
    grid_id: int
    item_id: int
    quantity: int


def set_needs(*, actor: Any, plan: AllocationPlan, needs: Sequence[NeedInput]) -> int:
    """Replace the needs of a draft plan (a quantity of 0 drops a need). Proposed lines are
    dropped: compute again. Returns the number of needs kept."""
    _require_allocate(actor, plan.area)
    grids = {g.pk: g for g in grids_of(plan.area)}
    seen: set[tuple[int, int]] = set()
    errors: dict[str, list[str]] = {}
    item_ids = set(
        Item.objects.filter(pk__in={n.item_id for n in needs}).values_list("pk", flat=True)
    )
    for i, n in enumerate(needs):
        key = f"needs.{i}"
        if n.grid_id not in grids:
            errors[key] = [_("This grid is not in the plan's area.")]
        elif n.item_id not in item_ids:
            errors[key] = [_("No such item.")]
        elif not 0 <= n.quantity <= MAX_QUANTITY:
            errors[key] = [
                _("The quantity must be a whole number from 0 to %(max)d.") % {"max": MAX_QUANTITY}
            ]
        elif (n.grid_id, n.item_id) in seen:
            errors[key] = [_("This grid and item are listed twice.")]
        seen.add((n.grid_id, n.item_id))
    if errors:
        raise ValidationFailed(
            _("Some needs are wrong: nothing was saved."), field="needs", errors=errors
        )
    with transaction.atomic():
        plan = _locked_plan(plan, PlanState.DRAFT)
        old = {(n.grid_id, n.item_id): n for n in plan.needs.all()}
        plan.needs.all().delete()
        plan.lines.all().delete()
        keep = [n for n in needs if n.quantity > 0]
        rows = []
        for n in keep:
            before = old.get((n.grid_id, n.item_id))
            same = before is not None and before.quantity == n.quantity
            rows.append(
                NeedLine(
                    plan=plan,
                    grid_id=n.grid_id,
                    item_id=n.item_id,
                    quantity=n.quantity,
                    source=before.source if same and before else NeedSource.ENTERED,
                    per_thousand=before.per_thousand if same and before else None,
                    population=before.population if same and before else None,
                )
            )
        NeedLine.objects.bulk_create(rows)
        plan.computed_at = None
        plan.total_distance_m = 0
        plan.total_shortage = 0
        plan.save(update_fields=["computed_at", "total_distance_m", "total_shortage"])
        _log(plan, actor, "needs", "", count=len(rows))
    return len(rows)


# --- compute -------------------------------------------------------------------------------


def compute_plan(*, actor: Any, plan: AllocationPlan) -> AllocationPlan:
    """Propose lines: the least total distance within free stock, never an expired lot,
    shortages per need. Replaces earlier proposed lines."""
    _require_allocate(actor, plan.area)
    needs = list(plan.needs.all())
    if not needs:
        raise _fail("needs", _("Enter at least one need before computing."))
    grids = grids_of(plan.area)
    depots = allocation_depots(actor)
    proposal = propose(
        depots=depots,
        grids=grids,
        needs=[NeedIn(n.grid_id, n.item_id, n.quantity) for n in needs],
        needed_by=plan.needed_by,
    )
    with transaction.atomic():
        plan = _locked_plan(plan, PlanState.DRAFT)
        plan.lines.all().delete()
        AllocationLine.objects.bulk_create(
            [
                AllocationLine(
                    plan=plan,
                    depot_id=s.depot_id,
                    batch_id=s.batch_id,
                    grid_id=s.grid_id,
                    item_id=s.item_id,
                    quantity=s.quantity,
                    distance_m=s.distance_m,
                )
                for s in proposal.lines
            ],
            batch_size=1000,
        )
        plan.needs.exclude(shortage=0).update(shortage=0)
        short = []
        for need in needs:
            need.shortage = proposal.shortage.get((need.grid_id, need.item_id), 0)
            if need.shortage:
                short.append(need)
        NeedLine.objects.bulk_update(short, ["shortage"], batch_size=500)
        plan.total_distance_m = proposal.cost
        plan.total_shortage = sum(proposal.shortage.values())
        plan.figures = proposal.figures
        plan.computed_at = timezone.now()
        plan.save(update_fields=["total_distance_m", "total_shortage", "figures", "computed_at"])
        _log(
            plan,
            actor,
            "computed",
            "",
            lines=len(proposal.lines),
            distance_m=proposal.cost,
            shortage=plan.total_shortage,
        )
    return plan


# --- reserve, issue, deliver, cancel -------------------------------------------------------


def _names(
    depot_ids: Iterable[int], item_ids: Iterable[int]
) -> tuple[dict[int, Depot], dict[int, Item]]:
    return (
        Depot.objects.in_bulk(set(depot_ids)),
        Item.objects.in_bulk(set(item_ids)),
    )


def _fmt(value: Decimal | int) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def reserve(*, actor: Any, plan: AllocationPlan) -> AllocationPlan:
    """Reserve every proposed line under the depot-item locks (all or nothing)."""
    _require_allocate(actor, plan.area)
    with transaction.atomic():
        plan = _locked_plan(plan, PlanState.DRAFT)
        lines = list(plan.lines.filter(state=LineState.PROPOSED))
        if not lines:
            raise _fail("lines", _("Compute the plan before reserving: it has no lines."))
        depots, items = _names({x.depot_id for x in lines}, {x.item_id for x in lines})
        for depot in depots.values():
            if not covers(actor, depot.area.code, Perm.ALLOCATE_SUPPLIES):
                raise PermissionDeniedError(
                    _("You may not draw supplies from %(depot)s.") % {"depot": depot.name}
                )
        ensure_depot_items({(x.depot_id, x.item_id) for x in lines})
        lock_depot_items(depots, items)
        free = {(lot.depot_id, lot.item_id, lot.batch_id): lot for lot in free_lots(depots, items)}
        wanted: dict[tuple[int, int, int | None], int] = defaultdict(int)
        for x in lines:
            wanted[(x.depot_id, x.item_id, x.batch_id)] += x.quantity
        for key in sorted(wanted, key=lambda k: (k[0], k[1], k[2] or 0)):
            lot = free.get(key)
            have = lot.free if lot else Decimal("0")
            expired = lot is not None and lot.expiry is not None and lot.expiry < plan.needed_by
            if have < wanted[key] or expired:
                item, depot = items[key[1]], depots[key[0]]
                raise ConflictError(
                    _(
                        "The stock of %(item)s in %(depot)s changed meanwhile (another "
                        "coordinator reserved or issued it): %(have)s %(uom)s free in this lot, "
                        "the plan needs %(need)s. Nothing was reserved: compute the plan again."
                    )
                    % {
                        "item": item.name,
                        "depot": depot.name,
                        "have": _fmt(have),
                        "uom": item.uom,
                        "need": wanted[key],
                    },
                    field="lines",
                )
        write_lot_movements(
            [
                LotMove(
                    depot_id=x.depot_id,
                    item_id=x.item_id,
                    batch_id=x.batch_id,
                    kind=MovementKind.RESERVE,
                    quantity=Decimal(x.quantity),
                    reference=x.reference,
                    reason=plan.title,
                )
                for x in lines
            ],
            actor=actor,
        )
        plan.lines.filter(state=LineState.PROPOSED).update(state=LineState.RESERVED)
        plan.state = PlanState.RESERVED
        plan.save(update_fields=["state"])
        _log(plan, actor, "reserved", "", lines=len(lines), units=sum(x.quantity for x in lines))
    return plan


def issue(*, actor: Any, plan: AllocationPlan) -> AllocationPlan:
    """Take the reserved units out of stock (one movement per line and lot) and release the
    reservations; the lines wait for confirmation at their grids."""
    _require_allocate(actor, plan.area)
    with transaction.atomic():
        plan = _locked_plan(plan, PlanState.RESERVED)
        lines = list(plan.lines.filter(state=LineState.RESERVED))
        depots, items = _names({x.depot_id for x in lines}, {x.item_id for x in lines})
        lock_depot_items(depots, items)
        on_hand = on_hand_by_lot(depots, items)
        wanted: dict[tuple[int, int, int | None], int] = defaultdict(int)
        for x in lines:
            wanted[(x.depot_id, x.item_id, x.batch_id)] += x.quantity
        for key, qty in wanted.items():
            if on_hand.get(key, Decimal("0")) < qty:
                item, depot = items[key[1]], depots[key[0]]
                raise ConflictError(
                    _(
                        "%(item)s in %(depot)s: only %(have)s %(uom)s left in the reserved lot, "
                        "%(need)s to issue. Nothing was issued."
                    )
                    % {
                        "item": item.name,
                        "depot": depot.name,
                        "have": _fmt(on_hand.get(key, Decimal("0"))),
                        "uom": item.uom,
                        "need": qty,
                    },
                    field="lines",
                )
        moves: list[LotMove] = []
        for x in lines:
            for kind in (MovementKind.RELEASE, MovementKind.OUT):
                moves.append(
                    LotMove(
                        depot_id=x.depot_id,
                        item_id=x.item_id,
                        batch_id=x.batch_id,
                        kind=kind,
                        quantity=Decimal(x.quantity),
                        reference=x.reference,
                        reason=plan.title,
                    )
                )
        write_lot_movements(moves, actor=actor)
        plan.lines.filter(state=LineState.RESERVED).update(state=LineState.ISSUED)
        plan.state = PlanState.ISSUED
        plan.save(update_fields=["state"])
        _log(plan, actor, "issued", "", lines=len(lines), units=sum(x.quantity for x in lines))
    return plan


def confirm_delivery(
    *, actor: Any, line: AllocationLine, received_quantity: int, note: str = ""
) -> AllocationLine:
    """The grid confirms what arrived; a difference needs a note and is logged."""
    if not can_confirm_delivery(actor, line.grid):
        raise PermissionDeniedError(_("You may not confirm deliveries to this grid."))
    note = (note or "").strip()
    if len(note) > 500:
        raise _fail("note", _("At most %(n)d characters are allowed.") % {"n": 500})
    if isinstance(received_quantity, bool) or not 0 <= received_quantity <= MAX_QUANTITY:
        raise _fail(
            "received_quantity",
            _("The quantity must be a whole number from 0 to %(max)d.") % {"max": MAX_QUANTITY},
        )
    if received_quantity != line.quantity and not note:
        raise _fail("note", _("The quantity received differs from the quantity sent: say why."))
    with transaction.atomic():
        plan = _locked_plan(line.plan, PlanState.ISSUED, PlanState.DELIVERED)
        locked = AllocationLine.objects.select_for_update().get(pk=line.pk)
        if (
            locked.state,
            locked.delivered_by_id,
            locked.received_quantity,
            locked.received_note,
        ) == (LineState.DELIVERED, getattr(actor, "pk", None), received_quantity, note):
            return locked  # a retry of the same confirmation (a phone on a bad line)
        if locked.state != LineState.ISSUED:
            raise ConflictError(
                _("This delivery is %(state)s already.") % {"state": LineState(locked.state).label},
                state=locked.state,
            )
        locked.state = LineState.DELIVERED
        locked.received_quantity = received_quantity
        locked.received_note = note
        locked.delivered_by = actor
        locked.delivered_at = timezone.now()
        locked.save(
            update_fields=[
                "state",
                "received_quantity",
                "received_note",
                "delivered_by",
                "delivered_at",
            ]
        )
        data = {
            "line": locked.pk,
            "grid": locked.grid_id,
            "sent": locked.quantity,
            "received": received_quantity,
        }
        action = "delivered" if received_quantity == locked.quantity else "discrepancy"
        _log(plan, actor, action, note, **data)
        if not plan.lines.filter(state=LineState.ISSUED).exists():
            plan.state = PlanState.DELIVERED
            plan.save(update_fields=["state"])
            _log(plan, actor, "all_delivered")
    return locked


def cancel(*, actor: Any, plan: AllocationPlan, reason: str = "") -> AllocationPlan:
    """Cancel a draft or reserved plan; reservations are released. Issued stock is not undone."""
    _require_allocate(actor, plan.area)
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        plan = _locked_plan(plan, PlanState.DRAFT, PlanState.RESERVED)
        reserved = list(plan.lines.filter(state=LineState.RESERVED))
        if reserved:
            lock_depot_items({x.depot_id for x in reserved}, {x.item_id for x in reserved})
            write_lot_movements(
                [
                    LotMove(
                        depot_id=x.depot_id,
                        item_id=x.item_id,
                        batch_id=x.batch_id,
                        kind=MovementKind.RELEASE,
                        quantity=Decimal(x.quantity),
                        reference=x.reference,
                        reason=plan.title,
                    )
                    for x in reserved
                ],
                actor=actor,
            )
        plan.lines.exclude(state=LineState.CANCELLED).update(state=LineState.CANCELLED)
        plan.state = PlanState.CANCELLED
        plan.save(update_fields=["state"])
        _log(plan, actor, "cancelled", reason, released=len(reserved))
    return plan
