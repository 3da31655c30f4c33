"""Writes of call-ups: create and publish a need, close or cancel it, volunteers sign up and
withdraw, a volunteer's login. Assignments (propose, confirm, report back) are in `assign.py`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.notify.services import enqueue
from resigrid.optim.geo import haversine_m
from resigrid.people.choices import Skill
from resigrid.people.models import Volunteer
from resigrid.response.callups import rules
from resigrid.response.callups.models import (
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
    SignUp,
    SignUpState,
    VolunteerAccount,
)
from resigrid.response.callups.permissions import can_coordinate, can_link_account, volunteer_of
from resigrid.response.incidents.models import Incident, IncidentState
from resigrid.response.incidents.services import record


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def log(callup: CallUp, actor: User | None, action: str, data: dict[str, Any]) -> None:
    """The incident's log row, when the call-up belongs to one (inside the caller's atomic)."""
    if callup.incident_id is not None:
        record(
            incident=callup.incident,  # type: ignore[arg-type]
            actor=actor,
            action=action,
            note=callup.title,
            data={"callup": callup.pk, **data},
        )


def linked_users(volunteer_ids: Sequence[int]) -> list[User]:
    return list(User.objects.filter(volunteer_account__volunteer_id__in=volunteer_ids))


def _clean_skills(skills: Sequence[str]) -> list[str]:
    for i, skill in enumerate(skills):
        if skill not in Skill.values:
            raise fail(f"skills.{i}", _("Unknown skill: %(skill)s.") % {"skill": skill})
    if len(set(skills)) > 8:
        raise fail("skills", _("Ask for at most 8 skills."))
    return sorted(set(skills))


def _check_window(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise fail("starts_at", _("Give the start and end with a time zone."))
    if ends_at <= starts_at:
        raise fail("ends_at", _("The call-up must end after it starts."))
    if ends_at - starts_at > dt.timedelta(days=rules.MAX_WINDOW_DAYS):
        raise fail(
            "ends_at",
            _("A call-up lasts at most %(days)d days.") % {"days": rules.MAX_WINDOW_DAYS},
        )


def create_callup(
    *,
    actor: User,
    area: Area,
    title: str,
    count: int,
    lon: float,
    lat: float,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    skills: Sequence[str] = (),
    description: str = "",
    address: str = "",
    incident: Incident | None = None,
    publish: bool = False,
) -> CallUp:
    """A need in the area (a draft, or open at once with ``publish``)."""
    if not can_coordinate(actor, area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    title = title.strip()
    if not title:
        raise fail("title", _("Give the call-up a title."))
    if len(title) > 120:
        raise fail("title", _("The title has at most 120 characters."))
    if len(description) > 4000:
        raise fail("description", _("The description has at most 4000 characters."))
    if len(address) > 200:
        raise fail("address", _("The address has at most 200 characters."))
    clean = _clean_skills(skills)
    if not 1 <= count <= rules.MAX_COUNT:
        raise fail(
            "count",
            _("Ask for between 1 and %(max)d volunteers.") % {"max": rules.MAX_COUNT},
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise fail("lon", _("The place's longitude or latitude is out of range."))
    _check_window(starts_at, ends_at)
    if incident is not None:
        if incident.state == IncidentState.CLOSED:
            raise fail("incident", _("The incident is closed."))
        if not area.code.startswith(incident.area.scope_prefix):
            raise fail("incident", _("The call-up's area lies outside the incident's area."))
    with transaction.atomic():
        callup = CallUp.objects.create(
            incident=incident,
            area=area,
            title=title,
            description=description.strip(),
            skills=clean,
            count=count,
            lon=lon,
            lat=lat,
            address=address.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor,
        )
        log(callup, actor, "callup.created", {"count": count, "skills": clean})
        if publish:
            _publish(callup, actor)
    return callup


def _publish(callup: CallUp, actor: User) -> None:
    if callup.ends_at <= timezone.now():
        raise fail("ends_at", _("The call-up's window is over: it cannot be published."))
    callup.state = CallUpState.OPEN
    callup.published_at = timezone.now()
    callup.save(update_fields=["state", "published_at"])
    log(callup, actor, "callup.published", {"count": callup.count})


def _locked(callup: CallUp) -> CallUp:
    return (
        CallUp.objects.select_for_update(of=("self",))
        .select_related("incident", "area")
        .get(pk=callup.pk)
    )


def publish(*, actor: User, callup: CallUp) -> CallUp:
    if not can_coordinate(actor, callup.area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    with transaction.atomic():
        locked = _locked(callup)
        if locked.state != CallUpState.DRAFT:
            raise ConflictError(_("Only a draft can be published."), state=locked.state)
        _publish(locked, actor)
    return locked


def close(*, actor: User, callup: CallUp, cancel: bool = False) -> CallUp:
    """Close (no more sign-ups; confirmed volunteers still report back) or cancel (every
    proposal and confirmation is released and the confirmed volunteers are told)."""
    if not can_coordinate(actor, callup.area):
        raise PermissionDeniedError(_("You may not call up volunteers in this area."))
    with transaction.atomic():
        locked = _locked(callup)
        if locked.state in (CallUpState.CLOSED, CallUpState.CANCELLED):
            raise ConflictError(_("The call-up is already closed."), state=locked.state)
        rows = locked.assignments.filter(state=AssignmentState.PROPOSED)
        if cancel:
            confirmed = list(
                locked.assignments.filter(state=AssignmentState.CONFIRMED).values_list(
                    "volunteer_id", flat=True
                )
            )
            rows = locked.assignments.filter(
                state__in=[AssignmentState.PROPOSED, AssignmentState.CONFIRMED]
            )
            users = linked_users(confirmed)
            if users:
                enqueue(
                    topic="callups.cancelled",
                    subject=_("Call-up cancelled: %(title)s") % {"title": locked.title},
                    body=_("You are no longer needed for this task. Thank you."),
                    url=reverse("callups:open"),
                    source=f"callups.callup:{locked.pk}",
                    users=users,
                )
        rows.update(state=AssignmentState.DECLINED)
        locked.state = CallUpState.CANCELLED if cancel else CallUpState.CLOSED
        locked.save(update_fields=["state"])
        log(locked, actor, "callup.cancelled" if cancel else "callup.closed", {})
    return locked


def reach_m(callup: CallUp, volunteer: Volunteer) -> int | None:
    """Distance from the volunteer's home to the place, or None without a home location."""
    if volunteer.home_lon is None or volunteer.home_lat is None:
        return None
    d = haversine_m(volunteer.home_lon, volunteer.home_lat, callup.lon, callup.lat)
    return round(float(d))


def in_reach(callup: CallUp, volunteer: Volunteer) -> bool:
    """The need's area contains the volunteer's grid, or the place is near their home."""
    if volunteer.person.grid.code.startswith(callup.area.scope_prefix):
        return True
    d = reach_m(callup, volunteer)
    return d is not None and d <= rules.NEAR_M


def qualifies(callup: CallUp, volunteer_skills: set[str]) -> bool:
    return set(callup.skills) <= volunteer_skills


def sign_up(*, actor: User, callup: CallUp) -> SignUp:
    """The logged-in volunteer offers to help (again, after a withdrawal)."""
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDeniedError(_("Only registered volunteers can sign up."))
    if not in_reach(callup, volunteer):
        raise NotFoundError(_("No such call-up."))
    with transaction.atomic():
        # The call-up's row serialises its sign-ups (confirm locks it first too, then volunteers).
        locked = CallUp.objects.select_for_update().get(pk=callup.pk)
        if locked.state != CallUpState.OPEN or locked.ends_at <= timezone.now():
            raise ConflictError(_("This call-up is not open for sign-ups."), state=locked.state)
        have = set(volunteer.skills.values_list("skill", flat=True))
        if not qualifies(locked, have):
            raise fail("skills", _("You do not have every skill this task needs."))
        row, created = SignUp.objects.get_or_create(callup=locked, volunteer=volunteer)
        if not created:
            if row.state == SignUpState.ACTIVE:
                raise ConflictError(_("You have already signed up."), state=row.state)
            row.state = SignUpState.ACTIVE
            row.save(update_fields=["state", "at"])
    return row


def withdraw(*, actor: User, callup: CallUp) -> SignUp:
    """The volunteer takes the offer back; a proposal for them is dropped. Once confirmed, only
    the coordinator can release them."""
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDeniedError(_("Only registered volunteers can sign up."))
    with transaction.atomic():
        row = (
            SignUp.objects.select_for_update()
            .filter(callup=callup, volunteer=volunteer, state=SignUpState.ACTIVE)
            .first()
        )
        if row is None:
            raise NotFoundError(_("You have not signed up for this call-up."))
        held = Assignment.objects.filter(
            callup=callup,
            volunteer=volunteer,
            state__in=[AssignmentState.CONFIRMED, AssignmentState.REPORTED],
        )
        if held.exists():
            raise ConflictError(
                _("You are confirmed for this task: ask the coordinator to release you.")
            )
        Assignment.objects.filter(
            callup=callup, volunteer=volunteer, state=AssignmentState.PROPOSED
        ).update(state=AssignmentState.DECLINED)
        row.state = SignUpState.WITHDRAWN
        row.save(update_fields=["state", "at"])
    return row


def link_account(*, actor: User, volunteer: Volunteer, user: User) -> VolunteerAccount:
    """Let ``user`` log in as ``volunteer`` (one account per volunteer and vice versa)."""
    if not can_link_account(actor, volunteer):
        raise PermissionDeniedError(_("You may not change volunteers in this grid."))
    with transaction.atomic():
        if VolunteerAccount.objects.filter(volunteer=volunteer).exists():
            raise fail("volunteer", _("This volunteer already has an account."))
        if VolunteerAccount.objects.filter(user=user).exists():
            raise fail("user", _("This account already belongs to a volunteer."))
        return VolunteerAccount.objects.create(volunteer=volunteer, user=user)
