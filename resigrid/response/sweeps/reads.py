"""Read side of sweeps: per-grid progress (one GROUP BY over the progress index), the contact
lists and the overdue list. Masking of personal data happens here, on the server."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.people import reads as people_reads
from resigrid.people import rules as people_rules
from resigrid.people.choices import Need, Tag
from resigrid.people.models import EmergencyNeed, Vulnerability
from resigrid.response.incidents.models import Incident
from resigrid.response.sweeps.models import (
    Outcome,
    Sweep,
    SweepContact,
    SweepContactQuerySet,
    SweepState,
)


@dataclass(frozen=True)
class GridRow:
    grid_id: int
    grid_code: str
    grid_name: str
    persons: int
    safe: int
    needs_help: int
    unreachable: int

    @property
    def contacted(self) -> int:
        return self.safe + self.needs_help + self.unreachable

    @property
    def pending(self) -> int:
        return self.persons - self.contacted

    @property
    def percent(self) -> int:
        return round(100 * self.contacted / self.persons) if self.persons else 100


def current_sweeps(incident: Incident) -> list[Sweep]:
    """The incident's open sweeps; when none is open, the latest one (closed)."""
    sweeps = list(Sweep.objects.filter(incident=incident).order_by("-started_at", "-pk"))
    open_ = [s for s in sweeps if s.state == SweepState.OPEN]
    return open_ or sweeps[:1]


def progress_query(sweep_ids: Sequence[int]) -> Any:
    """(grid, outcome, count) of the sweeps' contacts: one GROUP BY that PostgreSQL answers with
    an index-only scan of (sweep, grid, outcome), 2-3x faster than conditional counts per grid
    (bench/bench_sweep_progress.py measures both)."""
    return (
        SweepContact.objects.filter(sweep_id__in=list(sweep_ids))
        .order_by()
        .values("grid_id", "outcome")
        .annotate(n=Count("*"))  # COUNT(*): no column outside the index is read
        .values_list("grid_id", "outcome", "n")
    )


def grid_rows(sweep_ids: Sequence[int]) -> list[GridRow]:
    """Per grid, in grid code order: persons and the count of each outcome. One aggregate query
    and one query for the (~hundreds of) grid names."""
    if not sweep_ids:
        return []
    by_grid: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for grid_id, outcome, n in progress_query(sweep_ids):
        by_grid[grid_id][outcome] += n
    grids = Area.objects.filter(pk__in=list(by_grid)).only("pk", "code", "name").order_by("code")
    rows = []
    for g in grids:
        counts = by_grid[g.pk]
        rows.append(
            GridRow(
                grid_id=g.pk,
                grid_code=g.code,
                grid_name=g.name,
                persons=sum(counts.values()),
                safe=counts[Outcome.SAFE],
                needs_help=counts[Outcome.NEEDS_HELP],
                unreachable=counts[Outcome.UNREACHABLE],
            )
        )
    return rows


def is_overdue(sweeps: Sequence[Sweep], rows: Sequence[GridRow], now: dt.datetime) -> bool:
    """An open sweep's deadline has passed and someone is still not contacted."""
    late = any(s.is_overdue(now) for s in sweeps)
    return late and any(r.pending for r in rows)


PAGE_SIZE = 100


def contacts_for(user: Any, sweep: Sweep) -> SweepContactQuerySet:
    """The sweep's contacts the user may list by name: in the grids where they sweep and see
    who is vulnerable, or assigned to them."""
    scoped = SweepContact.objects.visible_to(user).filter(sweep=sweep)
    mine = SweepContact.objects.filter(sweep=sweep, assigned_to_id=getattr(user, "pk", None))
    return (scoped | mine).distinct() if getattr(user, "pk", None) else scoped


def contact_rows(user: Any, contacts: Iterable[SweepContact]) -> list[dict[str, Any]]:
    """Name, address, masked phone, tags and needs (labels only, no free text), the outcome and
    whether the user may tap to call (only with the unmask verb: the call is logged)."""
    items = list(contacts)
    person_ids = [c.person_id for c in items]
    tags: dict[int, list[str]] = defaultdict(list)
    for pid, tag in (
        Vulnerability.objects.filter(person_id__in=person_ids)
        .order_by("tag")
        .values_list("person_id", "tag")
    ):
        tags[pid].append(tag)
    needs: dict[int, list[str]] = defaultdict(list)
    for pid, need in (
        EmergencyNeed.objects.filter(person_id__in=person_ids)
        .order_by("need")
        .values_list("person_id", "need")
    ):
        needs[pid].append(need)
    scope = people_reads.Scope(user)
    rows = []
    for c in items:
        p = c.person
        rows.append(
            {
                "id": c.pk,
                "sweep_id": c.sweep_id,
                "person_id": p.pk,
                "name": p.name,
                "age": people_rules.age_on(p.birth_date, people_reads.today()),
                "grid_id": c.grid_id,
                "grid_name": c.grid.name,
                "address": " ".join(
                    x for x in (p.building.name if p.building else "", p.household.room) if x
                ),
                "phone": people_reads.masked_phone(p.phone_enc),
                "can_call": bool(p.phone_enc) and scope.covers(c.grid.code, Perm.UNMASK_PERSONAL),
                "tags": tags.get(p.pk, []),
                "tag_labels": [str(Tag(t).label) for t in tags.get(p.pk, []) if t in Tag.values],
                "needs": [str(Need(n).label) for n in needs.get(p.pk, []) if n in Need.values],
                "assigned_to": c.assigned_to.full_name if c.assigned_to else "",
                "outcome": c.outcome,
                "method": c.method,
                "note": c.note,
                "at": c.at,
                "attempts": c.attempts,
            }
        )
    return rows


def with_row_data(qs: SweepContactQuerySet) -> SweepContactQuerySet:
    return qs.select_related("person__building", "person__household", "grid", "assigned_to")


def overdue_counts(sweep: Sweep) -> dict[int, int]:
    """grid id → persons not contacted (for the overdue list after the deadline)."""
    return dict(
        SweepContact.objects.filter(sweep=sweep)
        .pending()
        .order_by()
        .values("grid_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "n")
    )
