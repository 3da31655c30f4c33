"""The sweeper: run every minute (`manage.py sweep_cases`). Marks overdue stages, escalates
(督办) one level up each time a further stage length passes, reports whistles nobody
answered, adds the cases settled since the last run to the metrics rollup, and forgets
`Idempotency-Key` answers older than a day. Everything is computed from database timestamps;
running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from resigrid.cases import clocks, feedback, recipients
from resigrid.cases.metrics import rollup
from resigrid.cases.models import Case, CaseLog, IdempotentRequest, Whistle
from resigrid.cases.services import log
from resigrid.cases.workflow import Stage
from resigrid.notify.services import enqueue_many
from resigrid.registers.models import Category
from resigrid.registers.reads import StageMinutes, deadlines_for

CHUNK = 200
# What an escalation reads of a case and its grid: not the texts, not the grid's boundary.
_COLUMNS = (
    "stage", "stage_due", "suspended_at", "category", "priority", "escalation_level",
    "lead_unit", "grid__code", "grid__name", "grid__level", "grid__parent",
)  # fmt: skip
# How long a retry with the same Idempotency-Key gets the first answer back (a mobile client
# retries within minutes; a day is what payment APIs keep).
IDEMPOTENCY_KEEP = dt.timedelta(hours=24)


@dataclass
class SweepReport:
    escalated: int = 0
    late_whistles: int = 0
    absorbed: int = 0
    purged_keys: int = 0


def _limits(
    cache: dict[tuple[int, str], StageMinutes], category_id: int, priority: str
) -> StageMinutes:
    key = (category_id, priority)
    if key not in cache:
        cache[key] = deadlines_for(Category.objects.get(pk=category_id), priority)
    return cache[key]


class _Targets:
    """Who hears of an escalation, looked up once per sweep: the managers depend only on the
    grid's community and the level, the handlers only on the lead unit."""

    def __init__(self) -> None:
        self.managers: dict[tuple[int | None, int], list[Any]] = {}
        self.handlers: dict[tuple[int | None, int | None], list[Any]] = {}

    def _managers(self, case: Case, level: int) -> list[Any]:
        key = (case.grid.parent_id, level)
        if key not in self.managers:
            self.managers[key] = recipients.managers(case, level)
        return self.managers[key]

    def __call__(self, case: Case, level: int) -> list[Any]:
        if level > 1:
            return self._managers(case, level - 1)
        key = (case.lead_unit_id, case.grid.parent_id if case.lead_unit_id is None else None)
        if key not in self.handlers:
            self.handlers[key] = recipients.handlers(case)
        return self.handlers[key] + self._managers(case, 0)


def _escalate_chunk(
    ids: list[int],
    now: dt.datetime,
    cache: dict[tuple[int, str], StageMinutes],
    targets: _Targets,
) -> int:
    """Escalate a chunk of cases: the rows are locked, then written with one UPDATE, one
    INSERT of the log and one batch of notifications."""
    by_level: dict[int, list[int]] = {}
    stages = {str(value): str(label) for value, label in Stage.choices}
    logs: list[CaseLog] = []
    escalated: list[tuple[Case, int, list[Any]]] = []
    with transaction.atomic():
        rows = list(
            Case.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("grid")
            .only(*_COLUMNS)
            .filter(pk__in=ids)
            .order_by("pk")
        )
        for case in rows:
            if case.stage_due is None or case.suspended_at is not None or not case.stage:
                continue
            length = clocks.stage_minutes(
                _limits(cache, case.category_id, case.priority), Stage(case.stage)
            )
            level = clocks.escalation_level(case.stage_due, now, length)
            if level <= case.escalation_level:
                continue
            case.escalation_level = level
            by_level.setdefault(level, []).append(case.pk)
            logs.append(CaseLog(case=case, at=now, action="escalate",
                                note=f"{stages[case.stage]} · {level}"))  # fmt: skip
            escalated.append((case, level, targets(case, level)))
        for level, pks in by_level.items():
            Case.objects.filter(pk__in=pks).update(
                escalation_level=level,
                overdue_since=Coalesce("overdue_since", "stage_due"),
                updated_at=now,
            )
        CaseLog.objects.bulk_create(logs)
        enqueue_many(feedback.escalated_notices(escalated))
    return len(logs)


def sweep(*, now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    cache: dict[tuple[int, str], StageMinutes] = {}
    targets = _Targets()
    candidates = (
        Case.objects.overdue(now)
        .filter(escalation_level__lt=3)
        .values_list("pk", "category_id", "priority", "stage", "stage_due", "escalation_level")
        .order_by("pk")
    )
    due_ids: list[int] = []
    for pk, category_id, priority, stage, stage_due, current in candidates.iterator(2000):
        if not stage or stage_due is None:
            continue
        length = clocks.stage_minutes(_limits(cache, category_id, priority), Stage(stage))
        if clocks.escalation_level(stage_due, now, length) > current:
            due_ids.append(pk)
    for i in range(0, len(due_ids), CHUNK):
        report.escalated += _escalate_chunk(due_ids[i : i + CHUNK], now, cache, targets)
    report.late_whistles = _late_whistles(now)
    report.absorbed = rollup.absorb()
    report.purged_keys = purge_idempotency_keys(now=now)
    return report


def purge_idempotency_keys(*, now: dt.datetime | None = None) -> int:
    """Delete the stored answers of `Idempotency-Key` requests older than
    `IDEMPOTENCY_KEEP`; a retry after that is a new request. Returns how many were deleted."""
    now = now or timezone.now()
    deleted, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=now - IDEMPOTENCY_KEEP
    ).delete()
    return deleted


def _late_whistles(now: dt.datetime) -> int:
    count = 0
    with transaction.atomic():
        late = list(
            Whistle.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("unit", "case__grid")
            .filter(answered_at__isnull=True, late_notified_at__isnull=True, due_at__lt=now)
        )
        for row in late:
            row.late_notified_at = now
            row.save(update_fields=["late_notified_at"])
            log(row.case, actor=None, action="whistle_late", note=row.unit.name, at=now)
            users = recipients.managers(row.case, 1) + recipients.managers(row.case, 0)
            feedback.on_whistle_late(row.case, row, users)
            count += 1
    return count
