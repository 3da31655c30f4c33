"""Drills and trainings: plan them with participants, evaluate them (a 1–5 score per aspect and
free text), and turn each lesson into an improvement item with an owner and a due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import RoleBinding, User
from resigrid.areas.codes import ancestor_codes
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions import permissions
from resigrid.response.institutions.improvements import add_improvement_item
from resigrid.response.institutions.models import (
    Drill,
    DrillKind,
    DrillScore,
    ImprovementItem,
    ImprovementSource,
)
from resigrid.response.plans.models import Plan

MAX_ASPECTS = 12
MAX_LESSONS = 30
MAX_PARTICIPANTS = 500


@dataclass(frozen=True)
class ScoreSpec:
    aspect: str
    score: int
    comment: str = ""


@dataclass(frozen=True)
class LessonSpec:
    title: str
    due_date: dt.date | None
    owner_user: User | None = None
    owner_unit: Unit | None = None
    detail: str = ""


def _related(a: Area, b: Area) -> bool:
    return a.is_within(b) or b.is_within(a)


def people_of(area: Area) -> Q:
    """Accounts that hold a role on `area`, above it or below it (owners and participants)."""
    bound = RoleBinding.objects.filter(
        Q(area__code__startswith=area.scope_prefix) | Q(area__code__in=ancestor_codes(area.code))
    ).values("user_id")
    return Q(is_active=True, pk__in=bound)


def units_of(area: Area) -> Q:
    """Units of `area`, above it or below it."""
    return Q(area__code__startswith=area.scope_prefix) | Q(area__code__in=ancestor_codes(area.code))


def _check_people(area: Area, users: Sequence[User], units: Sequence[Unit]) -> None:
    if len(users) + len(units) > MAX_PARTICIPANTS:
        raise ValidationFailed(
            _("At most %(n)d participants.") % {"n": MAX_PARTICIPANTS}, field="participants"
        )
    user_ids = {u.pk for u in users}
    if user_ids:
        ok = set(User.objects.filter(people_of(area), pk__in=user_ids).values_list("pk", flat=True))
        if ok != user_ids:
            raise ValidationFailed(
                _("Some participating accounts are not of this area."), field="participant_users"
            )
    unit_ids = {u.pk for u in units}
    if unit_ids:
        ok = set(Unit.objects.filter(units_of(area), pk__in=unit_ids).values_list("pk", flat=True))
        if ok != unit_ids:
            raise ValidationFailed(
                _("Some participating units are not of this area."), field="participant_units"
            )


def create_drill(
    *,
    actor: Any,
    kind: str,
    area: Area,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None = None,
    plan: Plan | None = None,
    scenario: str = "",
    place: str = "",
    head_count: int = 0,
    participant_users: Sequence[User] = (),
    participant_units: Sequence[Unit] = (),
) -> Drill:
    if not permissions.can_manage(actor, area):
        raise PermissionDeniedError(_("You may not keep the institution list of this area."))
    if kind not in DrillKind.values:
        raise ValidationFailed(_("Say whether this is a drill or a training."), field="kind")
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("Give the drill a title."), field="title")
    if len(title) > 120:
        raise ValidationFailed(_("The title is too long (at most 120 characters)."), field="title")
    scenario = (scenario or "").strip()
    if len(scenario) > 4000:
        raise ValidationFailed(
            _("The scenario is too long (at most 4000 characters)."), field="scenario"
        )
    if len(place or "") > 200:
        raise ValidationFailed(_("The place is too long (at most 200 characters)."), field="place")
    if not isinstance(starts_at, dt.datetime):
        raise ValidationFailed(_("Give the date and time of the drill."), field="starts_at")
    if ends_at is not None and ends_at < starts_at:
        raise ValidationFailed(_("The drill cannot end before it starts."), field="ends_at")
    if not 0 <= head_count <= 100000:
        raise ValidationFailed(_("Give a head count between 0 and 100000."), field="head_count")
    if plan is not None and not (
        permissions.can_view(actor, plan.area) and _related(plan.area, area)
    ):
        raise ValidationFailed(_("That plan is not one of this area."), field="plan")
    _check_people(area, participant_users, participant_units)
    with transaction.atomic():
        drill = Drill.objects.create(
            kind=kind,
            area=area,
            title=title,
            plan=plan,
            scenario=scenario,
            starts_at=starts_at,
            ends_at=ends_at,
            place=(place or "").strip(),
            head_count=max(head_count, len(participant_users)),
            created_by=actor,
        )
        drill.participant_users.set(participant_users)
        drill.participant_units.set(participant_units)
    return drill


def _lock(drill_id: int) -> Drill:
    drill = (
        Drill.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=drill_id)
        .first()
    )
    if drill is None:
        raise NotFoundError(_("No such drill."))
    return drill


def evaluate_drill(
    *, actor: Any, drill_id: int, scores: Sequence[ScoreSpec], evaluation: str = ""
) -> Drill:
    """Set (or replace) the evaluation: scores 1–5 per aspect and/or free text."""
    evaluation = (evaluation or "").strip()
    if len(evaluation) > 4000:
        raise ValidationFailed(
            _("The evaluation is too long (at most 4000 characters)."), field="evaluation"
        )
    if not scores and not evaluation:
        raise ValidationFailed(
            _("Score at least one aspect or write an evaluation."), field="scores"
        )
    if len(scores) > MAX_ASPECTS:
        raise ValidationFailed(_("At most %(n)d aspects.") % {"n": MAX_ASPECTS}, field="scores")
    seen: set[str] = set()
    rows: list[tuple[str, int, str]] = []
    for spec in scores:
        aspect = (spec.aspect or "").strip()
        if not aspect or len(aspect) > 60:
            raise ValidationFailed(_("Name each aspect (at most 60 characters)."), field="scores")
        if aspect in seen:
            raise ValidationFailed(
                _("The aspect “%(a)s” is scored twice.") % {"a": aspect}, field="scores"
            )
        seen.add(aspect)
        if (
            isinstance(spec.score, bool)
            or not isinstance(spec.score, int)
            or not 1 <= spec.score <= 5
        ):
            raise ValidationFailed(_("Score “%(a)s” from 1 to 5.") % {"a": aspect}, field="scores")
        comment = (spec.comment or "").strip()
        if len(comment) > 300:
            raise ValidationFailed(
                _("A comment is too long (at most 300 characters)."), field="scores"
            )
        rows.append((aspect, spec.score, comment))
    with transaction.atomic():
        drill = _lock(drill_id)
        if not permissions.can_manage(actor, drill.area):
            raise PermissionDeniedError(_("You may not keep the institution list of this area."))
        now = timezone.now()
        if drill.starts_at > now:
            raise ValidationFailed(
                _("A drill can be evaluated once it has taken place."), field="scores"
            )
        drill.scores.all().delete()
        DrillScore.objects.bulk_create(
            DrillScore(drill=drill, aspect=a, score=s, comment=c) for a, s, c in rows
        )
        drill.evaluation = evaluation
        drill.evaluated_at = now
        drill.save(update_fields=["evaluation", "evaluated_at", "updated_at"])
    return drill


def add_lessons(
    *, actor: Any, drill_id: int, lessons: Sequence[LessonSpec]
) -> list[ImprovementItem]:
    """Each lesson becomes an improvement item (source drill) with its owner and due date. All
    or nothing: one bad lesson writes none and names the lesson at fault."""
    if not lessons:
        raise ValidationFailed(_("Add at least one lesson."), field="lessons")
    if len(lessons) > MAX_LESSONS:
        raise ValidationFailed(
            _("At most %(n)d lessons at once.") % {"n": MAX_LESSONS}, field="lessons"
        )
    with transaction.atomic():
        drill = _lock(drill_id)
        if not permissions.can_manage(actor, drill.area):
            raise PermissionDeniedError(_("You may not keep the institution list of this area."))
        errors: dict[str, list[str]] = {}
        drill_day = timezone.localdate(drill.starts_at)
        people = people_of(drill.area)
        units = units_of(drill.area)
        for i, lesson in enumerate(lessons):
            prefix = f"lessons.{i}"
            if not (lesson.title or "").strip():
                errors.setdefault(f"{prefix}.title", []).append(_("Say what is to be improved."))
            elif len(lesson.title.strip()) > 200:
                errors.setdefault(f"{prefix}.title", []).append(
                    _("What to improve is too long (at most 200 characters).")
                )
            if len(lesson.detail or "") > 2000:
                errors.setdefault(f"{prefix}.detail", []).append(
                    _("The detail is too long (at most 2000 characters).")
                )
            if lesson.owner_user is None and lesson.owner_unit is None:
                errors.setdefault(f"{prefix}.owner", []).append(
                    _("An improvement item needs an owner.")
                )
            if (
                lesson.owner_user is not None
                and not User.objects.filter(people, pk=lesson.owner_user.pk).exists()
            ):
                errors.setdefault(f"{prefix}.owner", []).append(
                    _("The owner is not an account of this area.")
                )
            if (
                lesson.owner_unit is not None
                and not Unit.objects.filter(units, pk=lesson.owner_unit.pk).exists()
            ):
                errors.setdefault(f"{prefix}.owner", []).append(
                    _("The owner unit is not of this area.")
                )
            if not isinstance(lesson.due_date, dt.date):
                errors.setdefault(f"{prefix}.due_date", []).append(_("Give a due date."))
            elif lesson.due_date < drill_day:
                errors.setdefault(f"{prefix}.due_date", []).append(
                    _("The due date cannot be before the drill.")
                )
        if errors:
            first = next(iter(errors))
            raise ValidationFailed(errors[first][0], field=first, errors=errors)
        items = []
        for lesson in lessons:
            items.append(
                add_improvement_item(
                    actor=actor,
                    area=drill.area,
                    source=ImprovementSource.DRILL,
                    source_id=drill.pk,
                    title=lesson.title,
                    due_date=cast(dt.date, lesson.due_date),
                    owner_unit=lesson.owner_unit,
                    owner_user=lesson.owner_user,
                    detail=lesson.detail,
                    plan=drill.plan,
                )
            )
    return items
