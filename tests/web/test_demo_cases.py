"""Demo cases: what seed_cases writes is what the services and the sweeper would have written."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.cases import clocks, permissions
from resigrid.cases.choices import RequestKind
from resigrid.cases.metrics import queries, rules
from resigrid.cases.models import Case, CaseLog, CaseRequest, Whistle
from resigrid.cases.sweeper import sweep
from resigrid.cases.workflow import (
    FINISHED_STATES,
    OPEN_STATES,
    STAGE_OF,
    TRANSITIONS,
    Action,
    Stage,
    State,
)
from resigrid.orgs.models import Unit, UnitAccount
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category, Deadline, Duty
from resigrid.registers.reads import deadlines_for, route
from resigrid.web.demo.cases import MAX_CASES, case_count, seed_cases
from tests.factories import Tree, UserFactory, bind

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
MANAGER_ACTIONS = {"accept", "reject", "register", "dispatch", "close", "merge", "resume"}


@pytest.fixture
def registers(tree: Tree) -> None:
    """A few categories with limits and street duties (the registers demo has its own test)."""
    env = Category.objects.create(code="01", name="市容环境", kind=CategoryKind.EVENT)
    fac = Category.objects.create(code="02", name="设施管理", kind=CategoryKind.FACILITY)
    emergency = Category.objects.create(code="04", name="突发事件", kind=CategoryKind.EVENT)
    for code, name, parent in (
        ("01.01", "暴露垃圾", env),
        ("01.02", "乱堆物料", env),
        ("02.01", "井盖缺失", fac),
        ("02.02", "路灯损坏", fac),
        ("04.01", "积水内涝", emergency),
    ):
        Category.objects.create(code=code, name=name, kind=parent.kind, parent=parent)
    Deadline.objects.create(
        category=env,
        priority="normal",
        accept_minutes=60,
        dispatch_minutes=120,
        handle_minutes=24 * 60,
        verify_minutes=240,
    )
    Deadline.objects.create(category=emergency, priority="urgent", accept_minutes=10,
                            dispatch_minutes=10, handle_minutes=120, verify_minutes=60)  # fmt: skip
    city = Unit.objects.create(kind="government", name="区城市管理局", area=tree.district)
    municipal = Unit.objects.create(kind="government", name="区市政中心", area=tree.district)
    water = Unit.objects.create(kind="government", name="区水务局", area=tree.district)
    enforcement = Unit.objects.create(kind="government", name="街道执法队", area=tree.street)
    property_co = Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    for category, lead, support in (
        (env, enforcement, [city]),
        (fac, municipal, []),
        (emergency, water, [municipal, enforcement]),
    ):
        duty = Duty.objects.create(category=category, area=tree.street, lead_unit=lead)
        duty.support_units.set(support)
    Duty.objects.create(
        category=Category.objects.get(code="01.02"), area=tree.community1, lead_unit=property_co
    )


@pytest.fixture
def district_staff(tree: Tree) -> User:
    user = UserFactory(username="district", full_name="区里")
    bind(user, tree.district, Role.DISTRICT_STAFF)
    return user


@pytest.fixture
def demo(
    registers,
    tree: Tree,
    resident,
    grid_worker,
    community_admin,
    street_admin,
    department,
    district_staff,
) -> list[Case]:
    # As in the demo: the street's staff also acts for the street's own team, so the team's
    # cases in the street's grids need another verifier (the district).
    UnitAccount.objects.create(unit=Unit.objects.get(name="街道执法队"), user=street_admin)
    grids = list(Area.objects.filter(level=Level.GRID).values_list("pk", flat=True))
    written = seed_cases(rng=random.Random("demo-cases:1"), now=NOW, grid_ids=grids, count=900)
    cases = list(Case.objects.select_related("grid", "category", "lead_unit").order_by("pk"))
    assert written["cases"] == len(cases)
    assert written["case_logs"] == CaseLog.objects.count()
    return cases


def test_case_count_scales_with_residents_and_is_capped() -> None:
    assert case_count(600) == 90
    assert case_count(15000) == 2250
    assert case_count(100_000) == MAX_CASES == 3000


def test_every_state_source_and_side_path_is_there(demo: list[Case]) -> None:
    states = Counter(c.state for c in demo)
    assert set(states) == set(State.values)
    assert states[State.RATED] + states[State.CLOSED] > len(demo) / 2
    assert {c.source for c in demo} >= {"resident", "patrol", "hotline"}
    ratings = Counter(c.rating for c in demo if c.rating)
    assert ratings["satisfied"] > ratings["basically"] > ratings["unsatisfied"] > 0
    assert any(c.rework_count for c in demo)
    assert any(c.was_postponed for c in demo) and any(c.was_suspended for c in demo)
    assert any(c.return_count for c in demo) and any(c.reopen_count for c in demo)
    overdue = Case.objects.overdue(NOW)
    assert overdue.exists() and overdue.filter(escalation_level=3).exists()
    assert Whistle.objects.filter(answered_at__isnull=False).exists()
    assert Whistle.objects.filter(late_notified_at__isnull=False).exists()
    reported = sorted(c.reported_at for c in demo)
    assert NOW - dt.timedelta(days=366) < reported[0] and reported[-1] <= NOW


def _chain(case: Case, logs: list[CaseLog]) -> None:
    moves = [row for row in logs if row.to_state]
    assert (moves[0].action, moves[0].from_state, moves[0].to_state) == ("report", "", "reported")
    assert moves[0].at == case.reported_at
    for before, row in itertools.pairwise(moves):
        assert row.from_state == before.to_state, case.pk
        assert TRANSITIONS[(State(row.from_state), Action(row.action))] == row.to_state
    assert moves[-1].to_state == case.state
    assert all(row.at <= NOW for row in logs)


def test_logs_replay_the_workflow_table_to_the_state(demo: list[Case]) -> None:
    by_case: dict[int, list[CaseLog]] = {}
    for row in CaseLog.objects.order_by("at", "pk"):
        by_case.setdefault(row.case_id, []).append(row)
    for case in demo:
        logs = by_case[case.pk]
        _chain(case, logs)
        actions = Counter(row.action for row in logs)
        assert actions["verify_fail"] == case.rework_count
        assert actions["return"] == case.return_count
        assert actions["reopen"] == case.reopen_count
        assert actions["escalate"] >= case.escalation_level
        if case.state == State.MERGED:
            assert case.merged_into is not None
            assert case.merged_into.log.filter(action="merged_in", note=case.number).count() == 1


def test_time_stamps_and_clocks_are_consistent(demo: list[Case]) -> None:
    order = ("reported_at", "accepted_at", "registered_at", "dispatched_at", "handled_at",
             "verified_at", "closed_at", "rated_at")  # fmt: skip
    for case in demo:
        stamps = [getattr(case, name) for name in order if getattr(case, name) is not None]
        assert stamps == sorted(stamps), case.pk
        assert stamps[-1] <= NOW
        if case.closed_at is not None:
            assert case.state in FINISHED_STATES
            assert case.handled_at is not None and case.handle_due is not None
            assert case.handled_at <= case.closed_at
            assert case.closed_on_time == (case.handled_at <= case.handle_due)
        else:
            assert case.closed_on_time is None
        if case.state in OPEN_STATES:
            assert case.stage == STAGE_OF[State(case.state)]
            assert case.stage_due is not None
            if case.stage == Stage.HANDLE:
                assert case.handle_due is not None
        else:
            assert (case.stage, case.stage_due, case.escalation_level) == ("", None, 0)
        assert (case.state == State.RATED) == bool(case.rating)
        assert (case.state == State.REJECTED) == bool(case.rejection_reason)
        if case.dispatched_at is not None:
            assert case.handle_due is not None


def test_escalation_levels_are_what_the_sweeper_computes(demo: list[Case]) -> None:
    for case in demo:
        if case.state not in OPEN_STATES or case.suspended_at is not None:
            continue
        length = clocks.stage_minutes(
            deadlines_for(case.category, case.priority), Stage(case.stage)
        )
        assert case.stage_due is not None
        assert case.escalation_level == clocks.escalation_level(case.stage_due, NOW, length)
    # The sweeper, run now, finds nothing left to do.
    report = sweep(now=NOW)
    assert (report.escalated, report.late_whistles) == (0, 0)


def test_actors_are_allowed_to_do_what_the_log_says(demo: list[Case], department: User) -> None:
    cases = {c.pk: c for c in demo}
    users = {u.pk: u for u in User.objects.all()}
    checked: dict[tuple[str, int | None, int], bool] = {}  # (verb, actor, grid) → allowed

    def allowed(verb: str, actor_id: int | None, case: Case) -> bool:
        key = (verb, actor_id, case.grid_id)
        if key not in checked:
            check = permissions.can_manage if verb == "manage" else permissions.can_verify
            checked[key] = actor_id is not None and check(users[actor_id], case)
        return checked[key]

    for case_id, actor_id in CaseLog.objects.filter(action__in=MANAGER_ACTIONS).values_list(
        "case_id", "actor_id"
    ):
        assert allowed("manage", actor_id, cases[case_id])
    for case_id, actor_id in CaseLog.objects.filter(
        action__in=["verify_pass", "verify_fail"]
    ).values_list("case_id", "actor_id"):
        assert allowed("verify", actor_id, cases[case_id])
        assert actor_id != cases[case_id].handled_by_id
    # The department acts for the district's units (and the street's staff for its team).
    assert UnitAccount.objects.filter(user=department, unit__area__level="district").exists()
    handlers = Counter(c.handled_by.username for c in demo if c.handled_by is not None)
    assert set(handlers) == {"dept", "street"}
    assert all(c.verified_by_id != c.handled_by_id for c in demo if c.verified_by_id)
    verifiers = {c.verified_by.username for c in demo if c.verified_by is not None}
    assert "district" in verifiers  # the street's own team's cases in the street's grids


def test_routing_and_support_units_follow_the_responsibility_list(demo: list[Case]) -> None:
    routes: dict[tuple[int, int], tuple[int | None, list[int]]] = {}
    supports: dict[int, list[int]] = {}
    for case_id, unit_id in Case.support_units.through.objects.order_by("unit_id").values_list(
        "case_id", "unit_id"
    ):
        supports.setdefault(case_id, []).append(unit_id)
    for case in demo:
        if case.lead_unit is None or case.return_count:
            continue
        key = (case.category_id, case.grid_id)
        if key not in routes:
            found = route(case.category, case.grid)
            routes[key] = (found.lead_unit.pk if found.lead_unit else None,
                           [u.pk for u in found.support_units])  # fmt: skip
        assert (case.lead_unit_id, supports.get(case.pk, [])) == routes[key]


def test_requests_and_whistles_match_the_cases(demo: list[Case]) -> None:
    cases = {c.pk: c for c in demo}
    for req in CaseRequest.objects.all():
        case = cases[req.case_id]
        if req.kind == RequestKind.POSTPONE and req.approved:
            assert case.was_postponed
        if req.kind == RequestKind.SUSPEND and req.approved:
            assert case.was_suspended
        if req.kind == RequestKind.REOPEN:
            assert case.log.filter(action="rate", note=req.reason).exists()
            assert (req.approved is True) == (case.reopen_count == 1)
    for case in demo:
        if case.suspended_at is not None:
            assert case.state in (State.DISPATCHED, State.IN_PROGRESS)
    for w in Whistle.objects.all():
        assert w.due_at == w.summoned_at + dt.timedelta(minutes=30)
        if w.answered_at is None and w.due_at < NOW:
            assert w.late_notified_at is not None
        if w.late_notified_at is not None:
            assert w.late_notified_at > w.due_at
            assert w.answered_at is None or w.answered_at > w.late_notified_at


def test_the_metrics_of_the_demo_match_the_reference(demo: list[Case], street_admin) -> None:
    period = queries.Period(dt.date(2025, 11, 1), dt.date(2026, 11, 30))
    found = queries.breakdown(street_admin, "month", period=period, now=NOW)
    assert len(found) >= 12
    after = dt.timedelta(minutes=rules.response_minutes())
    expected = rules.total(
        rules.tally(
            rules.Facts(**{n: getattr(c, n) for n in rules.FACT_FIELDS}),
            now=NOW,
            response_after=after,
        )
        for c in demo
    )
    got = rules.total(r.counts for r in found)
    for name in rules.COUNT_NAMES:
        assert getattr(got, name) == pytest.approx(getattr(expected, name), rel=1e-9), name
    m = rules.compute(expected)
    assert m.close_rate is not None and m.close_rate > 0.8
    assert m.satisfaction_rate is not None and m.satisfaction_rate > 0.85


def test_seed_demo_then_registers_then_cases() -> None:
    """The real demo: seed_demo, the registers demo and the cases, as builder.py will run them."""
    registers = pytest.importorskip("resigrid.web.demo.registers")
    call_command("seed_demo", "--residents", "600", "--grids", "4", "--communities", "2",
                 stdout=StringIO())  # fmt: skip
    district = Area.objects.get(level=Level.DISTRICT)
    street = Area.objects.get(level=Level.STREET)
    communities = list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
    if not Category.objects.exists():
        registers.seed_registers(seed=1, district_id=district.pk, street_id=street.pk,
                                 community_ids=communities)  # fmt: skip
    if not Case.objects.exists():
        grids = list(Area.objects.filter(level=Level.GRID).values_list("pk", flat=True))
        seed_cases(rng=random.Random("c"), now=NOW, grid_ids=grids)
    assert Case.objects.count() >= case_count(600)
    dept = User.objects.get(username="dept")
    assert Case.objects.visible_to(dept).exists()
    assert sweep(now=NOW).escalated == 0
