"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from resigrid.response.bulletins.models import Bulletin, BulletinState, Kind
from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class BulletinSummary:
    published: int  # bulletins published
    rebuttals: int  # rumour rebuttals published
    awaiting_approval: int  # bulletins waiting for approval


def for_incident(incident: Incident) -> BulletinSummary:
    """One aggregate query over the incident's bulletins."""
    published = Q(state=BulletinState.PUBLISHED)
    row = Bulletin.objects.filter(incident=incident).aggregate(
        published=Count("pk", filter=published),
        rebuttals=Count("pk", filter=published & Q(kind=Kind.REBUTTAL)),
        awaiting=Count("pk", filter=Q(state=BulletinState.DRAFT)),
    )
    return BulletinSummary(
        published=row["published"], rebuttals=row["rebuttals"], awaiting_approval=row["awaiting"]
    )
