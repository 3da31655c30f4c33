"""The metrics rollup gives exactly the numbers of the live query: for every breakdown, persona,
period and area filter; after moves that take a case out of it (rating, reopening), after a
move that fails, after the sweeper adds the settled cases again; and when the settings it was
built with change."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from resigrid.accounts.models import User
from resigrid.cases import coordination, services
from resigrid.cases.choices import RequestKind
from resigrid.cases.metrics import queries, rollup, rules
from resigrid.cases.metrics import report as metrics_report
from resigrid.cases.metrics.queries import Period
from resigrid.cases.models import STAT_COUNTS, Case, CaseRequest, CaseStat, CaseStatState
from resigrid.cases.sweeper import sweep
from resigrid.core.errors import ConflictError
from tests.cases.conftest import Casebook, report
from tests.cases.test_metrics_queries import (
    GRID21,
    MARCH,
    NOW,
    TWO_HOURS,
    Month,
    at,
    build_month,
)

pytestmark = pytest.mark.django_db
SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
FIRST_WEEK = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 7))


@pytest.fixture
def people(resident, community_admin, community_staff, street_admin, grid_worker, department):
    return {
        "resident": resident,
        "community_admin": community_admin,
        "community_staff": community_staff,
        "street_admin": street_admin,
        "grid_worker": grid_worker,
        "department": department,
    }


@pytest.fixture
def month(casebook: Casebook, people: dict[str, Any], street_admin: User) -> Month:
    built = build_month(casebook, people)
    # The grid worker's own report outside the grid: seen through `reporter`, settled.
    with at(dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)):
        own = report(people["grid_worker"], **GRID21)
        services.reject(actor=street_admin, case_id=own.pk, reason="重复")
    return built


@pytest.fixture
def everyone(people: dict[str, Any], outsider: User) -> list[User]:
    root = User.objects.create(username="root", full_name="管理员", is_superuser=True)
    return [*people.values(), outsider, root]


def live_and_rolled(user: Any, by: str, **kw: Any) -> tuple[list[Any], list[Any]]:
    kw.setdefault("period", MARCH)
    common = {"now": NOW, "response_after": TWO_HOURS, **kw}
    rolled = queries.breakdown(user, by, **common)
    live = queries.breakdown(user, by, use_rollup=False, **common)
    return rolled, live


def assert_same_everywhere(users: list[User], casebook: Casebook, *, full: bool = False) -> None:
    tree = casebook.tree
    periods = (MARCH, FIRST_WEEK) if full else (SPRING,)
    areas = (None, tree.community2, tree.grid11) if full else (None,)
    for user in users:
        for by in queries.BREAKDOWNS:
            for period in periods:
                for area in areas:
                    rolled, live = live_and_rolled(user, by, period=period, area=area)
                    assert rolled == live, (user.username, by, period, area)


def test_the_rollup_holds_the_settled_cases(month: Month) -> None:
    # A, B, C rated, F and G closed, D and the own report rejected.
    assert rollup.rebuild() == 7
    held = set(Case.objects.filter(in_rollup=True).values_list("pk", flat=True))
    own = Case.objects.get(rejection_reason="重复").pk
    assert held == {month.a.pk, month.b.pk, month.c.pk, month.d.pk, month.f.pk, month.g.pk, own}
    # E and H are open: counted live.
    assert not Case.objects.filter(pk__in=[month.e.pk, month.h.pk], in_rollup=True)
    for dim in rollup.DIMS:
        sums = CaseStat.objects.filter(dim=dim).aggregate(n=Sum("reported"), s=Sum("total_s"))
        # Durations in microseconds: report → closed took A 5 h, B 34 h, C 54 h, F 4 h, G 0.
        assert (sums["n"], sums["s"]) == (7, (5 + 34 + 54 + 4) * 3600 * 10**6), dim


def test_every_breakdown_and_persona_gets_the_live_numbers(
    month: Month, casebook: Casebook, everyone: list[User], street_admin: User
) -> None:
    rollup.rebuild()
    assert_same_everywhere(everyone, casebook, full=True)


def test_who_is_served_by_the_rollup(
    month: Month, people: dict[str, Any], everyone: list[User], casebook: Casebook
) -> None:
    rollup.rebuild()
    plan = queries._rollup_plan
    assert plan(people["street_admin"], "unit", None, TWO_HOURS) == ("unit", ["330106001"])
    # Months, streets and communities from the smallest rows that hold the community.
    assert plan(people["street_admin"], "month", None, TWO_HOURS) == ("category", ["330106001"])
    assert plan(people["street_admin"], "grid", None, TWO_HOURS) == ("grid", ["330106001"])
    assert plan(people["street_admin"], "community", casebook.tree.grid11, TWO_HOURS) == (
        "grid",
        ["330106001"],
    )
    assert plan(everyone[-1], "category", None, TWO_HOURS) == ("category", None)
    # A grid's scope is finer than the unit and category rows (keyed by community): live.
    assert plan(people["grid_worker"], "grid", None, TWO_HOURS) == ("grid", ["330106001001001"])
    assert plan(people["grid_worker"], "month", None, TWO_HOURS) == ("grid", ["330106001001001"])
    assert plan(people["grid_worker"], "unit", None, TWO_HOURS) is None
    assert plan(people["street_admin"], "unit", casebook.tree.grid11, TWO_HOURS) is None
    # Accounts of units see cases through support units and whistles: live.
    assert plan(people["department"], "month", None, TWO_HOURS) is None
    assert plan(people["resident"], "month", None, TWO_HOURS) is None
    # Another response time than the one the rollup was built with: live.
    assert plan(people["street_admin"], "month", None, dt.timedelta(hours=3)) is None


def test_moves_take_cases_out_and_the_sweeper_puts_them_back(
    month: Month,
    casebook: Casebook,
    everyone: list[User],
    people: dict[str, Any],
) -> None:
    rollup.rebuild()
    resident, admin = people["resident"], people["community_admin"]
    # F was closed and not rated: the rating takes it out of the rollup in the same move.
    with at(NOW - dt.timedelta(days=1)):
        services.rate(actor=resident, case_id=month.f.pk, rating="basically", resolution="partly")
    assert not Case.objects.get(pk=month.f.pk).in_rollup
    assert_same_everywhere(everyone, casebook)
    # C's unsatisfied rating asked to reopen: approving it sends C back to work (open).
    reopen = CaseRequest.objects.get(case=month.c, kind=RequestKind.REOPEN)
    with at(NOW - dt.timedelta(hours=20)):
        coordination.decide(actor=admin, request_id=reopen.pk, approve=True)
    c = Case.objects.get(pk=month.c.pk)
    assert (c.state, c.in_rollup, c.rating, c.resolution) == ("dispatched", False, "", "")
    assert_same_everywhere(everyone, casebook)
    # A move that fails changes nothing, the rollup included: A stays in it.
    before = list(CaseStat.objects.order_by("pk").values(*STAT_COUNTS))
    with pytest.raises(ConflictError):
        services.rate(actor=resident, case_id=month.a.pk, rating="satisfied")
    assert Case.objects.get(pk=month.a.pk).in_rollup
    assert list(CaseStat.objects.order_by("pk").values(*STAT_COUNTS)) == before
    # The sweeper adds F (settled again), not C (open).
    with at(NOW):
        assert sweep(now=NOW).absorbed == 1
    assert Case.objects.get(pk=month.f.pk).in_rollup
    assert not Case.objects.get(pk=month.c.pk).in_rollup
    assert_same_everywhere(everyone, casebook)
    # And the rows are what a rebuild from scratch gives.
    assert _rows() == (rebuilt := (rollup.rebuild(), _rows())[1])
    assert rebuilt


def report_table(rows: list[queries.Row]) -> metrics_report.Table:
    return metrics_report.build_table(rows, rules.configured_weights())


def _rows() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The non-empty rollup rows by key."""
    out = {}
    for row in CaseStat.objects.all():
        values = tuple(getattr(row, n) for n in STAT_COUNTS)
        if any(values):
            out[(row.dim, row.day, row.area_code, row.grid_id, row.unit_id, row.category)] = values
    return out


def test_the_sweeper_builds_it_once_and_follows_the_settings(
    month: Month, casebook: Casebook, everyone: list[User], settings: Any, people: dict[str, Any]
) -> None:
    assert not CaseStatState.objects.exists()
    with at(NOW):
        assert sweep(now=NOW).absorbed == 7  # never built: built from every settled case
        assert sweep(now=NOW).absorbed == 0
    state = CaseStatState.objects.get()
    assert (state.response_minutes, state.time_zone) == (120, "Asia/Shanghai")
    # Another response time: the rollup is left alone and the page counts live (exactly).
    settings.CASE_RESPONSE_MINUTES = 180
    three_hours = dt.timedelta(hours=3)
    assert queries._rollup_plan(people["street_admin"], "month", None, three_hours) is None
    with at(NOW):
        services.rate(actor=people["resident"], case_id=month.f.pk, rating="satisfied")
        assert sweep(now=NOW).absorbed == 0
    rolled = queries.breakdown(people["street_admin"], "grid", period=MARCH, now=NOW)
    live = queries.breakdown(
        people["street_admin"], "grid", period=MARCH, now=NOW, use_rollup=False
    )
    assert rolled == live
    assert sum(r.counts.responded for r in live) == 4  # A, B (accepted after 3 h), C, F
    out = io.StringIO()
    call_command("rebuild_case_stats", stdout=out)
    assert out.getvalue() == "cases in the rollup: 7\n"
    assert CaseStatState.objects.get().response_minutes == 180
    assert queries._rollup_plan(people["street_admin"], "month", None, three_hours) == (
        "category",
        ["330106001"],
    )
    rolled = queries.breakdown(people["street_admin"], "grid", period=MARCH, now=NOW)
    assert rolled == live


def test_the_page_shows_the_rollup_numbers(
    month: Month, client_for: Any, street_admin: User
) -> None:
    rollup.rebuild()
    client = client_for(street_admin)
    with at(NOW):
        response = client.get(
            "/cases/metrics/", {"start": "2026-03-01", "end": "2026-03-31", "by": "community"}
        )
        live = queries.breakdown(street_admin, "community", period=MARCH, use_rollup=False)
    assert response.status_code == 200
    expected = report_table(live)
    assert response.context["table"] == expected
    assert [r.values["reported"] for r in expected.rows] == [5, 3]  # 东湖 A B C F H, 西湖 D E own
    html = response.content.decode()
    for cell in expected.total.cells:
        assert f">{cell}<" in html
