"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class RecoverySummary:
    needs_open: int  # household needs still open
    needs_closed: int  # household needs closed
    reviews: int  # after-action reviews
    improvements_open: int  # improvement items from the reviews still open


def for_incident(incident: Incident) -> RecoverySummary:
    raise NotImplementedError  # the owner of this app replaces this
