"""Demo data of the recovery app (issue 6).

No live rows: the walk-through assesses households of the live flood incident itself. What this
seed makes sure of is that every kind of household need finds a match: each community gets,
where its units' random resource lists lack them, an emergency commitment of a fitting kind for
medical care (home visits and medicine delivery), temporary housing, necessities, counselling
and livelihood (job referral), on units whose specialty fits where there is one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from resigrid.orgs.models import Commitment, Unit
from resigrid.response.recovery.matching import area_chain_codes
from resigrid.response.recovery.rules import NEED_COMMITMENT_KINDS, NEED_SPECIALTIES

# need kind → (commitment kind, description, unit of measure, quantity)
EXTRA: dict[str, tuple[str, str, str, int]] = {
    "housing": ("space", "受灾家庭临时安置房", "间", 12),
    "necessities": ("goods", "受灾家庭生活物资包", "份", 200),
    "medical": ("services", "上门巡诊与送药", "人次/周", 40),
    "psychological": ("services", "灾后心理疏导", "人次/月", 30),
    "livelihood": ("services", "就业援助与临时岗位推荐", "人次/月", 20),
}


def _unit_for(units: list[Unit], need_kind: str) -> Unit | None:
    fitting = set(NEED_SPECIALTIES.get(need_kind, ()))
    for u in units:
        if fitting & {s.specialty for s in u.specialties.all()}:
            return u
    return units[0] if units else None


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's recovery rows; return counts for the seed summary."""
    today = timezone.localdate()
    added: list[Commitment] = []
    units_all = list(
        Unit.objects.filter(area_id__in=community_ids)
        .prefetch_related("specialties")
        .order_by("pk")
    )
    by_community: dict[int, list[Unit]] = {}
    for u in units_all:
        by_community.setdefault(u.area_id, []).append(u)
    for community_id in community_ids:
        units = by_community.get(community_id, [])
        if not units:
            continue
        chain = area_chain_codes(units[0].area)
        for need_kind, (ckind, text, uom, qty) in EXTRA.items():
            has = (
                Commitment.objects.valid_on(today)
                .filter(
                    for_emergency=True,
                    kind__in=NEED_COMMITMENT_KINDS[need_kind],
                    unit__area__code__in=chain,
                )
                .exists()
            )
            unit = _unit_for(units, need_kind)
            # Medical and livelihood lines are rare in the random lists: always add them.
            if unit is None or (has and need_kind not in ("medical", "livelihood")):
                continue
            added.append(
                Commitment(
                    unit=unit,
                    kind=ckind,
                    description=text,
                    quantity=Decimal(qty),
                    uom=uom,
                    conditions="灾后恢复期",
                    for_emergency=True,
                    valid_from=dt.date(today.year, 1, 1),
                    valid_to=dt.date(today.year + 1, 12, 31),
                )
            )
    Commitment.objects.bulk_create(added)
    return {"recovery_commitments": len(added)}
