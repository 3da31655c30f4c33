"""Pure rules of recovery: which commitment kinds can meet which need, which unit specialties
fit best, and the transitions of a household need. No database access.

Need kind → commitment kinds (a unit's resource list line, `orgs.CommitmentKind`):

| need | commitment kinds | why |
|---|---|---|
| housing | space, services | temporary rooms or halls; repair and clean-up services |
| necessities | goods, vehicles | food, water, bedding; delivery |
| medical | services, vehicles | clinics, home visits; transport to treatment |
| psychological | services, people | counselling services; trained volunteers |
| livelihood | services, people, goods | job referral, training, tools and stock |

Within the fitting kinds, units whose specialty fits the need come first (e.g. a medical need
prefers units with the `medical` specialty), then the nearest unit (a grid's own before its
community's, before the street's), then the commitment's id. Commitments do not track how much
of them is used, so nothing is subtracted: a suggestion says how many open needs already lean
on the same commitment, and people decide.
"""

from __future__ import annotations

from resigrid.orgs.choices import CommitmentKind, Specialty
from resigrid.response.recovery.models import NeedKind, NeedState

NEED_COMMITMENT_KINDS: dict[str, tuple[str, ...]] = {
    NeedKind.HOUSING: (CommitmentKind.SPACE, CommitmentKind.SERVICES),
    NeedKind.NECESSITIES: (CommitmentKind.GOODS, CommitmentKind.VEHICLES),
    NeedKind.MEDICAL: (CommitmentKind.SERVICES, CommitmentKind.VEHICLES),
    NeedKind.PSYCHOLOGICAL: (CommitmentKind.SERVICES, CommitmentKind.PEOPLE),
    NeedKind.LIVELIHOOD: (CommitmentKind.SERVICES, CommitmentKind.PEOPLE, CommitmentKind.GOODS),
}

NEED_SPECIALTIES: dict[str, tuple[str, ...]] = {
    NeedKind.HOUSING: (Specialty.ACCOMMODATION, Specialty.ENGINEERING),
    NeedKind.NECESSITIES: (Specialty.LOGISTICS, Specialty.CATERING),
    NeedKind.MEDICAL: (Specialty.MEDICAL, Specialty.ELDERLY_CARE),
    NeedKind.PSYCHOLOGICAL: (Specialty.PSYCHOLOGICAL,),
    NeedKind.LIVELIHOOD: (Specialty.EDUCATION, Specialty.LEGAL),
}

# state → states it may move to (closing is allowed from any state that is not closed).
TRANSITIONS: dict[str, frozenset[str]] = {
    NeedState.OPEN: frozenset({NeedState.MATCHED, NeedState.CLOSED}),
    NeedState.MATCHED: frozenset({NeedState.MATCHED, NeedState.IN_PROGRESS, NeedState.CLOSED}),
    NeedState.IN_PROGRESS: frozenset({NeedState.CLOSED}),
    NeedState.CLOSED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def fits(need_kind: str, commitment_kind: str) -> bool:
    return commitment_kind in NEED_COMMITMENT_KINDS.get(need_kind, ())


def rank_key(
    *, need_kind: str, unit_specialties: set[str], unit_depth: int, commitment_id: int
) -> tuple[int, int, int]:
    """Sort key of a suggestion: fitting specialty first, then the deepest (nearest) unit
    area (grid 3 … district 0), then the commitment id."""
    specialty_fit = bool(unit_specialties & set(NEED_SPECIALTIES.get(need_kind, ())))
    return (0 if specialty_fit else 1, -unit_depth, commitment_id)
