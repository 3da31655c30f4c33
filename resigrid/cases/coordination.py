"""Requests that need approval (延期, 缓办, reopen), whistles (吹哨报到), merging duplicates, and
photos added after the fact (a phone uploads them one request at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.cases import feedback, permissions
from resigrid.cases.choices import PhotoStage, RequestKind
from resigrid.cases.models import Case, CasePhoto, CaseRequest, Whistle
from resigrid.cases.photos import CheckedPhoto
from resigrid.cases.services import (
    attach_photos,
    clean_note,
    deny,
    lock,
    log,
    move,
    start_stage,
)
from resigrid.cases.workflow import OPEN_STATES, Action, Stage, State
from resigrid.core.errors import ConflictError, NotFoundError, ValidationFailed
from resigrid.orgs.models import Unit

MAX_EXTRA_MINUTES = 90 * 24 * 60


def request_change(
    *, actor: Any, case_id: int, kind: str, reason: str, extra_minutes: int | None = None
) -> CaseRequest:
    """The handling unit asks for more time (延期) or to stop the clock (缓办)."""
    if kind not in (RequestKind.POSTPONE, RequestKind.SUSPEND):
        raise ValidationFailed(_("Ask for a postponement or a suspension."), field="kind")
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_handle(actor, case):
            raise deny(_("Only the unit handling the case may ask for this."))
        if case.state not in (State.DISPATCHED, State.IN_PROGRESS):
            raise ConflictError(
                _("Only a case being handled can be postponed or suspended; it is “%(state)s”.")
                % {"state": State(case.state).label},
                state=case.state,
            )
        if kind == RequestKind.SUSPEND and case.suspended_at is not None:
            raise ConflictError(_("The case is already suspended."), state=case.state)
        reason = clean_note(reason, required=True, field="reason")
        if kind == RequestKind.POSTPONE:
            if extra_minutes is None or not 0 < extra_minutes <= MAX_EXTRA_MINUTES:
                raise ValidationFailed(
                    _("Ask for between 1 minute and 90 days more."), field="extra_minutes"
                )
        else:
            extra_minutes = None
        now = timezone.now()
        try:
            with transaction.atomic():
                row = CaseRequest.objects.create(
                    case=case,
                    kind=kind,
                    reason=reason,
                    extra_minutes=extra_minutes,
                    requested_by=actor,
                    requested_at=now,
                )
        except IntegrityError:
            raise ConflictError(
                _("A request of this kind is already waiting for a decision."), state=case.state
            ) from None
        log(case, actor=actor, action=f"request_{kind}", note=reason, at=now)
        feedback.on_request(case, str(RequestKind(kind).label), reason)
    return row


def decide(*, actor: Any, request_id: int, approve: bool, note: str = "") -> CaseRequest:
    """The community approves or refuses a request. Approving a postponement extends the
    handling deadline; a suspension stops the clock until `resume`; a reopen sends the case back
    to its unit with a fresh handling deadline."""
    with transaction.atomic():
        row = CaseRequest.objects.filter(pk=request_id).first()
        if row is None:
            raise NotFoundError(_("No such request."))
        case = lock(row.case_id)
        row = CaseRequest.objects.select_for_update().get(pk=request_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not decide requests for this grid."))
        if row.approved is not None:
            raise ConflictError(_("This request has already been decided."))
        note = clean_note(note, required=not approve)
        now = timezone.now()
        if approve:
            _apply(case, row, actor=actor, note=note, now=now)
        row.approved = approve
        row.decided_by = actor
        row.decided_at = now
        row.decision_note = note
        row.save()
        action = f"{'approve' if approve else 'deny'}_{row.kind}"
        log(
            case,
            actor=actor,
            action=action,
            note=note,
            at=now,
            public=row.kind == RequestKind.REOPEN,
        )
        case.save()
        if row.kind == RequestKind.REOPEN:
            feedback.tell_reporter(case, "reopen" if approve else "reopen_denied", note)
        else:
            feedback.on_request_decided(case, approve, str(RequestKind(row.kind).label), note)
    return row


def _apply(case: Case, row: CaseRequest, *, actor: Any, note: str, now: dt.datetime) -> None:
    if row.kind == RequestKind.POSTPONE:
        if case.state not in (State.DISPATCHED, State.IN_PROGRESS):
            raise ConflictError(_("The case is no longer being handled."), state=case.state)
        extra = dt.timedelta(minutes=row.extra_minutes or 0)
        case.handle_due = (case.handle_due or now) + extra
        if case.stage == Stage.HANDLE:
            case.stage_due = case.handle_due
            if case.stage_due > now:
                case.overdue_since = None
                case.escalation_level = 0
        case.was_postponed = True
    elif row.kind == RequestKind.SUSPEND:
        if case.state not in (State.DISPATCHED, State.IN_PROGRESS):
            raise ConflictError(_("The case is no longer being handled."), state=case.state)
        case.suspended_at = now
        case.was_suspended = True
    else:
        move(
            case, actor=actor, action=Action.REOPEN, note=note, public=True, expected=None, now=now
        )
        case.reopen_count += 1
        case.rating = ""
        case.resolution = ""
        case.closed_at = None
        case.closed_on_time = None


def resume(*, actor: Any, case_id: int, note: str = "") -> Case:
    """End a suspension: the deadlines move by the time the clock stood still."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not resume cases in this grid."))
        if case.suspended_at is None:
            raise ConflictError(_("The case is not suspended."), state=case.state)
        now = timezone.now()
        stood = now - case.suspended_at
        if case.stage_due is not None:
            case.stage_due += stood
        if case.handle_due is not None:
            case.handle_due += stood
        case.suspended_at = None
        case.save()
        log(case, actor=actor, action="resume", note=clean_note(note, required=False), at=now)
    return case


def whistle(
    *, actor: Any, case_id: int, unit_id: int, reason: str, answer_minutes: int | None = None
) -> Whistle:
    """吹哨: the community summons a street office or district department, which must report
    (报到) before the answer deadline."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not blow the whistle for this grid."))
        if case.state not in OPEN_STATES:
            raise ConflictError(
                _("The case is “%(state)s”; whistles are for open cases.")
                % {"state": State(case.state).label},
                state=case.state,
            )
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise ValidationFailed(_("Unknown unit."), field="unit")
        reason = clean_note(reason, required=True, field="reason")
        minutes = answer_minutes or settings.CASE_WHISTLE_ANSWER_MINUTES
        if not 0 < minutes <= 7 * 24 * 60:
            raise ValidationFailed(
                _("The answer time must be between 1 minute and 7 days."), field="answer_minutes"
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                row = Whistle.objects.create(
                    case=case,
                    unit=unit,
                    reason=reason,
                    summoned_by=actor,
                    summoned_at=now,
                    due_at=now + dt.timedelta(minutes=minutes),
                )
        except IntegrityError:
            raise ConflictError(
                _("This unit has already been summoned and not yet answered."), state=case.state
            ) from None
        log(case, actor=actor, action="whistle", note=f"{unit.name}: {reason}", at=now)
        feedback.on_whistle(case, row)
    return row


def answer(*, actor: Any, whistle_id: int, text: str) -> Whistle:
    """报到: the summoned unit answers."""
    with transaction.atomic():
        row = Whistle.objects.select_related("unit").filter(pk=whistle_id).first()
        if row is None:
            raise NotFoundError(_("No such whistle."))
        case = lock(row.case_id)
        row = Whistle.objects.select_for_update().select_related("unit").get(pk=whistle_id)
        if not permissions.can_answer(actor, row):
            raise deny(_("Only the summoned unit may answer."))
        if row.answered_at is not None:
            raise ConflictError(_("This whistle has already been answered."))
        now = timezone.now()
        row.answered_at = now
        row.answered_by = actor
        row.answer = clean_note(text, required=True, field="text")
        row.save()
        log(case, actor=actor, action="answer", note=f"{row.unit.name}: {row.answer}", at=now)
    return row


def merge(
    *, actor: Any, case_id: int, into_id: int, note: str = "", expected: str | None = None
) -> Case:
    """Merge a duplicate into an open case of the same grid area; its reporter follows the
    surviving case."""
    if case_id == into_id:
        raise ValidationFailed(_("A case cannot be merged into itself."), field="into")
    with transaction.atomic():
        # Lock in id order so two merges never deadlock.
        first, second = sorted((case_id, into_id))
        locked = {first: lock(first), second: lock(second)}
        case, target = locked[case_id], locked[into_id]
        if not (permissions.can_manage(actor, case) and permissions.can_manage(actor, target)):
            raise deny(_("You may not merge these cases."))
        if target.state not in OPEN_STATES or target.merged_into_id is not None:
            raise ConflictError(_("Merge into an open case."), state=target.state)
        now = timezone.now()
        text = _("Merged into %(number)s.") % {"number": target.number}
        if note:
            text += " " + clean_note(note, required=False)
        move(
            case,
            actor=actor,
            action=Action.MERGE,
            note=text,
            public=True,
            expected=expected,
            now=now,
        )
        case.merged_into = target
        start_stage(case, None, now)
        case.save()
        log(target, actor=actor, action="merged_in", note=case.number, at=now)
        feedback.tell_reporter(case, "merge", text)
    return case


_PHOTO_STATES = {
    PhotoStage.REPORT: frozenset(
        {State.REPORTED, State.ACCEPTED, State.REGISTERED, State.DISPATCHED, State.IN_PROGRESS}
    ),
    PhotoStage.RESULT: frozenset({State.DISPATCHED, State.IN_PROGRESS, State.HANDLED}),
    PhotoStage.VERIFY: frozenset({State.HANDLED, State.VERIFIED, State.IN_PROGRESS}),
}


def add_photos(
    *,
    actor: Any,
    case_id: int,
    stage: str,
    photos: Sequence[CheckedPhoto],
    tracking_code: str | None = None,
) -> list[CasePhoto]:
    """Photos added after the fact (a phone uploads them one request at a time): the reporter's
    (or staff's) report photos while the case is open, the handling unit's result photos, the
    verifier's photos. At most CASE_PHOTO_MAX_COUNT per stage."""
    if stage not in _PHOTO_STATES:
        raise ValidationFailed(_("Choose report, result or verify photos."), field="stage")
    with transaction.atomic():
        case = lock(case_id)
        if stage == PhotoStage.REPORT:
            allowed = (
                (tracking_code is not None and tracking_code == case.tracking_code)
                or permissions.can_rate(actor, case)  # the logged-in reporter
                or permissions.can_manage(actor, case)
            )
        elif stage == PhotoStage.RESULT:
            allowed = permissions.can_handle(actor, case)
        else:
            allowed = permissions.can_verify(actor, case)
        if not allowed:
            raise deny(_("You may not add these photos to this case."))
        if case.state not in _PHOTO_STATES[PhotoStage(stage)]:
            raise ConflictError(
                _("Photos of this kind cannot be added while the case is “%(state)s”.")
                % {"state": State(case.state).label},
                state=case.state,
            )
        have = case.photos.filter(stage=stage).count()
        if have + len(photos) > settings.CASE_PHOTO_MAX_COUNT:
            raise ValidationFailed(
                _("At most %(n)d photos.") % {"n": settings.CASE_PHOTO_MAX_COUNT}, field="photos"
            )
        first = case.photos.order_by("-pk").values_list("pk", flat=True).first() or 0
        attach_photos(case, photos, PhotoStage(stage), actor)
        log(
            case,
            actor=actor,
            action="photos",
            note=str(PhotoStage(stage).label),
            public=stage != PhotoStage.VERIFY,
        )
        return list(case.photos.filter(pk__gt=first).order_by("pk"))
