"""The metrics as SQL: one aggregated query per breakdown (conditional aggregation), scoped with
`Case.objects.visible_to(user)`. Each aggregate mirrors `rules.tally` exactly; a test checks
the two agree case by case.

Groups: grid (grid_id), community and street (the first 12 / 9 digits of the grid's code),
lead unit, top-level category (the first two characters of the category code) and the month the
case was reported (Asia/Shanghai). The period filters ``reported_at``; the area filter is a code
prefix. Labels are looked up afterwards with one small query on the group keys.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import CODE_LENGTH
from resigrid.areas.models import Area, code_scope_q, scope_prefixes
from resigrid.cases.choices import Rating, Resolution
from resigrid.cases.metrics import rollup, rules
from resigrid.cases.models import Case, CaseStat, Whistle
from resigrid.cases.workflow import OPEN_STATES, State
from resigrid.orgs.models import Unit, UnitAccount
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category

BREAKDOWNS = ("month", "street", "community", "grid", "unit", "category")
AREA_PREFIX = {"street": 9, "community": 12}
CATEGORY_PREFIX = 2  # top-level category codes are two digits (registers.rules.CODE_RE)
NO_UNIT = "-"


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, the day after end 00:00) in local time."""
        zone = local_zone()
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return first, after

    @classmethod
    def last_months(cls, today: dt.date, months: int = 12) -> Period:
        """From the first day of the month `months − 1` months ago to `today`."""
        index = today.year * 12 + today.month - 1 - (months - 1)
        return cls(dt.date(index // 12, index % 12 + 1, 1), today)


@dataclass(frozen=True)
class Row:
    key: str  # area code, unit id, category code or "YYYY-MM"
    label: str
    counts: rules.Counts


def can_view_metrics(user: Any) -> bool:
    """Staff who may view cases somewhere, and accounts of units that handle cases."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if scope_prefixes(user, Perm.VIEW_CASES) != []:
        return True
    return bool(user.unit_accounts.exists())


def scoped(user: Any) -> QuerySet[Case]:
    """The cases `user` may see: the same rows as `Case.objects.visible_to(user)` (a test checks
    it for every persona), written as semi-joins. `visible_to` joins the unit accounts, support
    units and whistles and so needs DISTINCT; over a million cases that join costs several
    times the aggregate itself, and it cannot be counted over directly."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    prefixes = scope_prefixes(user, Perm.VIEW_CASES)
    if prefixes is None:
        return Case.objects.all()
    q = Q(reporter=user)
    if prefixes:
        q |= Q(grid__in=Area.objects.filter(code_scope_q(prefixes)).values("pk"))
    units = list(UnitAccount.objects.filter(user=user).values_list("unit_id", flat=True))
    if units:
        supported = Case.support_units.through.objects.filter(unit_id__in=units)
        q |= Q(lead_unit__in=units)
        q |= Q(pk__in=supported.values("case_id"))
        q |= Q(pk__in=Whistle.objects.filter(unit_id__in=units).values("case_id"))
    return Case.objects.filter(q)


@contextmanager
def _analytic(db: str) -> Iterator[None]:
    """On PostgreSQL, one aggregate over many rows: no JIT (compiling the thirty-odd filtered
    aggregates costs more than it saves). Elsewhere nothing (SQLite's IMMEDIATE transactions
    would take the write lock)."""
    conn = connections[db]
    if conn.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=db):
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def cohort(user: Any, *, period: Period, area: Area | None = None) -> QuerySet[Case]:
    first, after = period.bounds()
    qs = scoped(user).filter(reported_at__gte=first, reported_at__lt=after)
    if area is not None:
        qs = qs.filter(grid__code__startswith=area.scope_prefix)
    return qs


def _span(later: str, earlier: str) -> Sum:
    return Sum(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()))


def aggregates(now: dt.datetime, response_after: dt.timedelta) -> dict[str, Any]:
    """Conditional aggregates named like `rules.Counts` fields (the SQL form of `tally`)."""
    registered = Q(registered_at__isnull=False)
    closed = registered & Q(closed_at__isnull=False)
    due = registered & (Q(closed_at__isnull=False) | Q(handle_due__lte=now))
    suspended = due & Q(was_suspended=True)
    on_time = closed & Q(closed_on_time=True, was_suspended=False)
    urgent = Q(priority=Priority.URGENT)
    handled = Q(handled_at__isnull=False)
    rated = Q(rating__in=Rating.values)
    is_open = Q(state__in=[str(s) for s in OPEN_STATES])

    def n(q: Q) -> Count:
        return Count("pk", filter=q)

    out: dict[str, Any] = {
        "reported": Count("*"),
        "accepted": n(Q(accepted_at__isnull=False)),
        "rejected": n(Q(state=State.REJECTED)),
        "registered": n(registered),
        "due": n(due),
        "closed": n(closed),
        "suspended": n(suspended),
        "on_time": n(on_time),
        "urgent_due": n(urgent & due),
        "urgent_suspended": n(urgent & suspended),
        "urgent_on_time": n(urgent & on_time),
        "handled": n(handled),
        "reworked": n(handled & Q(rework_count__gte=1)),
        "serious_rework": n(handled & Q(rework_count__gte=3)),
        "open": n(is_open),
        "overdue": n(is_open & Q(suspended_at__isnull=True, stage_due__lt=now)),
        "rated": n(rated),
        "responded": n(
            rated
            & Q(accepted_at__isnull=False)
            & Q(accepted_at__lte=F("reported_at") + response_after)
        ),
        "satisfied": n(Q(rating=Rating.SATISFIED)),
        "basically": n(Q(rating=Rating.BASICALLY)),
        "unsatisfied": n(Q(rating=Rating.UNSATISFIED)),
        "resolved": n(rated & Q(resolution=Resolution.RESOLVED)),
        "partly": n(rated & Q(resolution=Resolution.PARTLY)),
        "unresolved": n(rated & Q(resolution=Resolution.UNRESOLVED)),
    }
    for name, later, earlier in rules.STAGE_SPANS:
        out[f"{name}_n"] = n(Q(**{f"{later}__isnull": False, f"{earlier}__isnull": False}))
        out[f"{name}_s"] = _span(later, earlier)
    return out


def _group_key(by: str) -> Any:
    if by == "grid":
        return F("grid_id")
    if by in AREA_PREFIX:
        return Substr("grid__code", 1, AREA_PREFIX[by])
    if by == "unit":
        return F("lead_unit_id")
    if by == "category":
        return Substr("category__code", 1, CATEGORY_PREFIX)
    if by == "month":
        return TruncMonth("reported_at", tzinfo=local_zone())
    raise ValueError(f"unknown breakdown {by!r}")


def to_counts(values: Mapping[str, Any]) -> rules.Counts:
    data: dict[str, Any] = {}
    for name in rules.COUNT_NAMES:
        value = values.get(name)
        if name.endswith("_s"):
            data[name] = value.total_seconds() if isinstance(value, dt.timedelta) else 0.0
        else:
            data[name] = int(value or 0)
    return rules.Counts(**data)


def _month_key(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, local_zone()) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


DIM_OF = {"month": "grid", "street": "grid", "community": "grid", "grid": "grid",
          "unit": "unit", "category": "category"}  # fmt: skip


def _stat_group(by: str) -> Any:
    """The group key of a breakdown on the rollup rows (`CaseStat`)."""
    if by == "month":
        return TruncMonth("day")
    if by in AREA_PREFIX:
        return Substr("area_code", 1, AREA_PREFIX[by])
    if by == "grid":
        return F("grid_id")
    if by == "unit":
        return F("unit_id")
    return F("category")


def _normal_key(by: str, key: Any) -> Any:
    """One key for the same group from the live query and from the rollup."""
    if by == "month":
        return _month_key(key)
    if by == "unit":
        return key or None  # the rollup keeps "no unit" as 0
    return key


def _rollup_plan(
    user: Any, by: str, area: Area | None, response_after: dt.timedelta
) -> tuple[str, list[str] | None] | None:
    """(rollup dimension, scope prefixes) when the rollup can serve this breakdown exactly,
    else None. Not for accounts of units: they also see cases through support units and
    whistles, which the rollup does not key on (their cases are counted live), nor for users
    who see only their own reports."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not rollup.usable(response_after):
        return None
    prefixes = scope_prefixes(user, Perm.VIEW_CASES)
    if prefixes == []:
        return None
    if UnitAccount.objects.filter(user=user).exists():
        return None
    # The unit and category rows are keyed by community: a grid's scope needs the grid rows.
    lengths = [len(p) for p in prefixes or []] + ([len(area.scope_prefix)] if area else [])
    by_community = not lengths or max(lengths) <= rollup.COMMUNITY
    dim = DIM_OF[by]
    if dim != "grid" and not by_community:
        return None
    if by in ("month", "street", "community") and by_community:
        dim = "category"  # the smallest rows that still hold the community (day × 6 or so)
    return dim, prefixes


def _live_rows(
    qs: QuerySet[Case], by: str, now: dt.datetime, response_after: dt.timedelta
) -> Iterator[tuple[Any, dict[str, int]]]:
    found = qs.order_by().values(group=_group_key(by)).annotate(**aggregates(now, response_after))
    for row in found:
        yield _normal_key(by, row["group"]), rollup.raw_of_values(row)


def breakdown(
    user: Any,
    by: str,
    *,
    period: Period,
    area: Area | None = None,
    now: dt.datetime | None = None,
    response_after: dt.timedelta | None = None,
    use_rollup: bool = True,
) -> list[Row]:
    """One row per group. From the rollup of settled cases (`rollup.CaseStat`) plus one
    aggregate over the cases not in it, when the rollup can serve the user and the breakdown;
    otherwise one aggregate over every case in scope. Both give the same numbers (a test
    checks it); `use_rollup=False` forces the second way."""
    if by not in DIM_OF:
        raise ValueError(f"unknown breakdown {by!r}")
    now = now or timezone.now()
    response_after = response_after or dt.timedelta(minutes=rules.response_minutes())
    plan = _rollup_plan(user, by, area, response_after) if use_rollup else None
    totals: dict[Any, dict[str, int]] = {}
    live = cohort(user, period=period, area=area)
    with _analytic(live.db):
        if plan is not None:
            dim, prefixes = plan
            stats = CaseStat.objects.filter(dim=dim, day__gte=period.start, day__lte=period.end)
            if prefixes is not None:
                stats = stats.filter(code_scope_q(prefixes, "area_code"))
            if area is not None:
                stats = stats.filter(area_code__startswith=area.scope_prefix)
            for key, raw in rollup.sums(stats, _stat_group(by)):
                rollup.add_raw(totals, _normal_key(by, key), raw)
            live = live.filter(in_rollup=False)
            if prefixes is not None:
                # The user's own reports outside their areas, already in the rollup.
                first, after = period.bounds()
                own = Case.objects.filter(
                    reporter=user, in_rollup=True, reported_at__gte=first, reported_at__lt=after
                ).exclude(grid__in=Area.objects.filter(code_scope_q(prefixes)).values("pk"))
                if area is not None:
                    own = own.filter(grid__code__startswith=area.scope_prefix)
                for key, raw in _live_rows(own, by, now, response_after):
                    rollup.add_raw(totals, key, raw)
        for key, raw in _live_rows(live, by, now, response_after):
            rollup.add_raw(totals, key, raw)
    found = [(key, rollup.counts_of_raw(raw)) for key, raw in totals.items() if raw["reported"]]
    return _label(by, found)


def _names(by: str, keys: list[Any]) -> dict[Any, tuple[str, str]]:
    """group key → (row key, label)."""
    if by == "month":
        return {k: (_month_key(k), _month_key(k)) for k in keys}
    if by == "grid":
        grids = Area.objects.filter(pk__in=keys).values_list("pk", "code", "name")
        return {pk: (code, name) for pk, code, name in grids}
    if by in AREA_PREFIX:
        full = {str(k).ljust(CODE_LENGTH, "0"): k for k in keys}
        areas = Area.objects.filter(code__in=list(full)).values_list("code", "name")
        return {full[code]: (code, name) for code, name in areas}
    if by == "unit":
        units = Unit.objects.filter(pk__in=[k for k in keys if k is not None])
        out: dict[Any, tuple[str, str]] = {
            pk: (str(pk), name) for pk, name in units.values_list("pk", "name")
        }
        out[None] = (NO_UNIT, _("(not dispatched)"))
        return out
    categories = Category.objects.filter(code__in=[str(k) for k in keys])
    return {code: (code, name) for code, name in categories.values_list("code", "name")}


def _label(by: str, raw: list[tuple[Any, rules.Counts]]) -> list[Row]:
    names = _names(by, [k for k, _c in raw])
    rows = [Row(*names.get(key, (str(key), str(key))), counts) for key, counts in raw]
    if by == "unit":
        return sorted(rows, key=lambda r: (r.key == NO_UNIT, r.label, r.key))
    return sorted(rows, key=lambda r: r.key)
