"""Reserve → issue → delivery confirmed, cancel, the conflict of two coordinators, the
incident log and the summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.resources.models import StockMovement
from resigrid.resources.stock import balance_of, record_movement
from resigrid.response.allocations import summary
from resigrid.response.allocations.models import (
    AllocationLine,
    AllocationPlan,
    LineState,
    PlanState,
)
from resigrid.response.allocations.services import (
    NeedInput,
    cancel,
    compute_plan,
    confirm_delivery,
    create_plan,
    issue,
    reserve,
    set_needs,
)
from resigrid.response.incidents.models import Incident, IncidentLog
from tests.response.allocations.conftest import Supplies

pytestmark = pytest.mark.django_db


def computed(s: Supplies, needs: list[tuple[object, object, int]], **kw: object) -> AllocationPlan:
    plan = create_plan(actor=s.actor, title="洪水物资", area=s.tree.street, **kw)  # type: ignore[arg-type]
    set_needs(
        actor=s.actor,
        plan=plan,
        needs=[NeedInput(g.pk, i.pk, q) for g, i, q in needs],  # type: ignore[attr-defined]
    )
    return compute_plan(actor=s.actor, plan=plan)


def movements(kind: str) -> list[tuple[str, str, str, Decimal]]:
    return sorted(
        (m.depot.name, m.batch.number if m.batch else "", m.reference, m.quantity)
        for m in StockMovement.objects.filter(kind=kind).select_related("depot", "batch")
    )


def test_reserve_writes_one_reservation_per_line_and_protects_the_lot(
    supplies: Supplies, community_staff: User
) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.water, 4, "A", s.today + dt.timedelta(days=10))
    s.stock_in(s.depot1, s.water, 6, "B", s.today + dt.timedelta(days=90))
    plan = computed(s, [(t.grid11, s.water, 4)])
    plan = reserve(actor=s.actor, plan=plan)
    line = plan.lines.get()
    assert plan.state == PlanState.RESERVED and line.state == LineState.RESERVED
    assert movements("reserve") == [("东湖物资库", "A", f"alloc:{plan.pk}:{line.pk}", Decimal("4"))]
    assert balance_of(s.depot1, s.water) == {
        "on_hand": Decimal("10.00"),
        "reserved": Decimal("4.00"),
        "available": Decimal("6.00"),
    }
    # Someone else's withdrawal, earliest expiry first, skips the reserved lot A.
    rows = record_movement(
        actor=community_staff, depot=s.depot1, item=s.water, kind="out", quantity=5
    )
    assert [(r.batch.number if r.batch else "", r.quantity) for r in rows] == [("B", Decimal("5"))]
    with pytest.raises(ValidationFailed, match="Not enough stock: 1 箱 of 瓶装水 available"):
        record_movement(actor=community_staff, depot=s.depot1, item=s.water, kind="out", quantity=2)
    with pytest.raises(ValidationFailed, match="Not enough stock: 0 箱 of 瓶装水 in this batch"):
        record_movement(
            actor=community_staff,
            depot=s.depot1,
            item=s.water,
            kind="out",
            quantity=1,
            batch_number="A",
        )


def test_second_coordinator_gets_a_conflict_and_nothing_is_written(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 3)
    first = computed(s, [(t.grid11, s.tent, 3)])
    second = computed(s, [(t.grid12, s.tent, 2)])
    reserve(actor=s.actor, plan=first)
    with pytest.raises(ConflictError) as err:
        reserve(actor=s.actor, plan=second)
    assert str(err.value.message) == (
        "The stock of 帐篷 in 东湖物资库 changed meanwhile (another coordinator reserved or "
        "issued it): 0 顶 free in this lot, the plan needs 2. Nothing was reserved: compute "
        "the plan again."
    )
    second.refresh_from_db()
    assert second.state == PlanState.DRAFT
    assert set(second.lines.values_list("state", flat=True)) == {LineState.PROPOSED}
    assert StockMovement.objects.filter(kind="reserve").count() == 1
    assert not second.events.filter(action="reserved").exists()
    # Reserving the same plan twice: the second answer is a conflict on its state.
    with pytest.raises(ConflictError, match="The plan is Reserved now"):
        reserve(actor=s.actor, plan=first)


def test_issue_takes_the_reserved_lots_out_and_releases(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.water, 5, "A", s.today + dt.timedelta(days=10))
    s.stock_in(s.depot2, s.water, 5, "C", s.today + dt.timedelta(days=10))
    plan = reserve(actor=s.actor, plan=computed(s, [(t.grid11, s.water, 7)]))
    plan = issue(actor=s.actor, plan=plan)
    ref = {x.depot.name: x.reference for x in plan.lines.select_related("depot")}
    assert movements("out") == [
        ("东湖物资库", "A", ref["东湖物资库"], Decimal("5")),
        ("西湖物资库", "C", ref["西湖物资库"], Decimal("2")),
    ]
    assert movements("release") == movements("out")
    assert balance_of(s.depot1, s.water)["on_hand"] == Decimal("0.00")
    assert balance_of(s.depot2, s.water) == {
        "on_hand": Decimal("3.00"),
        "reserved": Decimal("0.00"),
        "available": Decimal("3.00"),
    }
    assert set(plan.lines.values_list("state", flat=True)) == {LineState.ISSUED}
    with pytest.raises(ConflictError):
        issue(actor=s.actor, plan=plan)


def test_delivery_confirmed_by_the_grid_worker_and_discrepancy_logged(
    supplies: Supplies, grid_worker: User
) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 10)
    plan = computed(s, [(t.grid11, s.tent, 4), (t.grid21, s.tent, 2)])
    plan = issue(actor=s.actor, plan=reserve(actor=s.actor, plan=plan))
    to11 = plan.lines.get(grid=t.grid11)
    to21 = plan.lines.get(grid=t.grid21)
    with pytest.raises(PermissionDeniedError):
        confirm_delivery(actor=grid_worker, line=to21, received_quantity=2)
    with pytest.raises(ValidationFailed, match="differs from the quantity sent"):
        confirm_delivery(actor=grid_worker, line=to11, received_quantity=3)
    line = confirm_delivery(actor=grid_worker, line=to11, received_quantity=3, note="一顶破损")
    assert (line.state, line.received_quantity, line.discrepancy) == (LineState.DELIVERED, 3, -1)
    assert line.delivered_by == grid_worker
    again = confirm_delivery(actor=grid_worker, line=to11, received_quantity=3, note="一顶破损")
    assert again.pk == line.pk and plan.events.filter(action="discrepancy").count() == 1
    with pytest.raises(ConflictError, match="This delivery is Delivered already"):
        confirm_delivery(actor=grid_worker, line=to11, received_quantity=4)
    event = plan.events.get(action="discrepancy")
    assert (event.note, event.data["sent"], event.data["received"]) == ("一顶破损", 4, 3)
    plan.refresh_from_db()
    assert plan.state == PlanState.ISSUED
    confirm_delivery(actor=s.actor, line=to21, received_quantity=2)
    confirm_delivery(actor=s.actor, line=to21, received_quantity=2)  # the retry answers the same
    plan.refresh_from_db()
    assert plan.state == PlanState.DELIVERED
    assert plan.events.filter(action="all_delivered").count() == 1


def test_cancel_releases_the_reservations(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 6)
    plan = reserve(actor=s.actor, plan=computed(s, [(t.grid11, s.tent, 6)]))
    assert balance_of(s.depot1, s.tent)["available"] == Decimal("0.00")
    plan = cancel(actor=s.actor, plan=plan, reason="灾情解除")
    assert plan.state == PlanState.CANCELLED
    assert balance_of(s.depot1, s.tent) == {
        "on_hand": Decimal("6.00"),
        "reserved": Decimal("0.00"),
        "available": Decimal("6.00"),
    }
    assert set(plan.lines.values_list("state", flat=True)) == {LineState.CANCELLED}
    with pytest.raises(ConflictError):
        cancel(actor=s.actor, plan=plan)


def test_scope_refuses_and_writes_nothing(
    supplies: Supplies, community_admin: User, grid_worker: User, outsider: User
) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 6)
    plan = computed(s, [(t.grid11, s.tent, 6)])
    for who in (community_admin, grid_worker, outsider):
        with pytest.raises(PermissionDeniedError):
            reserve(actor=who, plan=plan)
        with pytest.raises(PermissionDeniedError):
            create_plan(actor=who, title="x", area=t.street)
    assert StockMovement.objects.filter(kind="reserve").count() == 0
    assert AllocationPlan.objects.count() == 1


def test_incident_log_and_summary(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 3)
    incident = Incident.objects.create(
        title="暴雨内涝",
        hazard_class=HazardClass.NATURAL,
        area=t.street,
        level=ResponseLevel.III,
        opened_by=s.actor,
    )
    plan = computed(s, [(t.grid11, s.tent, 2), (t.grid21, s.tent, 4)], incident=incident)
    reserve(actor=s.actor, plan=plan)
    assert list(IncidentLog.objects.filter(incident=incident).values_list("action", flat=True)) == [
        "allocation.created",
        "allocation.needs",
        "allocation.computed",
        "allocation.reserved",
    ]
    assert summary.for_incident(incident) == summary.SupplySummary(
        plans=1, lines_reserved=2, lines_issued=0, lines_delivered=0, shortages=1
    )
    cancelled = computed(s, [(t.grid11, s.tent, 9)], incident=incident)
    cancel(actor=s.actor, plan=cancelled)
    assert summary.for_incident(incident).plans == 1
    assert AllocationLine.objects.filter(plan=plan).count() == 2
