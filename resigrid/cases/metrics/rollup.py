"""The metrics rollup (`CaseStat`): the counts of *settled* cases summed per report day, kept
exact so that the page can add a few hundred thousand rollup rows to a live aggregate over the
cases not in it, instead of aggregating a million cases.

A case is *settled* when nothing in its counts depends on the moment the page is drawn: it is
not open (so never overdue) and, if registered, it is closed (so it is due whatever the
clock). The invariant: every `CaseStat` row holds exactly the sum of the counts of the cases
marked `in_rollup` with that key, computed from their current fields.

* `absorb` (the sweeper, every minute) adds the settled cases not yet in the rollup and marks
  them, a chunk per transaction, with the case rows locked; on its first run it starts an
  empty rollup and fills it over the next runs (the page counts live what is not in it yet);
* `withdraw` (called by `services.lock`, which every move of a case goes through) takes a
  case's counts out and clears its mark, in the transaction of the move — so a case that
  changes is counted live from then on, until it is settled and absorbed again;
* `rebuild` (`manage.py rebuild_case_stats`) recomputes everything in one transaction that
  holds case writes meanwhile (minutes over a million cases), e.g. after changing
  `CASE_RESPONSE_MINUTES` or `TIME_ZONE` (until then the page counts everything live) or
  after recoding areas or categories.

Durations are summed in microseconds (exact integers); `queries` turns them into seconds only
after adding the live part, the same way the live query does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat, Substr, TruncDate
from django.utils import timezone

from resigrid.cases.metrics import rules
from resigrid.cases.models import STAT_COUNTS, Case, CaseStat, CaseStatState
from resigrid.cases.workflow import OPEN_STATES

DIMS = ("grid", "unit", "category")
SPANS = tuple(f"{name}_s" for name, _later, _earlier in rules.STAGE_SPANS)
ABSORB_CHUNK = 2000
MICRO = dt.timedelta(microseconds=1)
COMMUNITY = 12  # digits of a community code (the rest are zeros)
KEY_FIELDS = ("area_code", "grid_id", "unit_id", "category")


def settled_q() -> Q:
    """Cases whose counts do not depend on `now` (see the module docstring)."""
    return ~Q(state__in=[str(s) for s in OPEN_STATES]) & (
        Q(registered_at__isnull=True) | Q(closed_at__isnull=False)
    )


def _zone() -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def current_state() -> CaseStatState | None:
    """The rollup's state when it can be used with the present settings, else None."""
    state = CaseStatState.objects.filter(pk=1).first()
    if state is None:
        return None
    if state.response_minutes != rules.response_minutes():
        return None
    if state.time_zone != settings.TIME_ZONE:
        return None
    return state


def usable(response_after: dt.timedelta) -> bool:
    state = current_state()
    return state is not None and dt.timedelta(minutes=state.response_minutes) == response_after


# --- keys ---


def _key_expressions(dim: str) -> dict[str, Any]:
    """How a case maps to its rollup key, as ORM expressions (for the SQL aggregate)."""
    day = TruncDate("reported_at", tzinfo=_zone())
    if dim == "grid":
        return {"day": day, "k_area": F("grid__code"), "k_grid": F("grid_id")}
    community = Concat(Substr("grid__code", 1, COMMUNITY), Value("000"))
    if dim == "unit":
        return {"day": day, "k_area": community, "k_unit": Coalesce("lead_unit_id", 0)}
    return {"day": day, "k_area": community, "k_category": Substr("category__code", 1, 2)}


def _key_of_row(dim: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    day = row["day"]
    if isinstance(day, dt.datetime):
        day = day.date()
    return (
        dim,
        day,
        row["k_area"],
        int(row.get("k_grid") or 0),
        int(row.get("k_unit") or 0),
        str(row.get("k_category") or ""),
    )


def _keys_of_case(case: Case) -> list[tuple[Any, ...]]:
    """The three rollup keys of one case (from the instance `services.lock` loaded)."""
    day = timezone.localtime(case.reported_at, _zone()).date()
    community = case.grid.code[:COMMUNITY] + "000"
    return [
        ("grid", day, case.grid.code, case.grid_id, 0, ""),
        ("unit", day, community, 0, case.lead_unit_id or 0, ""),
        ("category", day, community, 0, 0, case.category.code[:2]),
    ]


def _key_filter(key: tuple[Any, ...]) -> dict[str, Any]:
    dim, day, area, grid, unit, category = key
    return {
        "dim": dim,
        "day": day,
        "area_code": area,
        "grid_id": grid,
        "unit_id": unit,
        "category": category,
    }


# --- counts as integers (durations in microseconds) ---


def micro(value: Any) -> int:
    """A summed duration (timedelta, or None) in whole microseconds."""
    if isinstance(value, dt.timedelta):
        return value // MICRO
    return int(value or 0)


def raw_of_values(values: Mapping[str, Any]) -> dict[str, int]:
    """One aggregate row of `queries.aggregates` as integers (durations in microseconds)."""
    return {
        name: micro(values.get(name)) if name in SPANS else int(values.get(name) or 0)
        for name in STAT_COUNTS
    }


def raw_of_case(case: Case, response_after: dt.timedelta) -> dict[str, int]:
    """`rules.tally` of one case as integers (durations in microseconds)."""
    facts = rules.Facts(**{name: getattr(case, name) for name in rules.FACT_FIELDS})
    counts = rules.tally(facts, now=timezone.now(), response_after=response_after)
    out = {name: int(getattr(counts, name)) for name in STAT_COUNTS if name not in SPANS}
    for name, later, earlier in rules.STAGE_SPANS:
        a, b = getattr(case, later), getattr(case, earlier)
        out[f"{name}_s"] = (a - b) // MICRO if a is not None and b is not None else 0
    return out


def add_raw(into: dict[Any, dict[str, int]], key: Any, raw: Mapping[str, int]) -> None:
    row = into.setdefault(key, dict.fromkeys(STAT_COUNTS, 0))
    for name in STAT_COUNTS:
        row[name] += raw[name]


def counts_of_raw(raw: Mapping[str, int]) -> rules.Counts:
    """Integers back to `rules.Counts` (seconds as the live query computes them)."""
    data: dict[str, Any] = {}
    for name in rules.COUNT_NAMES:
        value = raw.get(name, 0)
        data[name] = (value * MICRO).total_seconds() if name in SPANS else int(value)
    return rules.Counts(**data)


# --- writing ---


def _aggregate(
    cases: QuerySet[Case], dim: str, response_after: dt.timedelta
) -> Iterator[tuple[tuple[Any, ...], dict[str, int]]]:
    from resigrid.cases.metrics.queries import aggregates

    # `now` does not matter for settled cases (that is what settled means).
    rows = (
        cases.order_by()
        .values(**_key_expressions(dim))
        .annotate(**aggregates(timezone.now(), response_after))
    )
    for row in rows:
        yield _key_of_row(dim, row), raw_of_values(row)


def withdraw(case: Case) -> None:
    """Take a locked case out of the rollup before it changes (inside the move's
    transaction); a case not in the rollup is left alone."""
    if not case.in_rollup:
        return
    state = CaseStatState.objects.filter(pk=1).first()
    minutes = state.response_minutes if state else rules.response_minutes()
    raw = raw_of_case(case, dt.timedelta(minutes=minutes))
    changes = {name: F(name) - value for name, value in raw.items() if value}
    for key in _keys_of_case(case):
        CaseStat.objects.filter(**_key_filter(key)).update(**changes)
    Case.objects.filter(pk=case.pk).update(in_rollup=False)
    case.in_rollup = False


def _upsert_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE adding the counts (PostgreSQL and SQLite ≥ 3.24)."""
    table = CaseStat._meta.db_table
    keys = ("dim", "day", *KEY_FIELDS)
    columns = ", ".join((*keys, *STAT_COUNTS))
    marks = ", ".join(["%s"] * (len(keys) + len(STAT_COUNTS)))
    adds = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in STAT_COUNTS)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 - names only
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
    )


def _merge(totals: dict[tuple[Any, ...], dict[str, int]]) -> None:
    """Add `totals` to the rollup rows, creating the missing ones (one upsert per row)."""
    day = connection.ops.adapt_datefield_value
    params = [
        (dim, day(d), area, grid, unit, category, *(raw[n] for n in STAT_COUNTS))
        for (dim, d, area, grid, unit, category), raw in totals.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(), params)


def _start() -> bool:
    """Begin an empty rollup with the present settings (the sweeper then adds the settled cases
    chunk by chunk, without locking every case at once). False when cases are marked without a
    state row (it was deleted by hand): only a rebuild can tell what the rows hold then."""
    with transaction.atomic():
        if Case.objects.filter(in_rollup=True).exists():
            return False
        now = timezone.now()
        CaseStatState.objects.get_or_create(
            pk=1,
            defaults={
                "response_minutes": rules.response_minutes(),
                "time_zone": settings.TIME_ZONE,
                "built_at": now,
            },
        )
        CaseStat.objects.all().delete()
    return True


def absorb(*, limit: int = 20 * ABSORB_CHUNK) -> int:
    """Add settled cases not yet in the rollup, at most `limit`, in transactions of
    `ABSORB_CHUNK` cases (starting an empty rollup first when there is none). Returns how many
    cases were added."""
    if not CaseStatState.objects.filter(pk=1).exists() and not _start():
        return rebuild()
    state = current_state()
    if state is None:
        return 0  # the settings changed: counted live until rebuild_case_stats
    response_after = dt.timedelta(minutes=state.response_minutes)
    done = 0
    while done < limit:
        with transaction.atomic():
            CaseStatState.objects.select_for_update().get(pk=1)
            ids = list(
                Case.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(settled_q(), in_rollup=False)
                .order_by("pk")
                .values_list("pk", flat=True)[: min(ABSORB_CHUNK, limit - done)]
            )
            if not ids:
                break
            cases = Case.objects.filter(pk__in=ids)
            totals: dict[tuple[Any, ...], dict[str, int]] = {}
            for dim in DIMS:
                for key, raw in _aggregate(cases, dim, response_after):
                    add_raw(totals, key, raw)
            _merge(totals)
            cases.update(in_rollup=True)
            CaseStatState.objects.filter(pk=1).update(absorbed_at=timezone.now())
        done += len(ids)
        if len(ids) < ABSORB_CHUNK:
            break
    return done


def rebuild() -> int:
    """Recompute the whole rollup from the cases (one transaction; on PostgreSQL the cases
    table is locked against writes meanwhile). Returns how many cases it holds."""
    now = timezone.now()
    minutes = rules.response_minutes()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Cases first (the order moves take), then the rollup. EXCLUSIVE waits for
                # the moves holding a case row (FOR UPDATE) to finish and lets plain reads on.
                cursor.execute("LOCK TABLE cases_case IN EXCLUSIVE MODE")
                cursor.execute("LOCK TABLE cases_casestat IN EXCLUSIVE MODE")
        CaseStatState.objects.update_or_create(
            pk=1,
            defaults={
                "response_minutes": minutes,
                "time_zone": settings.TIME_ZONE,
                "built_at": now,
                "absorbed_at": now,
            },
        )
        Case.objects.filter(in_rollup=True).exclude(settled_q()).update(in_rollup=False)
        Case.objects.filter(settled_q(), in_rollup=False).update(in_rollup=True)
        CaseStat.objects.all().delete()
        cases = Case.objects.filter(in_rollup=True)
        response_after = dt.timedelta(minutes=minutes)
        for dim in DIMS:
            CaseStat.objects.bulk_create(
                (
                    CaseStat(**_key_filter(key), **raw)
                    for key, raw in _aggregate(cases, dim, response_after)
                ),
                batch_size=2000,
            )
        held = cases.count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The mark of most rows just changed: without fresh statistics the planner
                # would not use the partial index of the live cases.
                cursor.execute("ANALYZE cases_case")
                cursor.execute("ANALYZE cases_casestat")
        return held


# --- reading ---


def sums(rows: QuerySet[CaseStat], group: Any) -> Iterable[tuple[Any, dict[str, int]]]:
    """The rollup rows summed per `group` (an ORM expression)."""
    found = rows.order_by().values(group=group).annotate(**{n: Sum(n) for n in STAT_COUNTS})
    for row in found:
        yield row["group"], {n: int(row[n] or 0) for n in STAT_COUNTS}
