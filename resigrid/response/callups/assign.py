"""Assignments: propose (the optim solver), confirm (no double booking, under row locks),
decline, and report back (service hours and points accrue on the people side).

No double booking: a volunteer is never confirmed on two call-ups whose windows overlap.
`confirm` locks the call-up and then the volunteers' rows (in id order, so two coordinators
never wait on each other in a cycle) before it looks for overlapping bookings; a second
coordinator confirming the same volunteer waits for the first and then sees the booking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.notify.services import enqueue
from resigrid.optim.assignment import assign
from resigrid.optim.eligibility import Intervals, Slots, Volunteers, skill_mask
from resigrid.optim.errors import OptimInputError
from resigrid.people.models import Volunteer, VolunteerSkill
from resigrid.people.volunteers import accrue_service
from resigrid.response.callups import rules
from resigrid.response.callups.models import (
    BOOKED,
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
    SignUp,
    SignUpState,
    Source,
)
from resigrid.response.callups.permissions import can_coordinate, volunteer_of
from resigrid.response.callups.services import fail, linked_users, log


@dataclass(frozen=True)
class Proposal:
    """What `propose_assignment` did: the proposals written, the slots left empty and why."""

    assignments: list[Assignment]
    open_slots: int  # slots not yet confirmed, the solver's task
    unfilled: int
    signed_up: int  # signed-up volunteers considered
    from_area: int  # volunteers of the area added because too few signed up
    without_home: int  # left out: no home location, so no distance
    total_m: int

    @property
    def filled(self) -> int:
        return len(self.assignments)


@dataclass
class _Pool:
    ids: list[int]
    source: list[str]
    lon: list[float]
    lat: list[float]
    availability: list[int]
    without_home: int


def _pool(callup: CallUp, include_area: bool, open_slots: int) -> _Pool:
    holding = Assignment.objects.filter(callup=callup, volunteer=OuterRef("pk"), state__in=BOOKED)
    base = Volunteer.objects.filter(active=True).exclude(Exists(holding))
    for skill in callup.skills:
        base = base.filter(
            Exists(VolunteerSkill.objects.filter(volunteer=OuterRef("pk"), skill=skill))
        )
    fields = ("pk", "home_lon", "home_lat", "availability")
    signed = SignUp.objects.filter(
        callup=callup, volunteer=OuterRef("pk"), state=SignUpState.ACTIVE
    )
    rows = [(*r, Source.SIGNED_UP.value) for r in base.filter(Exists(signed)).values_list(*fields)]
    if include_area and len(rows) < open_slots:
        area_rows = (
            base.exclude(Exists(signed))
            .filter(person__grid__code__startswith=callup.area.scope_prefix)
            .filter(person__moved_out__isnull=True)
            .values_list(*fields)
        )
        rows += [(*r, Source.AREA.value) for r in area_rows]
    rows.sort(key=lambda r: r[0])
    located = [r for r in rows if r[1] is not None and r[2] is not None]
    return _Pool(
        ids=[r[0] for r in located],
        lon=[float(r[1]) for r in located],
        lat=[float(r[2]) for r in located],
        availability=[r[3] for r in located],
        source=[r[4] for r in located],
        without_home=len(rows) - len(located),
    )


def _intervals(callup: CallUp, pool: _Pool) -> tuple[Intervals, Intervals]:
    """Availability (a sign-up covers the window; the area's volunteers their weekly table) and
    bookings (confirmed tasks of other call-ups overlapping this window)."""
    tz = timezone.get_current_timezone()
    start, end = rules.minutes(callup.starts_at), rules.minutes(callup.ends_at)
    owner, a, b = [], [], []
    for i, (source, mask) in enumerate(zip(pool.source, pool.availability, strict=True)):
        if source == Source.SIGNED_UP:
            stretches = [(start, end)]
        else:
            stretches = rules.weekly_intervals(mask, callup.starts_at, callup.ends_at, tz)
        for s, e in stretches:
            owner.append(i)
            a.append(s)
            b.append(e)
    index = {pk: i for i, pk in enumerate(pool.ids)}
    bo, ba, bb = [], [], []
    booked = (
        Assignment.objects.booked()
        .filter(
            volunteer_id__in=pool.ids,
            callup__starts_at__lt=callup.ends_at,
            callup__ends_at__gt=callup.starts_at,
        )
        .exclude(callup=callup)
        .values_list("volunteer_id", "callup__starts_at", "callup__ends_at")
    )
    for vid, s_at, e_at in booked:
        bo.append(index[vid])
        ba.append(rules.minutes(s_at))
        bb.append(max(rules.minutes(e_at), rules.minutes(s_at) + 1))
    return (
        Intervals(np.array(owner, np.int64), np.array(a, np.int64), np.array(b, np.int64)),
        Intervals(np.array(bo, np.int64), np.array(ba, np.int64), np.array(bb, np.int64)),
    )


def _skill_masks(ids: list[int]) -> list[int]:
    have: dict[int, list[int]] = defaultdict(list)
    for vid, skill in VolunteerSkill.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "skill"
    ):
        if skill in rules.SKILL_CODES:
            have[vid].append(rules.SKILL_CODES[skill])
    return [skill_mask(have[vid]) for vid in ids]


def propose_assignment(
    *, actor: User, callup: CallUp, include_area: bool = False, k: int | None = None
) -> Proposal:
    """Replace the call-up's proposals with the solver's: as many open slots filled as possible,
    then the least total travel. Draws on the signed-up volunteers; with ``include_area``, when
    fewer signed up than there are open slots, also on the area's eligible volunteers.

    Every slot of a call-up is alike (one place, window and skill set), so the optimum uses only
    the ``open slots`` nearest eligible volunteers: with ``k`` = the open slots (the default)
    each slot's candidate list holds them all and the solver's first solve is exact (and
    faster than growing ten-nearest lists, which all name the same ten people here)."""
    if not can_coordinate(actor, callup.area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    with transaction.atomic():
        locked = CallUp.objects.select_for_update(of=("self",)).select_related("area", "incident")
        cu = locked.get(pk=callup.pk)
        if cu.state != CallUpState.OPEN:
            raise ConflictError(_("Only an open call-up gets proposals."), state=cu.state)
        cu.assignments.filter(state=AssignmentState.PROPOSED).delete()
        held = set(cu.assignments.filter(state__in=BOOKED).values_list("slot", flat=True))
        free = [s for s in range(cu.count) if s not in held]
        if not free:
            raise fail("count", _("Every slot of this call-up is already confirmed."))
        pool = _pool(cu, include_area, len(free))
        available, booked = _intervals(cu, pool)
        need = skill_mask(rules.skill_code_list(cu.skills))
        m = len(free)
        try:
            result = assign(
                Volunteers(
                    skills=np.array(_skill_masks(pool.ids), np.int64),
                    lon=pool.lon,
                    lat=pool.lat,
                    available=available,
                    booked=booked,
                ),
                Slots(
                    skills=np.full(m, need, np.int64),
                    lon=np.full(m, cu.lon),
                    lat=np.full(m, cu.lat),
                    start=np.full(m, rules.minutes(cu.starts_at), np.int64),
                    end=np.full(
                        m, max(rules.minutes(cu.ends_at), rules.minutes(cu.starts_at) + 1), np.int64
                    ),
                ),
                k=k or m,
            )
        except OptimInputError as exc:  # e.g. a stored coordinate out of range
            raise ValidationFailed(
                _("The assignment could not be computed: %(why)s") % {"why": exc.message}
            ) from exc
        rows = [
            Assignment(
                callup=cu,
                slot=free[match.slot],
                volunteer_id=pool.ids[match.volunteer],
                source=pool.source[match.volunteer],
                distance_m=match.distance_m,
                explanation={
                    "skills": list(cu.skills),
                    "distance_m": match.distance_m,
                    "source": pool.source[match.volunteer],
                    "available": "signed_up"
                    if pool.source[match.volunteer] == Source.SIGNED_UP
                    else "weekly",
                },
            )
            for match in result.matches
        ]
        Assignment.objects.bulk_create(rows)
        cu.proposed_from = Source.AREA if include_area else Source.SIGNED_UP
        cu.proposed_at = timezone.now()
        cu.save(update_fields=["proposed_from", "proposed_at"])
        log(cu, actor, "callup.proposed", {"filled": len(rows), "open": m})
    n_signed = pool.source.count(Source.SIGNED_UP)
    return Proposal(
        assignments=rows,
        open_slots=m,
        unfilled=m - len(rows),
        signed_up=n_signed,
        from_area=len(pool.ids) - n_signed,
        without_home=pool.without_home,
        total_m=result.total_m,
    )


def confirm(
    *, actor: User, callup: CallUp, assignment_ids: Sequence[int] | None = None
) -> list[Assignment]:
    """Confirm the given proposals (all of them by default) and tell the volunteers. A volunteer
    already confirmed on an overlapping call-up refuses the whole confirmation."""
    if not can_coordinate(actor, callup.area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    with transaction.atomic():
        cu = (
            CallUp.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=callup.pk)
        )
        if cu.state != CallUpState.OPEN:
            raise ConflictError(_("Only an open call-up's proposals can be confirmed."))
        rows = cu.assignments.filter(state=AssignmentState.PROPOSED).select_related(
            "volunteer__person"
        )
        if assignment_ids is not None:
            wanted = set(assignment_ids)
            rows = rows.filter(pk__in=wanted)
        chosen = list(rows)
        if assignment_ids is not None and len(chosen) != len(wanted):
            raise ConflictError(
                _("Some of these proposals are no longer open: reload the page and try again.")
            )
        if not chosen:
            raise fail("assignments", _("There is no proposal to confirm."))
        vol_ids = sorted(a.volunteer_id for a in chosen)
        list(Volunteer.objects.select_for_update().filter(pk__in=vol_ids).order_by("pk"))
        clash = (
            Assignment.objects.booked()
            .filter(
                volunteer_id__in=vol_ids,
                callup__starts_at__lt=cu.ends_at,
                callup__ends_at__gt=cu.starts_at,
            )
            .exclude(callup=cu)
            .select_related("volunteer__person", "callup")
            .order_by("volunteer_id")
            .first()
        )
        if clash is not None:
            raise ConflictError(
                _(
                    "A volunteer cannot be booked twice: %(name)s is already confirmed for "
                    "“%(title)s” at an overlapping time."
                )
                % {"name": clash.volunteer.person.name, "title": clash.callup.title}
            )
        now = timezone.now()
        Assignment.objects.filter(pk__in=[a.pk for a in chosen]).update(
            state=AssignmentState.CONFIRMED, confirmed_at=now, confirmed_by=actor
        )
        users = linked_users(vol_ids)
        if users:
            local = timezone.localtime(cu.starts_at)
            enqueue(
                topic="callups.confirmed",
                subject=_("You are confirmed: %(title)s") % {"title": cu.title},
                body=_("%(when)s at %(where)s. Report back on the volunteer page afterwards.")
                % {
                    "when": local.strftime("%Y-%m-%d %H:%M"),
                    "where": cu.address or f"{cu.lon:.5f}, {cu.lat:.5f}",
                },
                url=reverse("callups:open"),
                source=f"callups.callup:{cu.pk}",
                users=users,
            )
        log(cu, actor, "callup.confirmed", {"volunteers": vol_ids})
    for a in chosen:
        a.state, a.confirmed_at, a.confirmed_by = AssignmentState.CONFIRMED, now, actor
    return chosen


def decline(*, actor: User, assignment: Assignment) -> Assignment:
    """The coordinator drops a proposal or releases a confirmed volunteer (who is told)."""
    if not can_coordinate(actor, assignment.callup.area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    with transaction.atomic():
        row = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("callup__incident", "volunteer")
            .get(pk=assignment.pk)
        )
        if row.state not in (AssignmentState.PROPOSED, AssignmentState.CONFIRMED):
            raise ConflictError(_("This assignment can no longer be declined."), state=row.state)
        was_confirmed = row.state == AssignmentState.CONFIRMED
        row.state = AssignmentState.DECLINED
        row.save(update_fields=["state"])
        if was_confirmed and (users := linked_users([row.volunteer_id])):
            enqueue(
                topic="callups.released",
                subject=_("Released from: %(title)s") % {"title": row.callup.title},
                body=_("The coordinator no longer needs you for this task. Thank you."),
                url=reverse("callups:open"),
                source=f"callups.callup:{row.callup_id}",
                users=users,
            )
        log(row.callup, actor, "callup.declined", {"volunteer": row.volunteer_id})
    return row


def _hours(value: object, limit: Decimal) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise fail("hours", _("Give the hours as a number, e.g. 2.5.")) from None
    if not Decimal("0") < hours <= limit:
        raise fail(
            "hours",
            _("The hours must be more than 0 and at most %(max)s (the task's length).")
            % {"max": limit},
        )
    return hours


def report_back(*, actor: User, assignment: Assignment, report: str, hours: object) -> Assignment:
    """The volunteer says what was done and for how long: a service row (hours, points) on the
    people side and the running totals bumped with F(), in one transaction."""
    volunteer = volunteer_of(actor)
    if volunteer is None or volunteer.pk != assignment.volunteer_id:
        raise NotFoundError(_("No such task."))
    callup = assignment.callup
    report = report.strip()
    if not report:
        raise fail("report", _("Say briefly what was done."))
    if len(report) > 2000:
        raise fail("report", _("The report has at most 2000 characters."))
    limit = min(Decimal(24), rules.window_hours(callup.starts_at, callup.ends_at))
    clean = _hours(hours, limit)
    if timezone.now() < callup.starts_at:
        raise fail("hours", _("You can report back once the task has started."))
    points = rules.points_for(clean)
    with transaction.atomic():
        row = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("callup__incident")
            .get(pk=assignment.pk)
        )
        if row.state == AssignmentState.REPORTED:
            raise ConflictError(_("You have already reported back."), state=row.state)
        if row.state != AssignmentState.CONFIRMED:
            raise ConflictError(_("Only a confirmed task can be reported back."), state=row.state)
        # The people app's own accrual (its row and the F() totals); the right was checked here.
        service = accrue_service(
            volunteer=row.volunteer,
            hours=clean,
            points=points,
            note=row.callup.title[:200],
            by=actor,
        )
        row.state = AssignmentState.REPORTED
        row.report, row.hours, row.points = report, clean, points
        row.reported_at = timezone.now()
        row.service = service
        row.save(update_fields=["state", "report", "hours", "points", "reported_at", "service"])
        log(
            row.callup,
            actor,
            "callup.reported",
            {"volunteer": row.volunteer_id, "hours": str(clean)},
        )
    return row
