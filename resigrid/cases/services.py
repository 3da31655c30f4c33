"""Every move of a case: lock the row, check the move against the workflow table and the
actor's rights, set the clock, write the log row and the notifications in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.cases import clocks, feedback, permissions
from resigrid.cases.choices import PhotoStage, Rating, RequestKind, Resolution
from resigrid.cases.metrics import rollup
from resigrid.cases.models import Case, CaseLog, CasePhoto, CaseRequest
from resigrid.cases.photos import CheckedPhoto
from resigrid.cases.workflow import Action, IllegalTransition, Stage, State, next_state, stage_of
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.registers.reads import deadlines_for, route

MAX_NOTE = 2000


def lock(case_id: int) -> Case:
    """The case row, locked until the transaction ends (PostgreSQL FOR UPDATE; SQLite's
    IMMEDIATE transactions already serialise writers). Every move goes through here, so this
    is also where a case leaves the metrics rollup before it changes (it is counted live until
    the sweeper adds it again)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("grid", "category", "lead_unit")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundError(_("No such case."))
    rollup.withdraw(case)
    return case


def clean_note(text: str, *, required: bool, field: str = "note") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(_("Please give a reason."), field=field)
    if len(text) > MAX_NOTE:
        raise ValidationFailed(
            _("The text is too long (at most %(n)d characters).") % {"n": MAX_NOTE}, field=field
        )
    return text


def log(
    case: Case,
    *,
    actor: Any,
    action: str,
    note: str = "",
    public: bool = False,
    from_state: str = "",
    to_state: str = "",
    at: dt.datetime | None = None,
) -> CaseLog:
    return CaseLog.objects.create(
        case=case,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
    )


def start_stage(case: Case, stage: Stage | None, now: dt.datetime) -> None:
    case.stage = stage or ""
    case.overdue_since = None
    case.escalation_level = 0
    if stage is None:
        case.stage_due = None
        return
    limits = deadlines_for(case.category, case.priority)
    case.stage_due = clocks.due(now, clocks.stage_minutes(limits, stage))
    if stage == Stage.HANDLE:
        case.handle_due = case.stage_due


def move(
    case: Case,
    *,
    actor: Any,
    action: Action,
    note: str = "",
    public: bool,
    expected: str | None,
    now: dt.datetime,
) -> State:
    """Apply the table; the caller has locked `case` and checked the actor's right."""
    current = State(case.state)
    if expected is not None and expected != current:
        raise ConflictError(
            _("The case is now “%(state)s”, not “%(expected)s”; reload it.")
            % {"state": current.label, "expected": State(expected).label}
            if expected in State.values
            else _("The case is now “%(state)s”; reload it.") % {"state": current.label},
            state=current,
        )
    try:
        new = next_state(current, action)
    except IllegalTransition:
        raise ConflictError(
            _("“%(action)s” is not possible while the case is “%(state)s”.")
            % {"action": action.label, "state": current.label},
            state=current,
        ) from None
    if stage_of(current) != stage_of(new):
        start_stage(case, stage_of(new), now)
    case.state = new
    log(
        case,
        actor=actor,
        action=action,
        note=note,
        public=public,
        from_state=current,
        to_state=new,
        at=now,
    )
    return new


def deny(message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message)


def attach_photos(
    case: Case, photos: Sequence[CheckedPhoto], stage: PhotoStage, actor: Any
) -> None:
    from django.core.files.base import ContentFile

    for i, photo in enumerate(photos):
        row = CasePhoto(
            case=case,
            stage=stage,
            content_type=photo.content_type,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        row.file.save(
            f"{case.pk}-{stage}-{i}-{photo.sha256[:12]}.jpg", ContentFile(photo.content), save=False
        )
        row.save()


# --- the community: accept, reject, register, dispatch, close, merge ---


def accept(
    *, actor: Any, case_id: int, note: str = "", register: bool = False, expected: str | None = None
) -> Case:
    """受理; with `register` also 立案 in the same transaction (two log rows)."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not accept cases in this grid."))
        now = timezone.now()
        note = clean_note(note, required=False)
        move(
            case,
            actor=actor,
            action=Action.ACCEPT,
            note=note,
            public=True,
            expected=expected,
            now=now,
        )
        case.accepted_at = now
        if register:
            move(case, actor=actor, action=Action.REGISTER, public=False, expected=None, now=now)
            case.registered_at = now
        case.save()
        feedback.tell_reporter(case, "accept", note)
    return case


def reject(*, actor: Any, case_id: int, reason: str, expected: str | None = None) -> Case:
    """不予受理, with a reason the reporter sees."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not reject cases in this grid."))
        reason = clean_note(reason, required=True, field="reason")
        move(
            case,
            actor=actor,
            action=Action.REJECT,
            note=reason,
            public=True,
            expected=expected,
            now=timezone.now(),
        )
        case.rejection_reason = reason
        case.save()
        feedback.tell_reporter(case, "reject", reason)
    return case


def register(*, actor: Any, case_id: int, note: str = "", expected: str | None = None) -> Case:
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not register cases in this grid."))
        now = timezone.now()
        move(
            case,
            actor=actor,
            action=Action.REGISTER,
            note=clean_note(note, required=False),
            public=False,
            expected=expected,
            now=now,
        )
        case.registered_at = now
        case.save()
    return case


def dispatch(
    *,
    actor: Any,
    case_id: int,
    lead_unit_id: int | None = None,
    support_unit_ids: Sequence[int] | None = None,
    note: str = "",
    expected: str | None = None,
) -> Case:
    """派遣 to the lead unit (with support units). Without a lead unit the responsibility list
    decides; choosing another lead unit than the list's is an override and needs a reason."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not dispatch cases in this grid."))
        suggested = route(case.category, case.grid)
        if lead_unit_id is None:
            if suggested.lead_unit is None:
                raise ValidationFailed(
                    _("No unit is responsible for this category here; choose the lead unit."),
                    field="lead_unit",
                )
            lead = suggested.lead_unit
            supports = suggested.support_units if support_unit_ids is None else None
        else:
            chosen = Unit.objects.filter(pk=lead_unit_id).first()
            if chosen is None:
                raise ValidationFailed(_("Unknown lead unit."), field="lead_unit")
            lead = chosen
            supports = None
        if supports is None:
            ids = list(dict.fromkeys(support_unit_ids or []))
            supports = list(Unit.objects.filter(pk__in=ids))
            if len(supports) != len(ids):
                raise ValidationFailed(_("Unknown support unit."), field="support_units")
        if any(u.pk == lead.pk for u in supports):
            raise ValidationFailed(
                _("The lead unit cannot also be a support unit."), field="support_units"
            )
        overriding = suggested.lead_unit is not None and suggested.lead_unit.pk != lead.pk
        note = clean_note(note, required=overriding, field="note")
        now = timezone.now()
        text = _("Dispatched to %(unit)s.") % {"unit": lead.name}
        if overriding:
            text += " " + _("Responsibility list overridden (list says %(unit)s): %(why)s") % {
                "unit": suggested.lead_unit.name if suggested.lead_unit else "",
                "why": note,
            }
        elif note:
            text += " " + note
        move(
            case,
            actor=actor,
            action=Action.DISPATCH,
            note=text,
            public=True,
            expected=expected,
            now=now,
        )
        case.lead_unit = lead
        case.dispatched_at = now
        case.save()
        case.support_units.set(supports)
        feedback.on_dispatched(case)
        feedback.tell_reporter(case, "dispatch")
    return case


def close(*, actor: Any, case_id: int, note: str = "", expected: str | None = None) -> Case:
    """结案; 按期 when the result came before the (possibly extended) handling deadline."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_manage(actor, case):
            raise deny(_("You may not close cases in this grid."))
        now = timezone.now()
        move(
            case,
            actor=actor,
            action=Action.CLOSE,
            note=clean_note(note, required=False),
            public=True,
            expected=expected,
            now=now,
        )
        case.closed_at = now
        case.closed_on_time = bool(
            case.handled_at and case.handle_due and case.handled_at <= case.handle_due
        )
        case.save()
        feedback.tell_reporter(case, "close")
    return case


# --- the unit: start, report the result, return ---


def start(*, actor: Any, case_id: int, note: str = "", expected: str | None = None) -> Case:
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_handle(actor, case):
            raise deny(_("Only the unit the case is dispatched to may handle it."))
        move(
            case,
            actor=actor,
            action=Action.START,
            note=clean_note(note, required=False),
            public=False,
            expected=expected,
            now=timezone.now(),
        )
        case.save()
    return case


def handle(
    *,
    actor: Any,
    case_id: int,
    result: str,
    photos: Sequence[CheckedPhoto] = (),
    expected: str | None = None,
) -> Case:
    """处理反馈: the result text (and photos) the verifier checks and the reporter sees."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_handle(actor, case):
            raise deny(_("Only the unit the case is dispatched to may handle it."))
        result = clean_note(result, required=True, field="result")
        now = timezone.now()
        move(
            case,
            actor=actor,
            action=Action.HANDLE,
            note=result,
            public=True,
            expected=expected,
            now=now,
        )
        case.result = result
        case.handled_by = actor
        case.handled_at = now
        case.save()
        attach_photos(case, photos, PhotoStage.RESULT, actor)
        feedback.on_handled(case)
        feedback.tell_reporter(case, "handle", result)
    return case


def return_case(*, actor: Any, case_id: int, reason: str, expected: str | None = None) -> Case:
    """回退: the unit says the case is not theirs; the community dispatches it again."""
    with transaction.atomic():
        case = lock(case_id)
        if not permissions.can_handle(actor, case):
            raise deny(_("Only the unit the case is dispatched to may return it."))
        reason = clean_note(reason, required=True, field="reason")
        move(
            case,
            actor=actor,
            action=Action.RETURN,
            note=reason,
            public=False,
            expected=expected,
            now=timezone.now(),
        )
        case.lead_unit = None
        case.return_count += 1
        case.save()
        case.support_units.clear()
        feedback.on_returned(case, reason)
    return case


# --- the verifier ---


def verify(
    *,
    actor: Any,
    case_id: int,
    passed: bool,
    note: str = "",
    photos: Sequence[CheckedPhoto] = (),
    expected: str | None = None,
) -> Case:
    """核查 by someone other than the handler; a failure sends it back as rework (返工) with
    the original handling deadline still running."""
    with transaction.atomic():
        case = lock(case_id)
        if case.handled_by_id is not None and case.handled_by_id == getattr(actor, "pk", None):
            raise deny(_("The person who handled the case cannot verify it."))
        if not permissions.can_verify(actor, case):
            raise deny(_("You may not verify cases in this grid."))
        note = clean_note(note, required=not passed)
        now = timezone.now()
        action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
        handle_due = case.handle_due
        move(case, actor=actor, action=action, note=note, public=False, expected=expected, now=now)
        case.verified_by = actor
        if passed:
            case.verified_at = now
        else:
            case.rework_count += 1
            case.stage_due = handle_due  # rework does not buy new time
            case.handle_due = handle_due
        case.save()
        attach_photos(case, photos, PhotoStage.VERIFY, actor)
        if not passed:
            feedback.on_rework(case, note)
    return case


# --- the reporter ---


def rate(
    *,
    actor: Any,
    case_id: int,
    rating: str,
    resolution: str = "",
    comment: str = "",
    tracking_code: str | None = None,
    expected: str | None = None,
) -> Case:
    """回访. The reporter, logged in or through the tracking code: how satisfied (满意度) and
    whether the problem was solved (解决情况; empty when the client did not ask). 不满意
    opens a reopen request the community decides on."""
    if rating not in Rating.values:
        raise ValidationFailed(
            _("Choose satisfied, basically satisfied or unsatisfied."), field="rating"
        )
    if resolution and resolution not in Resolution.values:
        raise ValidationFailed(
            _("Choose resolved, partly resolved or not resolved."), field="resolution"
        )
    with transaction.atomic():
        case = lock(case_id)
        by_code = tracking_code is not None and tracking_code == case.tracking_code
        if not by_code and not permissions.can_rate(actor, case):
            raise deny(_("Only the reporter may rate the case."))
        comment = clean_note(comment, required=rating == Rating.UNSATISFIED, field="comment")
        now = timezone.now()
        move(
            case,
            actor=actor,
            action=Action.RATE,
            note=comment,
            public=True,
            expected=expected,
            now=now,
        )
        case.rating = rating
        case.resolution = resolution
        case.rating_comment = comment
        case.rated_at = now
        case.save()
        if rating == Rating.UNSATISFIED:
            CaseRequest.objects.create(
                case=case,
                kind=RequestKind.REOPEN,
                reason=comment,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                requested_at=now,
            )
            log(case, actor=actor, action="request_reopen", note=comment, at=now)
            feedback.on_request(case, str(RequestKind.REOPEN.label), comment)
    return case
