"""Volunteer assignment: fill as many task slots as possible, then with the least travel.

Input (see `eligibility`): volunteers with skills (bit sets), home (lon, lat), availability
windows and bookings; slots with required skills, place and window. Cost is the great-circle
distance from home to the task, in metres.

Double booking. Slots are split into *time groups*: runs of windows that overlap one another
(sorted by start, a new group begins where a window starts at or after every earlier end).
Within a group a volunteer takes at most one slot; groups never overlap in time, so one slot
per group can never double-book. This is conservative: in a chain [8, 10) · [9, 11) · [10, 12)
a volunteer could serve the first and the last, but gets one of the three. Travel between two
tasks of one volunteer is not modelled.

Each group is a min-cost bipartite matching solved exactly by OR-Tools min-cost flow (maximum
flow first, then the least cost) on a sparse graph:

- *candidates*: the ``k`` nearest eligible volunteers of each slot and, where volunteers are
  scarce (the group cannot fill every slot), the ``k`` nearest eligible slots of each volunteer.
  Slots with the same skills and window are one *type* with the same eligible volunteers, so
  each type gets a KD-tree (on the unit sphere) over exactly those; when the volunteer × type
  table is too large (`_TYPE_PAIRS`), one tree per skill set is searched wider and wider,
  skipping the ineligible, until ``k`` are found or everyone was looked at;
- *hubs*, which make the filled count exact: the type-level max flow (volunteer → type → sink,
  a type's capacity its number of slots) is the most any assignment can fill; if the candidates
  fill fewer, every volunteer eligible for a type gets an arc to the type's hub, and the hub
  an arc to each slot of the type, at a penalty larger than any saving in distance. Through the
  hubs the graph holds every eligible pair, so the maximum flow is the dense optimum's filled
  count; the penalty makes the solver use a hub only where the candidates cannot fill a slot.
  Where it does, both ends' lists grow (× 4) and the group is solved again; hub pairs left after
  ``max_rounds`` are kept (they are eligible) with their true distance, paired by a small dense
  assignment inside each hub.

A group with too many types for hubs (more than `_HUB_PAIRS` volunteer × type pairs) is solved on
candidates alone, with an alternating search from every unfilled slot: while a slot it reaches
has eligible volunteers outside its list, that list grows; when none is left no augmenting path
exists in the full graph (Berge) and the filled count is proved maximal (``max_filled``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # no scipy-stubs in the lock

from resigrid.optim.eligibility import (
    BoolArray,
    IntArray,
    Problem,
    Slots,
    Volunteers,
    prepare,
    skill_codes,
    time_groups,
)
from resigrid.optim.errors import OptimInputError
from resigrid.optim.geo import haversine_m, unit_vectors
from resigrid.optim.neighbours import EMPTY, Lists, everyone, knn

#: Above this many distinct required-skill sets, one KD-tree over everyone replaces one per set.
_MAX_SKILL_TREES = 64
#: Per-type KD-trees need the eligibility of every volunteer for every slot type (checked once).
_TYPE_PAIRS = 50_000_000
#: Hubs need the eligibility of every volunteer for every slot type of a group.
_HUB_PAIRS = 4_000_000

#: Growth rounds without hubs: the alternating search can reach most slots when volunteers are
#: scarce, and each round multiplies their lists by four.
_FALLBACK_ROUNDS = 2

#: Groups this large compute their slot types (and so the exact fill target) before any solve.
_EAGER_TYPES = 256

_EMPTY = EMPTY


@dataclass(frozen=True)
class Match:
    """Why ``volunteer`` got ``slot``: it holds ``skills`` (the codes the slot requires), is free
    for the whole window, and lives ``distance_m`` away."""

    slot: int
    volunteer: int
    distance_m: int
    skills: tuple[int, ...]

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000.0

    def explain(self, skill_names: Sequence[str] | None = None) -> str:
        names = [skill_names[c] if skill_names else str(c) for c in self.skills]
        has = f"has {', '.join(names)}" if names else "no skill required"
        return (
            f"Volunteer {self.volunteer} for slot {self.slot}: {has}; available and not booked "
            f"for the whole window; {self.distance_km:.2f} km away."
        )


@dataclass(frozen=True)
class Unfilled:
    """``reason``: ``no_eligible_volunteer`` (nobody has the skills, the time and no booking) or
    ``volunteers_taken`` (every eligible volunteer serves another slot of the same time group)."""

    slot: int
    reason: str


@dataclass(frozen=True)
class Assignment:
    volunteer_of_slot: IntArray  # per slot, −1 when unfilled
    distance_m: IntArray  # per slot, 0 when unfilled
    matches: tuple[Match, ...]
    unfilled: tuple[Unfilled, ...]
    total_m: int
    groups: int  # time groups
    candidate_pairs: int  # candidate edges in the last graphs
    rounds: int  # growth rounds after the first solve, summed over groups
    max_filled: bool  # the filled count is proved maximal (always, unless a group gave up)

    @property
    def filled(self) -> int:
        return len(self.matches)


class _Solver:
    def __init__(self, p: Problem, k: int) -> None:
        self.p = p
        self.k0 = k
        self.v_xyz = unit_vectors(p.v_lon, p.v_lat)
        self.s_xyz = unit_vectors(p.s_lon, p.s_lat)
        self.fwd = Lists(p.n_slots)  # slot → volunteers
        self.rev = Lists(p.n_volunteers)  # volunteer → slots (per group: slots of that group)
        self._trees: dict[int, tuple[IntArray, cKDTree | None]] = {}
        self._type_trees: dict[int, tuple[IntArray, cKDTree | None]] = {}
        self._per_mask = np.unique(p.s_skills).size <= _MAX_SKILL_TREES
        # Slot types (same skills and window): every slot of a type has the same eligible
        # volunteers, so when the volunteer × type table is affordable each type gets a KD-tree
        # over exactly its eligible volunteers and no search has to skip anyone.
        key = np.column_stack([p.s_skills, p.s_start, p.s_end])
        uniq, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        self.slot_type = inv.ravel().astype(np.int64)
        self.type_rep = first.astype(np.int64)
        self.typed = p.n_volunteers * uniq.shape[0] <= _TYPE_PAIRS
        self.fill_slots(np.arange(p.n_slots, dtype=np.int64), k)

    def _vol_pool(self, mask: int) -> tuple[IntArray, cKDTree | None]:
        if mask not in self._trees:
            p = self.p
            pool = np.flatnonzero((p.v_skills & mask) == mask).astype(np.int64)
            self._trees[mask] = (pool, cKDTree(self.v_xyz[pool]) if pool.size else None)
        return self._trees[mask]

    def type_pool(self, t: int) -> tuple[IntArray, cKDTree | None]:
        """Every volunteer eligible for slot type ``t``, and their KD-tree."""
        if t not in self._type_trees:
            p, rep = self.p, int(self.type_rep[t])
            need = int(p.s_skills[rep])
            skilled = np.flatnonzero((p.v_skills & need) == need).astype(np.int64)
            pool = skilled[p.eligible(skilled, np.full(skilled.size, rep, np.int64))]
            self._type_trees[t] = (pool, cKDTree(self.v_xyz[pool]) if pool.size else None)
        return self._type_trees[t]

    def fill_slots(self, slots: IntArray, k: int) -> None:
        if not slots.size:
            return
        self.fwd.k[slots] = k
        if self.typed:
            types = self.slot_type[slots]
            order = np.argsort(types, kind="stable")
            bounds = np.flatnonzero(np.diff(types[order])) + 1
            parts: list[tuple[IntArray, IntArray, IntArray]] = []
            complete = np.ones(self.p.n_slots, dtype=bool)
            for rows in np.split(slots[order], bounds):
                pool, tree = self.type_pool(int(self.slot_type[rows[0]]))
                if tree is not None:
                    o, x, d, done = knn(self.s_xyz, rows, pool, tree, k, everyone)
                    parts.append((o, x, d))
                    complete[rows] = done
            self.fwd.put(
                slots,
                (
                    np.concatenate([_EMPTY, *(q[0] for q in parts)]),
                    np.concatenate([_EMPTY, *(q[1] for q in parts)]),
                    np.concatenate([_EMPTY, *(q[2] for q in parts)]),
                    complete[slots],
                ),
            )
            return
        masks = self.p.s_skills[slots] if self._per_mask else np.zeros(slots.size, np.int64)
        for mask in np.unique(masks).tolist():
            rows = slots[masks == mask]
            pool, tree = self._vol_pool(int(mask))
            if tree is None:
                self.fwd.put(rows, (_EMPTY, _EMPTY, _EMPTY, np.ones(rows.size, dtype=bool)))
                continue
            found = knn(self.s_xyz, rows, pool, tree, k, lambda s, v: self.p.eligible(v, s))
            self.fwd.put(rows, found)

    def group_types(self, slots: IntArray) -> tuple[IntArray, BoolArray] | None:
        """Type per slot of a group (0…T−1) and the volunteer × type eligibility table, or None
        when that table would be too large for hubs."""
        local, types = np.unique(self.slot_type[slots], return_inverse=True)
        n, nt = self.p.n_volunteers, local.size
        if n * nt > _HUB_PAIRS:
            return None
        elig = np.zeros((n, nt), dtype=bool)
        if self.typed:
            for j, t in enumerate(local.tolist()):
                elig[self.type_pool(int(t))[0], j] = True
        else:
            rep = self.type_rep[local]
            every = np.repeat(np.arange(n, dtype=np.int64), nt)
            elig = self.p.eligible(every, np.tile(rep, n)).reshape(n, nt)
        return types.ravel().astype(np.int64), elig

    def fill_vols(self, vols: IntArray, group_slots: IntArray, k: int) -> None:
        """Reverse lists of ``vols`` within one group (their other groups' lists are kept)."""
        self.rev.k[vols] = k
        tree = cKDTree(self.s_xyz[group_slots])
        o, x, d, complete = knn(self.v_xyz, vols, group_slots, tree, k, self.p.eligible)
        vmask = np.zeros(self.p.n_volunteers, dtype=bool)
        vmask[vols] = True
        smask = np.zeros(self.p.n_slots, dtype=bool)
        smask[group_slots] = True
        keep = ~(vmask[self.rev.owner] & smask[self.rev.other])
        self.rev.owner = np.concatenate([self.rev.owner[keep], o])
        self.rev.other = np.concatenate([self.rev.other[keep], x])
        self.rev.metres = np.concatenate([self.rev.metres[keep], d])
        self.rev.complete[vols] = complete

    def edges(self, slots: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """Unique candidate (volunteer, slot, metres) edges of one group."""
        member = np.zeros(self.p.n_slots, dtype=bool)
        member[slots] = True
        f = member[self.fwd.owner]
        r = member[self.rev.other]
        vol = np.concatenate([self.fwd.other[f], self.rev.owner[r]])
        slot = np.concatenate([self.fwd.owner[f], self.rev.other[r]])
        metres = np.concatenate([self.fwd.metres[f], self.rev.metres[r]])
        _, first = np.unique(vol * self.p.n_slots + slot, return_index=True)
        return vol[first], slot[first], metres[first]


def _flow(
    tails: IntArray, heads: IntArray, costs: IntArray, source: int, sink: int, amount: int
) -> IntArray:
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), np.ones(tails.size, np.int64), costs
    )
    smcf.set_nodes_supplies(np.array([source, sink], np.int32), np.array([amount, -amount]))
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:  # cannot happen: unit capacities, non-negative costs
        raise OptimInputError(
            "assignment.solver",
            f"The flow solver stopped with status {status}.",
            status=str(status),
        )
    return np.asarray(smcf.flows(np.arange(tails.size, dtype=np.int32)), dtype=np.int64)


def _solve_group(
    solver: _Solver, slots: IntArray, types: IntArray | None, elig: BoolArray | None
) -> tuple[IntArray, IntArray, IntArray]:
    """One exact solve: volunteer per slot (−1 unfilled), and the slots and volunteers that went
    through a hub. ``types``: type index per slot; ``elig``: volunteer × type eligibility."""
    vol, slot, metres = solver.edges(slots)
    hub_v, hub_t = np.nonzero(elig) if elig is not None else (_EMPTY, _EMPTY)
    vols = np.unique(np.concatenate([vol, hub_v]))
    nv, ns = vols.size, slots.size
    nt = int(elig.shape[1]) if elig is not None else 0
    if nv == 0:
        return np.full(ns, -1, np.int64), _EMPTY, _EMPTY
    slot_pos = np.searchsorted(slots, slot)  # slots is sorted
    v_node = 1 + np.searchsorted(vols, vol)
    s_node = 1 + nv + slot_pos
    sink = 1 + nv + ns + nt
    penalty = (int(metres.max()) if metres.size else 1) * (min(nv, ns) + 1) + 1
    parts = [
        (np.zeros(nv, np.int64), np.arange(1, nv + 1), np.zeros(nv, np.int64)),
        (v_node, s_node, metres),
        (np.arange(1 + nv, 1 + nv + ns), np.full(ns, sink), np.zeros(ns, np.int64)),
    ]
    if types is not None:
        hub = 1 + nv + ns + hub_t
        parts.append((1 + np.searchsorted(vols, hub_v), hub, np.full(hub.size, penalty)))
        parts.append((1 + nv + ns + types, np.arange(1 + nv, 1 + nv + ns), np.zeros(ns, np.int64)))
    tails, heads, costs = (np.concatenate([q[i] for q in parts]).astype(np.int64) for i in range(3))
    flows = _flow(tails, heads, costs, 0, sink, min(nv, ns))
    out = np.full(ns, -1, np.int64)
    used = flows[nv : nv + vol.size] > 0
    out[slot_pos[used]] = vol[used]
    if types is None:
        return out, _EMPTY, _EMPTY
    base = nv + vol.size + ns
    in_hub = flows[base : base + hub_v.size] > 0
    out_hub = flows[base + hub_v.size :] > 0
    hub_vols, hub_slots = [_EMPTY], [_EMPTY]
    for t in np.unique(hub_t[in_hub]).tolist():
        v = hub_v[in_hub & (hub_t == t)]
        s = np.flatnonzero(out_hub & (types == t))
        # Pair the hub's volunteers and slots by true distance (a small dense assignment).
        d = haversine_m(
            solver.p.v_lon[v][:, None],
            solver.p.v_lat[v][:, None],
            solver.p.s_lon[slots[s]][None, :],
            solver.p.s_lat[slots[s]][None, :],
        )
        r, c = linear_sum_assignment(d)
        out[s[c]] = v[r]
        hub_vols.append(v)
        hub_slots.append(slots[s])
    return out, np.concatenate(hub_slots), np.concatenate(hub_vols)


def _max_fill(types: IntArray, elig: BoolArray) -> int:
    """The most slots any assignment can fill: a max flow volunteer → type → sink, where a
    type's capacity is its number of slots (slots of one type are interchangeable)."""
    n, nt = elig.shape
    v, t = np.nonzero(elig)
    sink = n + nt + 1
    tails = np.concatenate([np.zeros(n, np.int64), 1 + v, 1 + n + np.arange(nt)])
    heads = np.concatenate([1 + np.arange(n), 1 + n + t, np.full(nt, sink)])
    caps = np.concatenate(
        [np.ones(n + v.size, np.int64), np.bincount(types, minlength=nt).astype(np.int64)]
    )
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps)
    if smf.solve(0, sink) != smf.OPTIMAL:  # cannot happen: finite capacities
        raise OptimInputError("assignment.solver", "The max-flow solver failed.")
    return int(smf.optimal_flow())


def _blocked(slots: IntArray, match: IntArray, fwd: Lists) -> IntArray:
    """Slots reachable by alternating paths from the unfilled ones whose lists are incomplete."""
    f = np.isin(fwd.owner, slots)
    order = np.argsort(fwd.owner[f], kind="stable")
    owners, others = fwd.owner[f][order], fwd.other[f][order]
    lo = np.searchsorted(owners, slots, side="left")
    hi = np.searchsorted(owners, slots, side="right")
    where = {int(s): i for i, s in enumerate(slots.tolist())}
    holder = {int(match[s]): int(s) for s in slots.tolist() if match[s] >= 0}
    queue = deque(s for s in slots.tolist() if match[s] < 0)
    seen = set(queue)
    while queue:
        i = where[queue.popleft()]
        for v in others[lo[i] : hi[i]].tolist():
            t = holder.get(v)
            if t is not None and t not in seen:
                seen.add(t)
                queue.append(t)
    reached = np.array(sorted(seen), dtype=np.int64)
    return reached[~fwd.complete[reached]]


def _fallback(
    solver: _Solver, rows: IntArray, match: IntArray, max_rounds: int
) -> tuple[int, bool]:
    """Candidates only; grow the lists the alternating search reaches. (rounds, proved)."""
    for attempt in range(max_rounds + 1):
        match[rows] = _solve_group(solver, rows, None, None)[0]
        grow = _blocked(rows, match, solver.fwd)
        if not grow.size:
            return attempt, True
        if attempt == max_rounds:
            break
        solver.fill_slots(grow, int(solver.fwd.k[grow].max()) * 4)
    return max_rounds, False


def _with_hubs(
    solver: _Solver,
    rows: IntArray,
    match: IntArray,
    typed: tuple[IntArray, BoolArray],
    max_rounds: int,
    solved: bool,
) -> int:
    """Candidates first (``solved``: ``match`` already holds the slots'-lists-only solve); if they
    fill fewer slots than the type-level max flow, add the volunteers' lists, then solve with the
    hubs and grow the lists of the hubs' slots and volunteers. Returns the growth rounds."""
    types, elig = typed
    target = _max_fill(types, elig)
    if not solved and target == rows.size:  # volunteers are plenty: try the slots' lists alone
        match[rows] = _solve_group(solver, rows, None, None)[0]
        solved = True
    if solved and int((match[rows] >= 0).sum()) == target:
        return 0
    # Give each volunteer its nearest eligible slots too (this matters where they are scarce).
    solver.fill_vols(np.flatnonzero(elig.any(axis=1)).astype(np.int64), rows, solver.k0)
    out = _solve_group(solver, rows, None, None)[0]
    match[rows] = out
    if int((out >= 0).sum()) == target:
        return 0
    for attempt in range(max_rounds + 1):
        out, hub_slots, hub_vols = _solve_group(solver, rows, types, elig)
        match[rows] = out
        hub_slots = hub_slots[~solver.fwd.complete[hub_slots]]
        hub_vols = hub_vols[~solver.rev.complete[hub_vols]]
        if attempt == max_rounds or not (hub_slots.size or hub_vols.size):
            return attempt
        if hub_slots.size:
            solver.fill_slots(hub_slots, int(solver.fwd.k[hub_slots].max()) * 4)
        if hub_vols.size:
            solver.fill_vols(hub_vols, rows, int(solver.rev.k[hub_vols].max()) * 4)
    return max_rounds


def assign(volunteers: Volunteers, slots: Slots, *, k: int = 10, max_rounds: int = 8) -> Assignment:
    """Fill as many slots as possible, then minimise the total travel distance."""
    if k < 1 or max_rounds < 0:
        raise OptimInputError(
            "assignment.k", "k must be at least 1 and the rounds must not be negative."
        )
    p = prepare(volunteers, slots)
    solver = _Solver(p, k)
    group = time_groups(p.s_start, p.s_end)
    match = np.full(p.n_slots, -1, np.int64)
    rounds, proved, pairs = 0, True, 0
    for g in range(int(group.max()) + 1 if group.size else 0):
        rows = np.flatnonzero(group == g).astype(np.int64)
        solved = rows.size < _EAGER_TYPES
        if solved:  # small group: the slots' lists alone first, types only if a slot is empty
            match[rows] = _solve_group(solver, rows, None, None)[0]
            if (match[rows] >= 0).all():  # every slot filled: nothing to prove
                pairs += solver.edges(rows)[0].size
                continue
        typed = solver.group_types(rows)
        if typed is None:
            ok = _fallback(solver, rows, match, min(max_rounds, _FALLBACK_ROUNDS))
            rounds += ok[0]
            proved &= ok[1]
        else:
            rounds += _with_hubs(solver, rows, match, typed, max_rounds, solved)
        pairs += solver.edges(rows)[0].size
    return _result(
        p, solver, match, int(group.max()) + 1 if group.size else 0, rounds, proved, pairs
    )


def _result(
    p: Problem, solver: _Solver, match: IntArray, groups: int, rounds: int, proved: bool, pairs: int
) -> Assignment:
    filled = np.flatnonzero(match >= 0)
    distance = np.zeros(p.n_slots, np.int64)
    distance[filled] = np.rint(
        haversine_m(
            p.v_lon[match[filled]], p.v_lat[match[filled]], p.s_lon[filled], p.s_lat[filled]
        )
    ).astype(np.int64)
    has_any = np.zeros(p.n_slots, dtype=bool)
    has_any[solver.fwd.owner] = True
    matches = tuple(
        Match(
            slot=s,
            volunteer=int(match[s]),
            distance_m=int(distance[s]),
            skills=skill_codes(int(p.s_skills[s])),
        )
        for s in filled.tolist()
    )
    unfilled = tuple(
        Unfilled(
            slot=s,
            reason="volunteers_taken" if has_any[s] else "no_eligible_volunteer",
        )
        for s in np.flatnonzero(match < 0).tolist()
    )
    return Assignment(
        volunteer_of_slot=match,
        distance_m=distance,
        matches=matches,
        unfilled=unfilled,
        total_m=int(distance.sum()),
        groups=groups,
        candidate_pairs=pairs,
        rounds=rounds,
        max_filled=proved,
    )
