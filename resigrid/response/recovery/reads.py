"""Reads of recovery for pages and the API: the incidents a user may work on, the board of
one incident, and the health-data rule.

Health data: medical and psychological needs are listed (with their details) only to holders
of `Perm.VIEW_VULNERABLE` on the household's grid; everyone else with the view right gets
them in the counts only. Every read that shows such details writes a `PersonalDataAccess` row
(as the people app does for health notes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.accounts.roles import Perm
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.codes import CODE_LENGTH, PREFIX_LENGTH
from resigrid.areas.models import scope_prefixes
from resigrid.core.errors import NotFoundError, PermissionDeniedError
from resigrid.orgs.models import Unit
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident, IncidentQuerySet
from resigrid.response.recovery.matching import area_chain_codes
from resigrid.response.recovery.models import (
    SENSITIVE_KINDS,
    HouseholdNeed,
    HouseholdNeedQuerySet,
    NeedKind,
    NeedsAssessment,
    NeedState,
)
from resigrid.response.recovery.permissions import can_see_health

HEALTH_FIELDS = ["description", "matched_service", "outcome_note"]


def recovery_incidents(user: Any) -> IncidentQuerySet:
    """Incidents in the user's scope, and incidents whose area contains it (a grid worker
    works on the community's incident for the households of their grid)."""
    prefixes = scope_prefixes(user, Perm.VIEW_RESPONSE)
    if prefixes is None:
        return Incident.objects.all()
    ancestors = {
        p[:n].ljust(CODE_LENGTH, "0")
        for p in prefixes
        for n in PREFIX_LENGTH.values()
        if n <= len(p)
    }
    return Incident.objects.filter(
        Q(pk__in=Incident.objects.visible_to(user).values("pk")) | Q(area__code__in=ancestors)
    )


def incident_for(user: Any, pk: int) -> Incident:
    incident = recovery_incidents(user).select_related("area", "plan").filter(pk=pk).first()
    if incident is None:
        raise NotFoundError(_("No such incident."))
    return incident


def need_for(user: Any, pk: int) -> HouseholdNeed:
    need = (
        HouseholdNeed.objects.visible_to(user)
        .select_related(
            "grid",
            "incident",
            "incident__area",
            "assessment__household__building",
            "matched_commitment",
            "matched_unit",
            "owner",
            "task",
        )
        .filter(pk=pk)
        .first()
    )
    if need is None:
        raise NotFoundError(_("No such household need."))
    return need


def households_in_reach(user: Any, incident: Incident, q: str = "") -> list[Household]:
    """Households the user may assess for this incident, searched by building name or room."""
    qs = Household.objects.visible_to(user, Perm.MANAGE_RECOVERY).filter(
        grid__code__startswith=incident.area.scope_prefix
    )
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(building__name__icontains=q) | Q(room__icontains=q) | Q(grid__name__icontains=q)
        )
    return list(
        qs.select_related("grid", "building").order_by("grid__code", "building__name", "room")[:30]
    )


def health_grid_prefixes(user: Any) -> list[str] | None:
    return scope_prefixes(user, Perm.VIEW_VULNERABLE)


def _health_q(prefixes: list[str] | None) -> Q:
    """Needs whose details the user may see: not sensitive, or in a grid with the right."""
    if prefixes is None:
        return Q()
    q = ~Q(kind__in=SENSITIVE_KINDS)
    for p in prefixes:
        q |= Q(grid__code__startswith=p)
    return q


def listable(user: Any, qs: HouseholdNeedQuerySet) -> HouseholdNeedQuerySet:
    """The needs of `qs` the user may see listed one by one (with details)."""
    return qs.filter(_health_q(health_grid_prefixes(user)))


def check_health(user: Any, need: HouseholdNeed) -> None:
    if need.is_sensitive and not can_see_health(user, need.grid):
        raise PermissionDeniedError(
            _("Medical and psychological needs are health data: you may see their numbers only.")
        )


def log_health_read(
    user: Any, needs: Iterable[HouseholdNeed], request: HttpRequest | None, scope: str
) -> None:
    shown = [n.pk for n in needs if n.is_sensitive]
    if shown:
        record_personal_data_access(
            user=user,
            action=PersonalDataAccess.Action.UNMASKED_READ,
            subject="recovery.householdneed",
            object_ids=shown,
            fields=HEALTH_FIELDS,
            row_count=len(shown),
            scope=scope,
            request=request,
        )


@dataclass
class Board:
    incident: Incident
    households: int
    assessments: int
    # counts[kind][state], every kind and state present (zeros included)
    counts: dict[str, dict[str, int]]
    totals: dict[str, int]
    needs: list[HouseholdNeed] = field(default_factory=list)
    hidden: int = 0  # health needs counted but not listed to this user


def board(
    user: Any,
    incident: Incident,
    *,
    kind: str = "",
    state: str = "",
    request: HttpRequest | None = None,
    limit: int = 300,
) -> Board:
    scoped = HouseholdNeed.objects.visible_to(user).filter(incident=incident)
    assessments = NeedsAssessment.objects.visible_to(user).filter(incident=incident)
    counter: Counter[tuple[str, str]] = Counter(
        (k, s) for k, s in scoped.values_list("kind", "state")
    )
    counts = {k: {s: counter[(k, s)] for s in NeedState.values} for k in NeedKind.values}
    totals = {s: sum(counter[(k, s)] for k in NeedKind.values) for s in NeedState.values}
    filtered = scoped
    if kind in NeedKind.values:
        filtered = filtered.filter(kind=kind)
    if state in NeedState.values:
        filtered = filtered.filter(state=state)
    shown_qs = listable(user, filtered)
    needs = list(
        shown_qs.select_related(
            "grid", "assessment__household__building", "matched_unit", "matched_commitment", "owner"
        ).order_by("state", "pk")[:limit]
    )
    log_health_read(user, needs, request, incident.area.code)
    return Board(
        incident=incident,
        households=assessments.values("household").distinct().count(),
        assessments=assessments.count(),
        counts=counts,
        totals=totals,
        needs=needs,
        hidden=filtered.count() - shown_qs.count(),
    )


def people_of(incident: Incident) -> QuerySet[User]:
    """Accounts with a role in, below or above the incident's area: owner choices."""
    chain = area_chain_codes(incident.area)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role_bindings__area__code__startswith=incident.area.scope_prefix)
            | Q(role_bindings__area__code__in=chain)
        )
        .distinct()
        .order_by("username")
    )


def units_of(incident: Incident) -> QuerySet[Unit]:
    """Units in, below or above the incident's area."""
    chain = area_chain_codes(incident.area)
    return Unit.objects.filter(
        Q(area__code__startswith=incident.area.scope_prefix) | Q(area__code__in=chain)
    ).order_by("area__code", "name")


def plan_url(plan_id: int | None) -> str:
    """The page where the plan is revised: the plans app's plan page when it exposes one,
    else the plans list."""
    if plan_id is not None:
        for name in ("plans:detail", "plans:edit"):
            try:
                return reverse(name, args=[plan_id])
            except NoReverseMatch:
                continue
    return reverse("plans:list")
