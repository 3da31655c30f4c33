"""The sweeper: run every minute (`manage.py sweep_cases`). Marks overdue stages, escalates
(督办) one level up each time a further stage length passes, and reports whistles nobody
answered. Everything is computed from database timestamps; running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from resigrid.cases import clocks, feedback, recipients
from resigrid.cases.models import Case, Whistle
from resigrid.cases.services import log
from resigrid.cases.workflow import Stage
from resigrid.registers.models import Category
from resigrid.registers.reads import StageMinutes, deadlines_for

CHUNK = 200


@dataclass
class SweepReport:
    escalated: int = 0
    late_whistles: int = 0


def _limits(
    cache: dict[tuple[int, str], StageMinutes], category_id: int, priority: str
) -> StageMinutes:
    key = (category_id, priority)
    if key not in cache:
        cache[key] = deadlines_for(Category.objects.get(pk=category_id), priority)
    return cache[key]


def _targets(case: Case, level: int) -> list[Any]:
    if level <= 1:
        return recipients.handlers(case) + recipients.managers(case, 0)
    return recipients.managers(case, level - 1)


def _escalate_chunk(
    ids: list[int], now: dt.datetime, cache: dict[tuple[int, str], StageMinutes]
) -> int:
    done = 0
    with transaction.atomic():
        rows = list(
            Case.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("grid", "lead_unit", "category")
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
            case.overdue_since = case.overdue_since or case.stage_due
            case.save(update_fields=["escalation_level", "overdue_since", "updated_at"])
            log(
                case,
                actor=None,
                action="escalate",
                at=now,
                note=f"{case.get_stage_display()} · {level}",
            )
            feedback.on_escalated(case, level, _targets(case, level))
            done += 1
    return done


def sweep(*, now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    cache: dict[tuple[int, str], StageMinutes] = {}
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
        report.escalated += _escalate_chunk(due_ids[i : i + CHUNK], now, cache)
    report.late_whistles = _late_whistles(now)
    return report


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
