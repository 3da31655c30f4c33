"""Reads of cases: work queues, duplicates nearby, what the reporter may see."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db.models import Q

from resigrid.accounts.roles import Perm
from resigrid.areas.models import scope_prefixes
from resigrid.cases.models import Case, CaseLog, CaseRequest
from resigrid.cases.workflow import OPEN_STATES, State
from resigrid.core.geo import haversine_m

QUEUES = ("accept", "dispatch", "handle", "verify", "overdue", "requests", "whistles")


def _managed(user: Any) -> Q:
    prefixes = scope_prefixes(user, Perm.MANAGE_CASES)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(grid__code__startswith=p)
    return q


def _verifiable(user: Any) -> Q:
    prefixes = scope_prefixes(user, Perm.VERIFY_CASES)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(grid__code__startswith=p)
    return q


def queue(user: Any, name: str, now: dt.datetime) -> Any:
    """The cases waiting for `user` in a named queue, oldest deadline first."""
    base = Case.objects.select_related("category", "grid", "lead_unit")
    if name == "accept":
        qs = base.filter(_managed(user), state=State.REPORTED)
    elif name == "dispatch":
        qs = base.filter(_managed(user), state__in=[State.ACCEPTED, State.REGISTERED])
    elif name == "handle":
        qs = base.filter(
            Q(lead_unit__accounts__user=user) | (_managed(user) & Q(lead_unit__isnull=True)),
            state__in=[State.DISPATCHED, State.IN_PROGRESS],
        )
    elif name == "verify":
        qs = base.filter(_verifiable(user), state=State.HANDLED).exclude(handled_by=user)
    elif name == "overdue":
        qs = (
            Case.objects.visible_to(user)
            .overdue(now)
            .select_related("category", "grid", "lead_unit")
        )
    elif name == "requests":
        # Cases with an undecided request (a bare `requests__approved__isnull` would also match
        # every case without any request, through the LEFT JOIN).
        waiting = CaseRequest.objects.filter(approved__isnull=True).values("case_id")
        qs = base.filter(_managed(user), pk__in=waiting)
    elif name == "whistles":
        qs = base.filter(whistles__unit__accounts__user=user, whistles__answered_at__isnull=True)
    else:
        return Case.objects.none()
    return qs.distinct().order_by("stage_due", "pk")


def duplicates_near(
    *, category_id: int, lon: float, lat: float, radius_m: float | None = None, limit: int = 5
) -> list[tuple[Case, float]]:
    """Open cases of the same category within the radius, nearest first (bbox, then exact)."""
    radius = radius_m if radius_m is not None else settings.CASE_DUPLICATE_RADIUS_M
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    near = Case.objects.filter(
        category_id=category_id,
        state__in=OPEN_STATES,
        lon__range=(lon - dlon, lon + dlon),
        lat__range=(lat - dlat, lat + dlat),
    )[:200]
    found = [(c, haversine_m(lon, lat, c.lon, c.lat)) for c in near]
    found = [(c, d) for c, d in found if d <= radius]
    return sorted(found, key=lambda cd: (cd[1], cd[0].pk))[:limit]


def public_timeline(case: Case) -> list[CaseLog]:
    """The log rows the reporter sees."""
    return list(case.log.filter(public=True).order_by("at", "pk"))
