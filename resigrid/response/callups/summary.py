"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class CallUpSummary:
    needs_open: int  # call-up needs still open
    slots: int  # volunteer slots asked for
    confirmed: int  # volunteers confirmed on a slot
    reported_back: int  # assignments reported back
    hours: float  # service hours accrued


def for_incident(incident: Incident) -> CallUpSummary:
    raise NotImplementedError  # the owner of this app replaces this
