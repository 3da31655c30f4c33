"""The routing tables in process memory, for the hot path of case intake.

Categories, time limits, active duties with their units and the area tree's parent links change
a few times a day and are read by every report. `current()` keeps them per process and checks a
fingerprint of the tables (one aggregate query: row counts, highest ids, last `updated_at`,
the register change log, sums over the time limits) at most every `CACHE_CHECK_SECONDS`
(default 1 s; the test settings use 0, since test transactions roll back). So a change made
anywhere, even around the services (bulk writes, raw SQL), is seen by every process within
about a second; a category code the snapshot does not know forces an immediate re-check, so a
new category is usable at once.

The results equal `reads.category_chain` / `reads.deadlines_for` / `reads.route` /
`reads.area_chain` (tests/cases/test_intake_queries.py compares them); those stay the
uncached reads for everything else.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from resigrid.areas.models import Area
from resigrid.orgs.models import Unit
from resigrid.registers import routing
from resigrid.registers.choices import Phase
from resigrid.registers.models import Category, Deadline, Duty
from resigrid.registers.reads import Route, StageMinutes, default_minutes

MAX_DEPTH = 10  # as reads.category_chain / reads.area_chain


def _now() -> float:
    return time.monotonic()


def check_seconds() -> float:
    return float(getattr(settings, "CACHE_CHECK_SECONDS", 1.0))


def _fingerprint_sql() -> str:
    """One aggregate query over the tables the snapshot reads (names from the models)."""
    from resigrid.registers.models import RegisterChange

    q = connection.ops.quote_name
    stamped = ("COUNT(*)", "MAX(id)", "MAX(updated_at)")
    terms = [(e, m._meta.db_table) for m in (Category, Duty, Unit, Area) for e in stamped]
    # Time limits have no timestamp: the weighted sum moves when a limit is edited in place.
    terms += [
        (e, Deadline._meta.db_table)
        for e in (
            "COUNT(*)",
            "MAX(id)",
            "SUM(category_id + accept_minutes + 3 * dispatch_minutes + 7 * handle_minutes"
            " + 11 * verify_minutes)",
        )
    ]
    through = Duty.support_units.through._meta.db_table
    terms += [("COUNT(*)", through), ("SUM(duty_id * 7 + unit_id)", through)]
    terms += [("MAX(id)", RegisterChange._meta.db_table)]
    return "SELECT " + ", ".join(f"(SELECT {e} FROM {q(t)})" for e, t in terms)  # noqa: S608


def fingerprint() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        row = cursor.fetchone()
    return tuple(row)


@dataclass(frozen=True)
class Snapshot:
    leaves: dict[str, Category]  # code → active category without active children
    parents: dict[int, int | None]  # category id → parent id
    limits: dict[tuple[int, str], StageMinutes]  # (category id, priority) → own time limits
    duties: dict[tuple[int, int, str], Duty]  # (category id, area id, phase) → active duty
    support: dict[int, list[Unit]]  # duty id → support units by pk
    area_parents: dict[int, int | None]  # area id → parent id

    def category_chain_ids(self, category_id: int) -> list[int]:
        chain = [category_id]
        while (parent := self.parents.get(chain[-1])) is not None and len(chain) < MAX_DEPTH:
            chain.append(parent)
        return chain

    def area_chain_ids(self, area_id: int) -> list[int] | None:
        """The area and its ancestors, nearest first; None for an area it does not know."""
        if area_id not in self.area_parents:
            return None
        chain = [area_id]
        while (parent := self.area_parents.get(chain[-1])) is not None and len(chain) < MAX_DEPTH:
            chain.append(parent)
        return chain

    def deadlines_for(self, category_id: int, priority: str) -> StageMinutes:
        for node in self.category_chain_ids(category_id):
            found = self.limits.get((node, priority))
            if found is not None:
                return found
        return default_minutes(priority)

    def route(self, category_id: int, area_id: int, phase: str = Phase.RESPOND) -> Route:
        """`reads.route` from memory."""
        areas = self.area_chain_ids(area_id)
        if areas is None:
            from resigrid.registers.reads import route

            return route(Category.objects.get(pk=category_id), Area.objects.get(pk=area_id), phase)
        categories = self.category_chain_ids(category_id)
        rules = [
            (c, a, duty)
            for a in areas
            for c in categories
            if (duty := self.duties.get((c, a, phase))) is not None
        ]
        duty = routing.pick(rules, categories, areas)
        if duty is None:
            return Route(None, None, [])
        return Route(duty, duty.lead_unit, list(self.support.get(duty.pk, [])))


def build() -> Snapshot:
    categories = list(Category.objects.all())
    active_parents = {c.parent_id for c in categories if c.active and c.parent_id is not None}
    leaves = {c.code: c for c in categories if c.active and c.pk not in active_parents}
    limits = {
        (d.category_id, d.priority): StageMinutes(
            d.accept_minutes, d.dispatch_minutes, d.handle_minutes, d.verify_minutes
        )
        for d in Deadline.objects.all()
    }
    duties = {
        (d.category_id, d.area_id, d.phase): d
        for d in Duty.objects.active().for_cases().select_related("lead_unit", "category", "area")
        if d.category_id is not None
    }
    support: dict[int, list[Unit]] = {}
    through = Duty.support_units.through.objects.filter(
        duty__active=True, duty__category__isnull=False
    ).select_related("unit")
    for row in through.order_by("unit_id"):
        support.setdefault(row.duty_id, []).append(row.unit)
    return Snapshot(
        leaves=leaves,
        parents={c.pk: c.parent_id for c in categories},
        limits=limits,
        duties=duties,
        support=support,
        area_parents=dict(Area.objects.values_list("id", "parent_id")),
    )


_lock = threading.Lock()
_state: dict[str, Any] = {"key": None, "snapshot": None, "checked": 0.0}


def current(*, force_check: bool = False) -> Snapshot:
    """The snapshot, re-checked against the database at most every CACHE_CHECK_SECONDS."""
    with _lock:
        now = _now()
        snapshot: Snapshot | None = _state["snapshot"]
        if snapshot is not None and not force_check and now - _state["checked"] < check_seconds():
            return snapshot
        key = fingerprint()
        if snapshot is None or key != _state["key"]:
            snapshot = build()
            _state.update(key=key, snapshot=snapshot)
        _state["checked"] = now
        return snapshot


def leaf(code: str) -> Category | None:
    """The active leaf category with this code (what a case may carry), or None."""
    found = current().leaves.get(code)
    if found is None:
        found = current(force_check=True).leaves.get(code)
    return found


def invalidate() -> None:
    with _lock:
        _state.update(key=None, snapshot=None, checked=0.0)
