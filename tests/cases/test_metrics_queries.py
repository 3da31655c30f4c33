"""A hand-built month of cases, played through the services, whose metrics are known exactly.

March 2026 (Asia/Shanghai), seen on NOW = 15 April 2026:

===  =====  =========================================================================
A    grid11 accepted in 10 min, handled in time, verified, closed, rated satisfied, resolved
B    grid11 accepted after 3 h (no response in 2 h), handled late, failed verification once
           (rework), closed late, rated basically satisfied, partly resolved
C    grid12 suspended two days (缓办) then handled, closed, rated unsatisfied, not resolved
D    grid21 rejected
E    grid21 accepted and dispatched, left open: past its handling deadline (due, overdue)
F    grid11 urgent, handled in time, closed, not rated
H    grid11 category 02.01 dispatched by hand to the property company, left open and late
G    grid11 reported in February: outside the period
===  =====  =========================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db.models import Q

from resigrid.cases import coordination, services
from resigrid.cases.metrics import queries, rules
from resigrid.cases.metrics import report as metrics_report
from resigrid.cases.metrics.queries import Period
from resigrid.cases.models import Case
from tests.cases.conftest import Casebook, report

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
NOW = dt.datetime(2026, 4, 15, 0, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db
GRID12: dict[str, Any] = {"lon": 120.15, "lat": 30.05}
GRID21: dict[str, Any] = {"lon": 120.25, "lat": 30.05}


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def hours(n: float, day: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=day, hours=n)


@dataclass
class Month:
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case
    f: Case
    h: Case
    g: Case

    def march(self) -> list[Case]:
        return [self.a, self.b, self.c, self.d, self.e, self.f, self.h]


def _closed(
    case: Case, people: dict[str, Any], start: float, day: int, verifier: Any, manager: Any
) -> None:
    dept = people["department"]
    with at(hours(start, day)):
        services.start(actor=dept, case_id=case.pk)
        services.handle(actor=dept, case_id=case.pk, result="已处理。")
    with at(hours(start + 1, day)):
        services.verify(actor=verifier, case_id=case.pk, passed=True)
    with at(hours(start + 2, day)):
        services.close(actor=manager, case_id=case.pk)


def build_month(casebook: Casebook, people: dict[str, Any]) -> Month:
    resident, admin = people["resident"], people["community_admin"]
    street, worker, dept = people["street_admin"], people["grid_worker"], people["department"]
    staff = people["community_staff"]
    out: dict[str, Case] = {}

    # A
    with at(hours(0)):
        a = report(resident)
    with at(hours(1 / 6)):
        services.accept(actor=admin, case_id=a.pk, register=True)
    with at(hours(1 / 3)):
        services.dispatch(actor=admin, case_id=a.pk)
    _closed(a, people, 3, 0, worker, admin)
    with at(hours(24)):
        services.rate(actor=resident, case_id=a.pk, rating="satisfied", resolution="resolved")
    out["a"] = a

    # B: day 1
    with at(hours(0, 1)):
        b = report(resident)
    with at(hours(3, 1)):
        services.accept(actor=admin, case_id=b.pk, register=True)
    with at(hours(3 + 1 / 6, 1)):
        services.dispatch(actor=admin, case_id=b.pk)
    with at(hours(30, 1)):
        services.handle(actor=dept, case_id=b.pk, result="已处理。")
    with at(hours(31, 1)):
        services.verify(actor=worker, case_id=b.pk, passed=False, note="仍有残留")
    _closed_after_rework(b, people, day=1)
    with at(hours(48, 1)):
        services.rate(actor=resident, case_id=b.pk, rating="basically", resolution="partly")
    out["b"] = b

    # C: day 2, grid12, suspended for two days
    with at(hours(0, 2)):
        c = report(resident, **GRID12)
    with at(hours(1 / 6, 2)):
        services.accept(actor=admin, case_id=c.pk, register=True)
    with at(hours(1 / 3, 2)):
        services.dispatch(actor=admin, case_id=c.pk)
    with at(hours(1, 2)):
        request = coordination.request_change(
            actor=dept, case_id=c.pk, kind="suspend", reason="等待产权单位答复"
        )
    with at(hours(2, 2)):
        coordination.decide(actor=admin, request_id=request.pk, approve=True)
    with at(hours(50, 2)):
        coordination.resume(actor=admin, case_id=c.pk)
    _closed(c, people, 52, 2, staff, admin)
    with at(hours(72, 2)):
        services.rate(
            actor=resident,
            case_id=c.pk,
            rating="unsatisfied",
            resolution="unresolved",
            comment="没解决",
        )
    out["c"] = c

    # D: day 3, grid21, rejected
    with at(hours(0, 3)):
        d = report(resident, **GRID21)
    with at(hours(0.5, 3)):
        services.reject(actor=street, case_id=d.pk, reason="不属于受理范围")
    out["d"] = d

    # E: day 4, grid21, left open
    with at(hours(0, 4)):
        e = report(resident, **GRID21)
    with at(hours(1 / 6, 4)):
        services.accept(actor=street, case_id=e.pk, register=True)
    with at(hours(1 / 3, 4)):
        services.dispatch(actor=street, case_id=e.pk)
    out["e"] = e

    # F: day 5, urgent, closed in time, not rated
    with at(hours(0, 5)):
        f = report(resident, priority="urgent")
    with at(hours(1 / 6, 5)):
        services.accept(actor=admin, case_id=f.pk, register=True)
    with at(hours(1 / 3, 5)):
        services.dispatch(actor=admin, case_id=f.pk)
    _closed(f, people, 2, 5, worker, admin)
    out["f"] = f

    # H: day 6, a manhole (no duty): dispatched by hand to the property company, left open
    with at(hours(0, 6)):
        h = report(resident, category="02.01")
    with at(hours(1 / 6, 6)):
        services.accept(actor=admin, case_id=h.pk, register=True)
    with at(hours(1 / 3, 6)):
        services.dispatch(actor=admin, case_id=h.pk, lead_unit_id=casebook.property_co.pk)
    out["h"] = h

    # G: February
    with at(dt.datetime(2026, 2, 20, 1, 0, tzinfo=dt.UTC)):
        g = report(resident)
        services.accept(actor=admin, case_id=g.pk, register=True)
        services.dispatch(actor=admin, case_id=g.pk)
        services.handle(actor=dept, case_id=g.pk, result="已处理。")
        services.verify(actor=worker, case_id=g.pk, passed=True)
        services.close(actor=admin, case_id=g.pk)
    out["g"] = g
    for case in out.values():
        case.refresh_from_db()
    return Month(**out)


def _closed_after_rework(case: Case, people: dict[str, Any], *, day: int) -> None:
    dept, worker, admin = people["department"], people["grid_worker"], people["community_admin"]
    with at(hours(32, day)):
        services.handle(actor=dept, case_id=case.pk, result="已彻底处理。")
    with at(hours(33, day)):
        services.verify(actor=worker, case_id=case.pk, passed=True)
    with at(hours(34, day)):
        services.close(actor=admin, case_id=case.pk)


# --- the tests ---

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
TWO_HOURS = dt.timedelta(hours=2)


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
def month(casebook: Casebook, people) -> Month:
    return build_month(casebook, people)


def facts(case: Case) -> rules.Facts:
    return rules.Facts(**{name: getattr(case, name) for name in rules.FACT_FIELDS})


def reference(cases: list[Case]) -> rules.Counts:
    return rules.total(rules.tally(facts(c), now=NOW, response_after=TWO_HOURS) for c in cases)


def rows(user: Any, by: str, period: Period = MARCH, **kw: Any) -> dict[str, queries.Row]:
    found = queries.breakdown(user, by, period=period, now=NOW, response_after=TWO_HOURS, **kw)
    return {r.key: r for r in found}


def test_the_month_as_the_street_sees_it(month: Month, street_admin) -> None:
    (row,) = rows(street_admin, "street").values()
    assert (row.key, row.label) == ("330106001000000", "和平街道")
    c = row.counts
    assert (c.reported, c.accepted, c.rejected, c.registered) == (7, 6, 1, 6)
    assert (c.due, c.closed, c.suspended, c.on_time) == (6, 4, 1, 2)
    assert (c.urgent_due, c.urgent_suspended, c.urgent_on_time) == (1, 0, 1)
    assert (c.handled, c.reworked, c.serious_rework, c.open, c.overdue) == (4, 1, 0, 2, 2)
    assert (c.rated, c.responded, c.satisfied, c.basically, c.unsatisfied) == (3, 2, 1, 1, 1)
    assert (c.resolved, c.partly, c.unresolved) == (1, 1, 1)
    m = rules.compute(c, rules.Weights())
    assert m.close_rate == pytest.approx(4 / 6)
    assert m.on_time_rate == pytest.approx(2 / 5)  # 按期结案数 / (应结案数 − 缓办数)
    assert m.urgent_on_time_rate == 1.0
    assert m.rework_rate == pytest.approx(1 / 4)
    assert m.response_rate == pytest.approx(2 / 3)
    assert m.resolution_rate == pytest.approx((1 + 0.5) / 3)  # partly resolved counts 0.5
    assert m.satisfaction_rate == pytest.approx(1.9 / 3)
    assert m.composite == pytest.approx(0.1 * 2 / 3 + 0.5 * 1.5 / 3 + 0.4 * 1.9 / 3)
    # Report → closed: A 5 h, B 34 h, C 54 h, F 4 h.
    assert m.hours["total"] == pytest.approx((5 + 34 + 54 + 4) / 4)
    # Report → accepted: 10 min for all but B (3 h); D was rejected.
    assert m.hours["accept"] == pytest.approx((5 * 10 / 60 + 3) / 6)
    assert c == reference(month.march())


def test_every_breakdown_matches_the_reference_case_by_case(month: Month, street_admin) -> None:
    by_key = {
        "grid": lambda c: c.grid.code,
        "community": lambda c: c.grid.code[:12] + "000",
        "street": lambda c: c.grid.code[:9] + "000000",
        "unit": lambda c: str(c.lead_unit_id) if c.lead_unit_id else queries.NO_UNIT,
        "category": lambda c: c.category.code[:2],
        "month": lambda c: "2026-03",
    }
    for by, key in by_key.items():
        found = rows(street_admin, by)
        expected: dict[str, list[Case]] = {}
        for case in month.march():
            expected.setdefault(key(case), []).append(case)
        assert sorted(found) == sorted(expected), by
        for k, cases in expected.items():
            assert found[k].counts == reference(cases), (by, k)


def test_labels_and_groups(month: Month, casebook: Casebook, street_admin) -> None:
    grids = rows(street_admin, "grid")
    assert {k: (r.label, r.counts.reported) for k, r in grids.items()} == {
        "330106001001001": ("东湖一网格", 4),
        "330106001001002": ("东湖二网格", 1),
        "330106001002001": ("西湖一网格", 2),
    }
    communities = rows(street_admin, "community")
    assert {k: (r.label, r.counts.reported, r.counts.due, r.counts.closed)
            for k, r in communities.items()} == {
        "330106001001000": ("东湖社区", 5, 5, 4),
        "330106001002000": ("西湖社区", 2, 1, 0),
    }  # fmt: skip
    units = queries.breakdown(street_admin, "unit", period=MARCH, now=NOW)
    assert [(r.label, r.counts.reported) for r in units] == [
        ("东湖物业", 1),
        ("城管执法队", 5),
        ("(not dispatched)", 1),
    ]
    assert {k: (r.label, r.counts.reported) for k, r in rows(street_admin, "category").items()} == {
        "01": ("市容环境", 6),
        "02": ("设施管理", 1),
    }
    both = rows(street_admin, "month", Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)))
    assert {k: r.counts.reported for k, r in both.items()} == {"2026-02": 1, "2026-03": 7}


def test_the_period_is_in_local_time(casebook: Casebook, resident, street_admin) -> None:
    # 31 March 23:30 in Shanghai is 15:30 UTC: it belongs to March, 1 April 00:10 to April.
    with at(dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)):
        report(resident)
    with at(dt.datetime(2026, 3, 31, 16, 10, tzinfo=dt.UTC)):
        report(resident)
    march = rows(street_admin, "month")
    assert {k: r.counts.reported for k, r in march.items()} == {"2026-03": 1}
    spring = rows(street_admin, "month", Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30)))
    assert {k: r.counts.reported for k, r in spring.items()} == {"2026-03": 1, "2026-04": 1}


def test_area_filter(month: Month, casebook: Casebook, street_admin) -> None:
    grid_rows = rows(street_admin, "grid", area=casebook.tree.community2)
    assert sorted(grid_rows) == ["330106001002001"]
    assert grid_rows["330106001002001"].counts == reference([month.d, month.e])


def test_a_community_sees_only_its_grids(month: Month, community_admin) -> None:
    grids = rows(community_admin, "grid")
    assert sorted(grids) == ["330106001001001", "330106001001002"]
    total = rules.total(r.counts for r in grids.values())
    assert total == reference([month.a, month.b, month.c, month.f, month.h])


def test_a_department_sees_the_cases_of_its_unit(month: Month, department) -> None:
    (row,) = rows(department, "unit").values()
    assert row.label == "城管执法队"
    assert row.counts == reference([month.a, month.b, month.c, month.e, month.f])


def test_whistles_and_support_units_do_not_count_a_case_twice(
    month: Month, casebook: Casebook, street_admin, department
) -> None:
    # The department also acts for the property company, E's support unit, and that company is
    # summoned (吹哨) to E: E is reached three ways and still counts once.
    from resigrid.orgs.models import UnitAccount

    UnitAccount.objects.create(unit=casebook.property_co, user=department)
    with at(NOW):
        coordination.whistle(
            actor=street_admin, case_id=month.e.pk, unit_id=casebook.property_co.pk,
            reason="请到场",
        )  # fmt: skip
    seen = Case.objects.filter(
        Q(lead_unit__accounts__user=department) | Q(support_units__accounts__user=department)
    ).distinct()
    (row,) = rows(department, "street").values()
    assert row.counts.reported == seen.filter(reported_at__month=3).count() == 6
    assert row.counts == reference(list(seen.exclude(pk=month.g.pk)))


def test_who_may_see_metrics(
    month: Month, resident, outsider, grid_worker, department, community_admin
) -> None:
    assert not queries.can_view_metrics(resident)
    assert not queries.can_view_metrics(outsider)
    assert queries.can_view_metrics(grid_worker)
    assert queries.can_view_metrics(department)  # through its unit account
    assert queries.can_view_metrics(community_admin)
    # An outsider who calls the query anyway gets nothing.
    assert rows(outsider, "grid") == {}


def test_table_total_is_the_sum_of_the_rows(month: Month, street_admin) -> None:
    found = queries.breakdown(street_admin, "grid", period=MARCH, now=NOW)
    table = metrics_report.build_table(found, rules.Weights())
    assert table.total.values["reported"] == 7
    assert table.total.values["close_rate"] == pytest.approx(4 / 6)
    assert table.total.cells[[c.key for c in metrics_report.COLUMNS].index("close_rate")] == "66.7%"
    west = next(r for r in table.rows if r.key == "330106001002001")
    assert west.values["close_rate"] == 0.0  # one due case, not closed
    assert west.values["rework_rate"] is None  # nothing handled: "—"
    assert west.cells[[c.key for c in metrics_report.COLUMNS].index("rework_rate")] == "—"


def test_the_scope_is_exactly_visible_to(
    month: Month,
    casebook: Casebook,
    people,
    outsider,
    street_admin,
) -> None:
    from resigrid.orgs.models import UnitAccount

    department = people["department"]
    UnitAccount.objects.create(unit=casebook.property_co, user=department)
    with at(NOW):
        coordination.whistle(
            actor=street_admin, case_id=month.e.pk,
            unit_id=casebook.property_co.pk, reason="请到场",
        )  # fmt: skip
    for user in [*people.values(), outsider]:
        expected = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        assert set(queries.scoped(user).values_list("pk", flat=True)) == expected, user
    assert queries.scoped(outsider).count() == 0
    assert queries.scoped(people["community_admin"]).count() == 6  # A, B, C, F, H and G
