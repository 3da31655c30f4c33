"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class BulletinSummary:
    published: int  # bulletins published
    rebuttals: int  # rumour rebuttals published
    awaiting_approval: int  # bulletins waiting for approval


def for_incident(incident: Incident) -> BulletinSummary:
    raise NotImplementedError  # the owner of this app replaces this
