"""The replay behind the demo cases (web/demo/cases.py): a case played step by step through
the workflow table with the clocks the services keep and the escalations the sweeper writes, the
responsibility list in memory, and who acts on each grid."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from shapely.geometry import shape

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Perm, Role, roles_granting
from resigrid.areas.models import Area
from resigrid.cases import clocks
from resigrid.cases.choices import RequestKind
from resigrid.cases.models import Case, CaseRequest, Whistle
from resigrid.cases.workflow import Action, Stage, State, next_state, stage_of
from resigrid.orgs.models import Unit
from resigrid.registers import routing
from resigrid.registers.choices import Phase
from resigrid.registers.models import Category, Duty
from resigrid.registers.reads import StageMinutes


@dataclass
class Staff:
    """Who acts on a grid's cases, chosen as the services would allow."""

    managers: list[User]
    verifiers: list[list[User]]  # everyone who may verify here, the closest first, by tiers
    reporters: list[User]  # staff who may file patrol/hotline/... cases here
    residents: list[User]

    def verifier(self, rng: random.Random, handler: Any) -> User | None:
        """The closest verifier who did not handle the case (the services refuse that one)."""
        for tier in self.verifiers:
            allowed = [u for u in tier if handler is None or u.pk != handler.pk]
            if allowed:
                return rng.choice(allowed)
        return None


def staff_for(grids: list[Area]) -> dict[int, Staff]:
    def by_perm(perm: Perm) -> list[tuple[str, User]]:
        rows = RoleBinding.objects.filter(role__in=roles_granting(perm)).select_related(
            "user", "area"
        )
        return [(b.area.scope_prefix, b.user) for b in rows if b.user.is_active]

    def tiers(bound: list[tuple[str, User]], code: str) -> list[list[User]]:
        covering = [(len(p), u) for p, u in bound if code.startswith(p)]
        lengths = sorted({n for n, _u in covering}, reverse=True)
        return [sorted({u for n, u in covering if n == k}, key=lambda u: u.pk) for k in lengths]

    def closest(bound: list[tuple[str, User]], code: str) -> list[User]:
        found = tiers(bound, code)
        return found[0] if found else []

    manage, verify, view = (
        by_perm(Perm.MANAGE_CASES),
        by_perm(Perm.VERIFY_CASES),
        by_perm(Perm.VIEW_CASES),
    )
    residents = [
        (b.area.code, b.user)
        for b in RoleBinding.objects.filter(role=Role.RESIDENT).select_related("user", "area")
    ]
    return {
        g.pk: Staff(
            closest(manage, g.code),
            tiers(verify, g.code),
            closest(view, g.code),
            [u for code, u in residents if code == g.code],
        )
        for g in grids
    }


@dataclass
class Route:
    lead: Unit
    support: list[Unit]


class Router:
    """The responsibility list in memory: registers.routing.pick over all active rules."""

    def __init__(self, grids: list[Area]) -> None:
        self.duties = list(
            Duty.objects.active()
            .for_cases()  # hazard-class duties never route cases
            .filter(phase=Phase.RESPOND)
            .select_related("lead_unit")
            .prefetch_related("support_units")
        )
        self.rules = [
            (d.category_id, d.area_id, d) for d in self.duties if d.category_id is not None
        ]
        self.parent = dict(Category.objects.values_list("pk", "parent_id"))
        areas = dict(Area.objects.values_list("pk", "parent_id"))
        self.area_chain = {g.pk: ancestry(areas, g.pk) for g in grids}
        self.cache: dict[tuple[int, int], Route | None] = {}

    def route(self, category_id: int, grid_id: int) -> Route | None:
        key = (category_id, grid_id)
        if key not in self.cache:
            categories = ancestry(self.parent, category_id)
            duty = routing.pick(self.rules, categories, self.area_chain[grid_id])
            self.cache[key] = (
                None
                if duty is None
                else Route(duty.lead_unit, sorted(duty.support_units.all(), key=lambda u: u.pk))
            )
        return self.cache[key]


def ancestry(parent: Mapping[int, int | None], start: int) -> list[int]:
    """A node and its ancestors, nearest first."""
    chain: list[int] = []
    node: int | None = start
    while node is not None and len(chain) < 6:
        chain.append(node)
        node = parent.get(node)
    return chain


class Log(NamedTuple):
    at: dt.datetime
    actor_id: int | None
    action: str
    from_state: str
    to_state: str
    note: str
    public: bool


def point_inside(grid: Area) -> tuple[str, float, float]:
    """A point inside a grid without buildings."""
    if grid.boundary:
        point = shape(grid.boundary).representative_point()
        return "", point.x, point.y
    return "", grid.centroid_lon or 0.0, grid.centroid_lat or 0.0


def in_minutes(m: float) -> dt.timedelta:
    return dt.timedelta(minutes=m)


@dataclass
class Story:
    """One case played through the workflow table up to `now`."""

    case: Case
    limits: StageMinutes
    now: dt.datetime
    t: dt.datetime
    rng: random.Random
    since: dt.datetime | None = None  # when the current stage's clock (re)started
    logs: list[Log] = field(default_factory=list)
    requests: list[CaseRequest] = field(default_factory=list)
    whistles: list[Whistle] = field(default_factory=list)
    support: list[Unit] = field(default_factory=list)
    stopped: bool = False
    first_handled: dt.datetime | None = None

    def wait(self, minutes: float) -> bool:
        """Advance the clock by `minutes`; False (and the story stops) past `now`."""
        if self.stopped:
            return False
        t = self.t + in_minutes(max(minutes, 0.5))
        if t > self.now:
            self.stopped = True
            return False
        self.sweep(t)
        self.t = t
        return True

    def log(self, action: str, actor: Any = None, note: str = "", **kw: Any) -> None:
        self.add(self.t, action, actor, note, **kw)

    def add(
        self,
        at: dt.datetime,
        action: str,
        actor: Any = None,
        note: str = "",
        *,
        public: bool = False,
        from_state: str = "",
        to_state: str = "",
    ) -> None:
        actor_id = actor.pk if actor is not None else None
        self.logs.append(Log(at, actor_id, action, from_state, to_state, note, public))

    def sweep(self, until: dt.datetime) -> None:
        """What the minutely sweeper writes up to `until`: one `escalate` per level reached."""
        c = self.case
        if not c.stage or c.stage_due is None or c.suspended_at is not None:
            return
        length = clocks.stage_minutes(self.limits, Stage(c.stage))
        target = clocks.escalation_level(c.stage_due, until, length)
        for level in range(c.escalation_level + 1, target + 1):
            reached = c.stage_due + in_minutes((level - 1) * length)
            if self.since is not None:
                reached = max(reached, self.since)
            at = reached + min(in_minutes(1), until - reached)
            c.escalation_level = level
            c.overdue_since = c.overdue_since or c.stage_due
            self.add(at, "escalate", None, f"{c.get_stage_display()} · {level}")

    def start_stage(self, stage: Stage | None) -> None:
        c = self.case
        c.stage, c.overdue_since, c.escalation_level = stage or "", None, 0
        self.since = self.t
        if stage is None:
            c.stage_due = None
            return
        c.stage_due = self.t + in_minutes(clocks.stage_minutes(self.limits, stage))
        if stage == Stage.HANDLE:
            c.handle_due = c.stage_due

    def move(self, action: Action, actor: Any, note: str = "", *, public: bool) -> None:
        current = State(self.case.state)
        new = next_state(current, action)
        if stage_of(current) != stage_of(new):
            self.start_stage(stage_of(new))
        self.case.state = new
        self.log(action, actor, note, public=public, from_state=current, to_state=new)

    def request(self, kind: RequestKind, who: Any, decider: Any, reason: str, **kw: Any) -> bool:
        """A request and its approval an hour or two later; False when it lies past now."""
        requested = self.t
        self.log(f"request_{kind}", who, reason)
        row = CaseRequest(case=self.case, kind=kind, reason=reason, requested_by=who,
                          requested_at=requested, **kw)  # fmt: skip
        self.requests.append(row)
        if not self.wait(self.rng.uniform(60, 120)):
            return False
        row.approved, row.decided_by, row.decided_at = True, decider, self.t
        return True
