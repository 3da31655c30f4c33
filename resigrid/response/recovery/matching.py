"""Match suggestions: the emergency commitments of units in or above a household's grid whose
kind fits the need (the mapping and the order are in `rules.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from resigrid.areas.codes import CODE_LENGTH, LEVEL_ORDER, PREFIX_LENGTH
from resigrid.areas.models import Area
from resigrid.orgs.models import Commitment
from resigrid.response.recovery import rules
from resigrid.response.recovery.models import HouseholdNeed, NeedState


@dataclass(frozen=True)
class Suggestion:
    commitment: Commitment
    specialty_fit: bool
    # Open needs (of any incident) already matched to this commitment: commitments do not
    # track how much of them is used, so this is shown, never subtracted.
    already_matched: int


def area_chain_codes(grid: Area) -> list[str]:
    """The codes of `grid` and every area above it, district first."""
    return [grid.code[: PREFIX_LENGTH[level]].ljust(CODE_LENGTH, "0") for level in LEVEL_ORDER]


def candidate_commitments(grid: Area, need_kind: str, day: dt.date) -> list[Commitment]:
    """Emergency commitments valid on `day` of units in or above `grid` whose kind fits."""
    return list(
        Commitment.objects.valid_on(day)
        .filter(
            for_emergency=True,
            kind__in=rules.NEED_COMMITMENT_KINDS.get(need_kind, ()),
            unit__area__code__in=area_chain_codes(grid),
        )
        .select_related("unit", "unit__area")
        .prefetch_related("unit__specialties")
    )


def suggestions(need: HouseholdNeed, day: dt.date | None = None) -> list[Suggestion]:
    day = day or timezone.localdate()
    chain = area_chain_codes(need.grid)
    found = candidate_commitments(need.grid, need.kind, day)
    counts = dict(
        HouseholdNeed.objects.filter(matched_commitment__in=[c.pk for c in found])
        .filter(~Q(state=NeedState.CLOSED))
        .exclude(pk=need.pk)
        .values_list("matched_commitment")
        .annotate(n=Count("pk"))
        .values_list("matched_commitment", "n")
    )
    keyed = []
    for c in found:
        specialties = {s.specialty for s in c.unit.specialties.all()}
        key = rules.rank_key(
            need_kind=need.kind,
            unit_specialties=specialties,
            unit_depth=chain.index(c.unit.area.code),
            commitment_id=c.pk,
        )
        keyed.append((key, Suggestion(c, key[0] == 0, counts.get(c.pk, 0))))
    keyed.sort(key=lambda pair: pair[0])
    return [s for _, s in keyed]


def is_candidate(need: HouseholdNeed, commitment: Commitment, day: dt.date) -> bool:
    return any(c.pk == commitment.pk for c in candidate_commitments(need.grid, need.kind, day))
