"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from resigrid.response.callups.models import (
    BOOKED,
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
)
from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class CallUpSummary:
    needs_open: int  # call-up needs still open
    slots: int  # volunteer slots asked for
    confirmed: int  # volunteers confirmed on a slot
    reported_back: int  # assignments reported back
    hours: float  # service hours accrued


def for_incident(incident: Incident) -> CallUpSummary:
    """Two aggregate queries: the needs (open ones, slots asked for by published and closed
    call-ups; drafts and cancelled ones ask for nobody) and the assignments (confirmed counts
    reported-back ones too; hours are those reported)."""
    needs = CallUp.objects.filter(incident=incident).aggregate(
        needs_open=Count("pk", filter=Q(state=CallUpState.OPEN)),
        slots=Sum("count", filter=Q(state__in=[CallUpState.OPEN, CallUpState.CLOSED]), default=0),
    )
    done = Assignment.objects.filter(callup__incident=incident).aggregate(
        confirmed=Count("pk", filter=Q(state__in=BOOKED)),
        reported_back=Count("pk", filter=Q(state=AssignmentState.REPORTED)),
        hours=Sum("hours", filter=Q(state=AssignmentState.REPORTED), default=0),
    )
    return CallUpSummary(
        needs_open=needs["needs_open"],
        slots=int(needs["slots"]),
        confirmed=done["confirmed"],
        reported_back=done["reported_back"],
        hours=float(done["hours"]),
    )
