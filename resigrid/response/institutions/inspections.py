"""Inspection schedules with their checklists, and inspections: each finding opens a case
through the case intake (source “inspection”) and the answer keeps the link; recording moves the
schedule's next due date. A resubmission with the same key returns the first inspection and
opens nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.locator import locate_point
from resigrid.areas.models import Area
from resigrid.cases import intake
from resigrid.cases.choices import Source
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers import snapshot
from resigrid.registers.models import Category
from resigrid.response.institutions import permissions, rules
from resigrid.response.institutions.models import (
    Answer,
    Cadence,
    ChecklistItem,
    Inspection,
    InspectionAnswer,
    InspectionSchedule,
    Procedure,
)

MAX_ITEMS = 50
MAX_NOTE = 500
MAX_KEY = 64
MAX_AGE_DAYS = 31


@dataclass(frozen=True)
class ItemSpec:
    question: str
    category: str = ""  # a leaf case category code; empty: chosen on the finding


@dataclass(frozen=True)
class AnswerSpec:
    result: str
    note: str = ""
    category: str = ""  # overrides the item's category for this finding


def _leaf(code: str, field: str) -> Category:
    found = snapshot.leaf(code)
    if found is None:
        raise ValidationFailed(
            _("Unknown case category %(code)s.") % {"code": repr(code)}, field=field
        )
    return found


def finding_point(schedule: InspectionSchedule) -> tuple[float, float]:
    """Where the schedule's findings are filed: its own point, else a point inside its area
    (inside the first grid of a community or street)."""
    if schedule.lon is not None and schedule.lat is not None:
        return schedule.lon, schedule.lat
    area = schedule.area
    grid: Area | None = area
    if area.level != Level.GRID:
        grid = Area.objects.grids().subtree(area).exclude(boundary=None).order_by("code").first()
    if grid is None or not grid.boundary:
        raise ValidationFailed(
            _("This area has no grid to file findings in; give the place on the map."),
            field="lon",
        )
    point = shape(grid.boundary).representative_point()
    return point.x, point.y


def _check_cadence(cadence: str, every_days: int | None) -> int | None:
    if cadence not in Cadence.values:
        raise ValidationFailed(_("Unknown cadence."), field="cadence")
    if cadence != Cadence.EVERY_N_DAYS:
        return None
    if every_days is None or not 1 <= every_days <= 366:
        raise ValidationFailed(_("Give a number of days between 1 and 366."), field="every_days")
    return every_days


def _check_items(items: Sequence[ItemSpec]) -> list[tuple[str, Category | None]]:
    if not items:
        raise ValidationFailed(_("A checklist needs at least one question."), field="items")
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(
            _("At most %(n)d questions per checklist.") % {"n": MAX_ITEMS}, field="items"
        )
    seen: set[str] = set()
    out: list[tuple[str, Category | None]] = []
    for i, item in enumerate(items):
        question = (item.question or "").strip()
        if not question:
            raise ValidationFailed(_("Question %(n)d is empty.") % {"n": i + 1}, field="items")
        if len(question) > 200:
            raise ValidationFailed(
                _("Question %(n)d is too long (at most 200 characters).") % {"n": i + 1},
                field="items",
            )
        if question in seen:
            raise ValidationFailed(
                _("Question %(n)d repeats an earlier one.") % {"n": i + 1}, field="items"
            )
        seen.add(question)
        out.append((question, _leaf(item.category, "items") if item.category else None))
    return out


def create_schedule(
    *,
    actor: Any,
    area: Area,
    title: str,
    cadence: str,
    next_due: dt.date | None,
    items: Sequence[ItemSpec],
    every_days: int | None = None,
    procedure: Procedure | None = None,
    responsible_unit: Unit | None = None,
    responsible_user: User | None = None,
    place: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> InspectionSchedule:
    if not permissions.can_manage(actor, area):
        raise PermissionDeniedError(_("You may not keep the institution list of this area."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("Give the inspection a title."), field="title")
    if len(title) > 120:
        raise ValidationFailed(_("The title is too long (at most 120 characters)."), field="title")
    if len(place or "") > 200:
        raise ValidationFailed(_("The place is too long (at most 200 characters)."), field="place")
    every = _check_cadence(cadence, every_days)
    if not isinstance(next_due, dt.date):
        raise ValidationFailed(_("Give the date of the first inspection."), field="next_due")
    checked = _check_items(items)
    if procedure is not None and not (
        procedure.area.is_within(area) or area.is_within(procedure.area)
    ):
        raise ValidationFailed(_("That procedure belongs to another area."), field="procedure")
    if responsible_unit is None and responsible_user is None:
        raise ValidationFailed(_("Name the responsible unit or account."), field="responsible_user")
    if responsible_user is not None and not responsible_user.is_active:
        raise ValidationFailed(_("That account is not active."), field="responsible_user")
    if responsible_unit is not None and not (
        responsible_unit.area.is_within(area) or area.is_within(responsible_unit.area)
    ):
        raise ValidationFailed(_("That unit is not of this area."), field="responsible_unit")
    if (lon is None) != (lat is None):
        raise ValidationFailed(_("Give both longitude and latitude, or neither."), field="lon")
    schedule = InspectionSchedule(
        area=area,
        procedure=procedure,
        title=title,
        place=(place or "").strip(),
        lon=lon,
        lat=lat,
        cadence=cadence,
        every_days=every,
        responsible_unit=responsible_unit,
        responsible_user=responsible_user,
        next_due=next_due,
        created_by=actor,
    )
    point = finding_point(schedule)
    if lon is not None:
        try:
            grid = locate_point(lon=point[0], lat=point[1])
        except ValidationFailed:
            grid = None
        if grid is None or not grid.is_within(area):
            raise ValidationFailed(_("The place is not inside this area."), field="lon")
    with transaction.atomic():
        schedule.save()
        ChecklistItem.objects.bulk_create(
            ChecklistItem(schedule=schedule, position=i + 1, question=q, category=c)
            for i, (q, c) in enumerate(checked)
        )
    return schedule


def set_active(*, actor: Any, schedule_id: int, active: bool) -> InspectionSchedule:
    with transaction.atomic():
        schedule = _lock(schedule_id)
        if not permissions.can_manage(actor, schedule.area):
            raise PermissionDeniedError(_("You may not keep the institution list of this area."))
        schedule.active = active
        schedule.save(update_fields=["active", "updated_at"])
    return schedule


def _lock(schedule_id: int) -> InspectionSchedule:
    schedule = (
        InspectionSchedule.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        raise NotFoundError(_("No such inspection schedule."))
    return schedule


def _check_answers(
    schedule: InspectionSchedule, items: list[ChecklistItem], answers: Mapping[int, AnswerSpec]
) -> dict[int, tuple[str, str, Category | None]]:
    errors: dict[str, list[str]] = {}
    known = {item.pk: item for item in items}
    for item_id in answers:
        if item_id not in known:
            errors.setdefault("answers", []).append(
                _("Item %(id)s is not on this checklist.") % {"id": item_id}
            )
    checked: dict[int, tuple[str, str, Category | None]] = {}
    for item in items:
        name = f"answers.{item.pk}"
        spec = answers.get(item.pk)
        if spec is None:
            errors.setdefault(name, []).append(_("Answer “%(q)s”.") % {"q": item.question})
            continue
        note = (spec.note or "").strip()
        if spec.result not in Answer.values:
            errors.setdefault(name, []).append(_("Answer OK, finding or not applicable."))
            continue
        if len(note) > MAX_NOTE:
            errors.setdefault(name, []).append(
                _("The note is too long (at most %(n)d characters).") % {"n": MAX_NOTE}
            )
            continue
        category: Category | None = None
        if spec.result == Answer.FINDING:
            if not note:
                errors.setdefault(name, []).append(
                    _("Describe what was found at “%(q)s”.") % {"q": item.question}
                )
                continue
            code = (spec.category or "").strip()
            if code:
                category = snapshot.leaf(code)
                if category is None:
                    errors.setdefault(name, []).append(
                        _("Unknown case category %(code)s.") % {"code": repr(code)}
                    )
                    continue
            elif item.category_id is not None:
                category = item.category
            else:
                errors.setdefault(name, []).append(
                    _("Choose the case category of the finding at “%(q)s”.") % {"q": item.question}
                )
                continue
        checked[item.pk] = (spec.result, note, category)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)
    return checked


def record_inspection(
    *,
    actor: Any,
    schedule_id: int,
    answers: Mapping[int, AnswerSpec],
    note: str = "",
    key: str = "",
    at: dt.datetime | None = None,
) -> tuple[Inspection, bool]:
    """Record one run of the checklist. Answers every item (by checklist item id); each finding
    opens a case. Returns the inspection and whether it is new: the same `key` again returns
    the first inspection without opening anything."""
    key = (key or "").strip()
    if len(key) > MAX_KEY:
        raise ValidationFailed(
            _("The idempotency key is too long (at most %(n)d characters).") % {"n": MAX_KEY},
            field="key",
        )
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(
            _("The note is too long (at most %(n)d characters).") % {"n": 2000}, field="note"
        )
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("An inspection cannot be in the future."), field="at")
    if at < now - dt.timedelta(days=MAX_AGE_DAYS):
        raise ValidationFailed(
            _("An inspection older than %(n)d days cannot be recorded.") % {"n": MAX_AGE_DAYS},
            field="at",
        )
    try:
        with transaction.atomic():
            schedule = _lock(schedule_id)
            if not permissions.can_record(actor, schedule):
                raise PermissionDeniedError(_("You may not record inspections of this schedule."))
            if key and (done := schedule.inspections.filter(key=key).first()) is not None:
                return done, False
            if not schedule.active:
                raise ValidationFailed(_("This inspection schedule is paused."), field="schedule")
            items = list(schedule.items.select_related("category"))
            checked = _check_answers(schedule, items, answers)
            inspection = Inspection.objects.create(
                schedule=schedule,
                inspector=actor,
                at=at,
                note=note,
                key=key or uuid.uuid4().hex,
            )
            point = (
                finding_point(schedule)
                if any(r == Answer.FINDING for r, _n, _c in checked.values())
                else None
            )
            rows = []
            for item in items:
                result, text, category = checked[item.pk]
                case = None
                if result == Answer.FINDING and category is not None and point is not None:
                    case = _open_case(actor, schedule, item, text, category, point, at)
                rows.append(
                    InspectionAnswer(
                        inspection=inspection, item=item, result=result, note=text, case=case
                    )
                )
            InspectionAnswer.objects.bulk_create(rows)
            local_day = timezone.localdate(at)
            schedule.next_due = rules.next_due_after(
                schedule.cadence, schedule.every_days, local_day
            )
            schedule.save(update_fields=["next_due", "updated_at"])
            return inspection, True
    except IntegrityError:
        # A concurrent submit with the same key won the race: answer with its inspection.
        found = Inspection.objects.filter(schedule_id=schedule_id, key=key).first() if key else None
        if found is None:
            raise
        return found, False


def _open_case(
    actor: Any,
    schedule: InspectionSchedule,
    item: ChecklistItem,
    text: str,
    category: Category,
    point: tuple[float, float],
    at: dt.datetime,
) -> Any:
    title = f"{schedule.title}：{item.question}"
    if len(title) > 120:
        title = title[:119] + "…"
    report = intake.Report(
        category=category.code,
        title=title,
        description=text,
        lon=point[0],
        lat=point[1],
        address=schedule.place[:200],
        source=Source.INSPECTION,
    )
    try:
        return intake.report_case(actor=actor, report=report, now=at)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message,
            field=f"answers.{item.pk}",
            errors={f"answers.{item.pk}": [str(exc.message)]},
        ) from exc
