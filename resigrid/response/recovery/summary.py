"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); `for_incident` answers with
three aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from resigrid.response.incidents.models import Incident
from resigrid.response.institutions.models import (
    ImprovementItem,
    ImprovementSource,
    ImprovementState,
)
from resigrid.response.recovery.models import AfterActionReview, HouseholdNeed, NeedState


@dataclass(frozen=True)
class RecoverySummary:
    needs_open: int  # household needs still open
    needs_closed: int  # household needs closed
    reviews: int  # after-action reviews
    improvements_open: int  # improvement items from the reviews still open


def for_incident(incident: Incident) -> RecoverySummary:
    needs = HouseholdNeed.objects.filter(incident=incident).aggregate(
        closed=Count("pk", filter=Q(state=NeedState.CLOSED)),
        open=Count("pk", filter=~Q(state=NeedState.CLOSED)),
    )
    review_ids = list(
        AfterActionReview.objects.filter(incident=incident).values_list("pk", flat=True)
    )
    improvements_open = (
        ImprovementItem.objects.filter(
            source=ImprovementSource.REVIEW,
            source_id__in=review_ids,
            state=ImprovementState.OPEN,
        ).count()
        if review_ids
        else 0
    )
    return RecoverySummary(
        needs_open=needs["open"],
        needs_closed=needs["closed"],
        reviews=len(review_ids),
        improvements_open=improvements_open,
    )
