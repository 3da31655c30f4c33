"""Reads of call-ups: the coordinator's list with counts, one call-up's detail, and the
volunteer's phone view (open needs near me that I qualify for, my tasks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from resigrid.people.models import Volunteer
from resigrid.response.callups.models import (
    BOOKED,
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
    SignUp,
    SignUpState,
)
from resigrid.response.callups.services import in_reach, qualifies, reach_m


def with_counts(qs: QuerySet[CallUp]) -> QuerySet[CallUp]:
    return qs.annotate(
        n_signed=Count("signups", filter=Q(signups__state=SignUpState.ACTIVE), distinct=True),
        n_proposed=Count(
            "assignments",
            filter=Q(assignments__state=AssignmentState.PROPOSED),
            distinct=True,
        ),
        n_confirmed=Count("assignments", filter=Q(assignments__state__in=BOOKED), distinct=True),
        n_reported=Count(
            "assignments",
            filter=Q(assignments__state=AssignmentState.REPORTED),
            distinct=True,
        ),
    )


def coordinator_list(user: Any, state: str = "") -> QuerySet[CallUp]:
    qs = CallUp.objects.visible_to(user).select_related("area", "incident")
    if state:
        qs = qs.filter(state=state)
    return with_counts(qs)


def signups_of(callup: CallUp) -> list[SignUp]:
    return list(
        callup.signups.filter(state=SignUpState.ACTIVE)
        .select_related("volunteer__person__grid")
        .prefetch_related("volunteer__skills")
        .order_by("at", "pk")
    )


def assignments_of(callup: CallUp) -> list[Assignment]:
    return list(
        callup.assignments.exclude(state=AssignmentState.DECLINED)
        .select_related("volunteer__person")
        .order_by("slot")
    )


@dataclass(frozen=True)
class OpenNeed:
    callup: CallUp
    distance_m: int | None
    signed_up: bool
    clash: bool  # I am already booked at an overlapping time


def open_for(volunteer: Volunteer) -> list[OpenNeed]:
    """Open, not yet ended needs in reach whose skills I hold, nearest first."""
    now = timezone.now()
    have = set(volunteer.skills.values_list("skill", flat=True))
    mine = set(
        SignUp.objects.filter(volunteer=volunteer, state=SignUpState.ACTIVE).values_list(
            "callup_id", flat=True
        )
    )
    booked = list(
        Assignment.objects.booked()
        .filter(volunteer=volunteer, callup__ends_at__gt=now)
        .values_list("callup_id", "callup__starts_at", "callup__ends_at")
    )
    out = []
    for c in CallUp.objects.open().filter(ends_at__gt=now).select_related("area"):
        if not qualifies(c, have) or not in_reach(c, volunteer):
            continue
        clash = any(cid != c.pk and s < c.ends_at and c.starts_at < e for cid, s, e in booked)
        out.append(OpenNeed(c, reach_m(c, volunteer), c.pk in mine, clash))
    out.sort(key=lambda n: (n.distance_m is None, n.distance_m or 0, n.callup.starts_at))
    return out


def tasks_of(volunteer: Volunteer) -> list[Assignment]:
    """My confirmed and reported tasks, the coming ones first."""
    return list(
        Assignment.objects.filter(volunteer=volunteer, state__in=BOOKED)
        .select_related("callup")
        .order_by("state", "callup__starts_at")
    )


def open_states() -> list[str]:
    return [CallUpState.DRAFT, CallUpState.OPEN]
