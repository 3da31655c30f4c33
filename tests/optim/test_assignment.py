"""Volunteer assignment: dense optimum on small cases, no double booking, eligibility, reasons."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from resigrid.optim import assignment as assignment_module
from resigrid.optim.assignment import assign
from resigrid.optim.eligibility import (
    Intervals,
    Slots,
    Volunteers,
    prepare,
    skill_codes,
    skill_mask,
    time_groups,
)
from resigrid.optim.errors import OptimInputError
from resigrid.optim.geo import haversine_m

FIRST_AID, DRIVER, SWIM = 0, 1, 2


def eligible_by_hand(vols: Volunteers, slots: Slots, v: int, s: int) -> bool:
    """An independent, loop-based reading of the eligibility rules."""
    need = int(np.asarray(slots.skills)[s])
    if int(np.asarray(vols.skills)[v]) & need != need:
        return False
    a, b = int(np.asarray(slots.start)[s]), int(np.asarray(slots.end)[s])
    if vols.available is not None:
        av = vols.available
        windows = sorted(
            (int(st_), int(en))
            for o, st_, en in zip(
                np.asarray(av.owner), np.asarray(av.start), np.asarray(av.end), strict=True
            )
            if o == v
        )
        merged: list[list[int]] = []
        for st_, en in windows:
            if merged and st_ <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], en)
            else:
                merged.append([st_, en])
        if not any(st_ <= a and b <= en for st_, en in merged):
            return False
    if vols.booked is not None:
        bk = vols.booked
        for o, st_, en in zip(
            np.asarray(bk.owner), np.asarray(bk.start), np.asarray(bk.end), strict=True
        ):
            if o == v and st_ < b and a < en:
                return False
    return True


def dense_optimum(vols: Volunteers, slots: Slots) -> tuple[int, int]:
    """(filled, metres) of the dense optimum per time group (scipy LSA with a big penalty)."""
    p = prepare(vols, slots)
    groups = time_groups(p.s_start, p.s_end)
    filled = total = 0
    if p.n_volunteers == 0:
        return 0, 0
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        d = np.rint(
            haversine_m(
                p.s_lon[rows][:, None], p.s_lat[rows][:, None], p.v_lon[None, :], p.v_lat[None, :]
            )
        )
        ok = np.array(
            [
                [eligible_by_hand(vols, slots, v, int(s)) for v in range(p.n_volunteers)]
                for s in rows
            ]
        ).reshape(rows.size, p.n_volunteers)
        big = (d.max() + 1) * (min(d.shape) + 1) + 1
        r, c = linear_sum_assignment(np.where(ok, d, big))
        real = ok[r, c]
        filled += int(real.sum())
        total += int(d[r, c][real].sum())
    return filled, total


def check_invariants(vols: Volunteers, slots: Slots, result) -> None:
    n_slots = len(np.asarray(slots.skills))
    start, end = np.asarray(slots.start), np.asarray(slots.end)
    assert len(result.matches) + len(result.unfilled) == n_slots
    for m in result.matches:
        assert eligible_by_hand(vols, slots, m.volunteer, m.slot)
        assert result.volunteer_of_slot[m.slot] == m.volunteer
    # Never double-booked: two slots of one volunteer never overlap in time.
    for a, b in itertools.combinations(result.matches, 2):
        if a.volunteer == b.volunteer:
            assert end[a.slot] <= start[b.slot] or end[b.slot] <= start[a.slot]
    for u in result.unfilled:
        anyone = any(
            eligible_by_hand(vols, slots, v, u.slot) for v in range(len(np.asarray(vols.skills)))
        )
        assert u.reason == ("volunteers_taken" if anyone else "no_eligible_volunteer")


@st.composite
def problems(draw):
    n = draw(st.integers(0, 7))
    m = draw(st.integers(0, 6))
    coord = st.floats(116.0, 116.2)
    lat = st.floats(39.8, 39.95)
    vols_skills = draw(st.lists(st.integers(0, 7), min_size=n, max_size=n))
    vlon = draw(st.lists(coord, min_size=n, max_size=n))
    vlat = draw(st.lists(lat, min_size=n, max_size=n))
    av = draw(
        st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, 10), st.integers(1, 8)))
        if n
        else st.just([])
    )
    bk = draw(
        st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, 10), st.integers(1, 3)))
        if n
        else st.just([])
    )
    use_av = draw(st.booleans())
    sl = draw(
        st.lists(
            st.tuples(st.integers(0, 7), coord, lat, st.integers(0, 10), st.integers(1, 4)),
            min_size=m,
            max_size=m,
        )
    )
    vols = Volunteers(
        skills=np.array(vols_skills, np.int64),
        lon=np.array(vlon, float),
        lat=np.array(vlat, float),
        available=Intervals(
            np.array([a[0] for a in av], np.int64),
            np.array([a[1] for a in av], np.int64),
            np.array([a[1] + a[2] for a in av], np.int64),
        )
        if use_av
        else None,
        booked=Intervals(
            np.array([b[0] for b in bk], np.int64),
            np.array([b[1] for b in bk], np.int64),
            np.array([b[1] + b[2] for b in bk], np.int64),
        ),
    )
    slots = Slots(
        skills=np.array([s[0] for s in sl], np.int64),
        lon=np.array([s[1] for s in sl], float),
        lat=np.array([s[2] for s in sl], float),
        start=np.array([s[3] for s in sl], np.int64),
        end=np.array([s[3] + s[4] for s in sl], np.int64),
    )
    return vols, slots


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from([1, 2, 50]), st.booleans(), st.booleans())
def test_matches_the_dense_optimum(problem, k, eager, per_type):
    vols, slots = problem
    old = assignment_module._EAGER_TYPES, assignment_module._TYPE_PAIRS
    # eager: slot types (and the fill target) first, as large groups do; else small-group path.
    assignment_module._EAGER_TYPES = 0 if eager else 10**9
    # per_type: a KD-tree per slot type; else per skill set, skipping the ineligible.
    assignment_module._TYPE_PAIRS = 10**9 if per_type else 0
    try:
        result = assign(vols, slots, k=k)
    finally:
        assignment_module._EAGER_TYPES, assignment_module._TYPE_PAIRS = old
    check_invariants(vols, slots, result)
    filled, total = dense_optimum(vols, slots)
    # The filled count is exact whatever k is (the hubs); the distance is exact when the lists
    # hold everyone (k ≥ volunteers), up to a metre of rounding per pair.
    assert result.filled == filled
    assert result.max_filled
    if k >= len(np.asarray(vols.skills)):
        assert abs(result.total_m - total) <= result.filled
    assert result.total_m == sum(m.distance_m for m in result.matches)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_fallback_without_hubs_is_exact_too(problem):
    vols, slots = problem
    old = assignment_module._HUB_PAIRS, assignment_module._TYPE_PAIRS
    assignment_module._HUB_PAIRS = assignment_module._TYPE_PAIRS = 0
    try:
        result = assign(vols, slots, k=1, max_rounds=8)
    finally:
        assignment_module._HUB_PAIRS, assignment_module._TYPE_PAIRS = old
    check_invariants(vols, slots, result)
    filled, _ = dense_optimum(vols, slots)
    if result.max_filled:
        assert result.filled == filled
    else:
        assert result.filled <= filled


def hand_made():
    # Three volunteers in a row along a parallel; two slots at the ends.
    vols = Volunteers(
        skills=np.array(
            [skill_mask([FIRST_AID]), skill_mask([FIRST_AID, DRIVER]), skill_mask([DRIVER])]
        ),
        lon=np.array([116.00, 116.01, 116.02]),
        lat=np.array([39.9, 39.9, 39.9]),
        available=Intervals(np.array([0, 1, 2]), np.array([8, 8, 8]), np.array([12, 12, 18])),
        booked=Intervals(np.array([0]), np.array([14]), np.array([15])),
    )
    slots = Slots(
        skills=np.array([skill_mask([FIRST_AID]), skill_mask([DRIVER]), skill_mask([DRIVER])]),
        lon=np.array([116.00, 116.02, 116.02]),
        lat=np.array([39.9, 39.9, 39.9]),
        start=np.array([9, 9, 14]),
        end=np.array([11, 11, 16]),
    )
    return vols, slots


def test_hand_made_explained():
    vols, slots = hand_made()
    result = assign(vols, slots, k=1)
    assert result.volunteer_of_slot.tolist() == [0, 2, 2]
    assert result.groups == 2
    m0, m1, m2 = result.matches
    assert (m0.slot, m0.volunteer, m0.distance_m, m0.skills) == (0, 0, 0, (FIRST_AID,))
    assert (m2.slot, m2.volunteer, m2.skills) == (2, 2, (DRIVER,))
    assert m1.distance_m == 0
    assert m0.explain(["first aid", "driver", "swimmer"]) == (
        "Volunteer 0 for slot 0: has first aid; available and not booked for the whole window; "
        "0.00 km away."
    )
    assert result.unfilled == ()


def test_distance_and_scarcity():
    vols, slots = hand_made()
    # Volunteer 2 is booked 9–10: slot 1 needs a driver, volunteer 1 (853 m away) takes it.
    booked = Intervals(np.array([2]), np.array([9]), np.array([10]))
    vols = Volunteers(vols.skills, vols.lon, vols.lat, vols.available, booked)
    result = assign(vols, slots)
    assert result.volunteer_of_slot.tolist() == [0, 1, 2]
    assert result.matches[1].distance_m == 853
    assert result.matches[1].distance_km == pytest.approx(0.853)
    assert "has 1" in result.matches[1].explain()
    # A slot for swimmers: nobody can; both drivers busy 9–11 on a third slot: taken.
    slots = Slots(
        skills=np.array(
            [skill_mask([SWIM]), skill_mask([DRIVER]), skill_mask([DRIVER]), skill_mask([DRIVER])]
        ),
        lon=np.full(4, 116.0),
        lat=np.full(4, 39.9),
        start=np.array([9, 9, 9, 10]),
        end=np.array([11, 11, 11, 11]),
    )
    result = assign(hand_made()[0], slots)
    assert [(u.slot, u.reason) for u in result.unfilled] == [
        (0, "no_eligible_volunteer"),
        (3, "volunteers_taken"),
    ]
    assert sorted(result.volunteer_of_slot[1:3].tolist()) == [1, 2]


def test_empty_inputs():
    vols, slots = hand_made()
    none = Slots(np.zeros(0, np.int64), [], [], np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert assign(vols, none).filled == 0
    nobody = Volunteers(np.zeros(0, np.int64), [], [])
    result = assign(nobody, slots)
    assert [u.reason for u in result.unfilled] == ["no_eligible_volunteer"] * 3


def test_time_groups_and_skill_helpers():
    start = np.array([10, 8, 9, 12, 11])
    end = np.array([12, 10, 11, 13, 12])
    # [8,10) [9,11) [10,12) [11,12) chain into one group; [12,13) touches only.
    assert time_groups(start, end).tolist() == [0, 0, 0, 1, 0]
    assert skill_mask([0, 2]) == 5
    assert skill_codes(5) == (0, 2)
    with pytest.raises(OptimInputError) as err:
        skill_mask([63])
    assert err.value.code == "assignment.skill_code"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lon": [116.0, 116.0]}, "geo.shape"),
        ({"lat": [39.9, float("nan"), 39.9]}, "geo.coordinates"),
        ({"skills": [1, -1, 1]}, "assignment.negative"),
        ({"skills": [1.5, 1, 1]}, "assignment.not_integer"),
        ({"available": Intervals([0], [5], [5])}, "assignment.interval_empty"),
        ({"booked": Intervals([3], [5], [6])}, "assignment.interval_owner"),
        ({"booked": Intervals([0, 1], [5], [6])}, "assignment.interval_shape"),
    ],
)
def test_bad_volunteers(change, code):
    vols, slots = hand_made()
    fields = {
        "skills": vols.skills,
        "lon": vols.lon,
        "lat": vols.lat,
        "available": vols.available,
        "booked": vols.booked,
    }
    fields.update(change)
    with pytest.raises(OptimInputError) as err:
        assign(Volunteers(**fields), slots)
    assert err.value.code == code


def test_bad_slots_and_k():
    vols, slots = hand_made()
    with pytest.raises(OptimInputError) as err:
        assign(vols, Slots(slots.skills, slots.lon, slots.lat, slots.start, slots.start))
    assert err.value.code == "assignment.interval_empty"
    with pytest.raises(OptimInputError) as err:
        assign(vols, Slots(slots.skills[:2], slots.lon, slots.lat, slots.start, slots.end))
    assert err.value.code == "assignment.shape"
    with pytest.raises(OptimInputError) as err:
        assign(vols, slots, k=0)
    assert err.value.code == "assignment.k"
