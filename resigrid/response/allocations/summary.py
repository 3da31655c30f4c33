"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class SupplySummary:
    plans: int  # allocation plans
    lines_reserved: int  # lines reserved, not yet issued
    lines_issued: int  # lines issued, not yet delivered
    lines_delivered: int  # lines delivered and confirmed at the grid
    shortages: int  # need lines the stock could not cover


def for_incident(incident: Incident) -> SupplySummary:
    raise NotImplementedError  # the owner of this app replaces this
