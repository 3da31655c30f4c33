"""Read side shared by the API, the pages and the ledgers: filters, masking and counts.

Masking happens here, on the server: callers get `110105********1234` / `138****5678` and never
the ciphertext. Plaintext only comes from services.reveal_personal (logged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.core import pii
from resigrid.people import rules
from resigrid.people.models import Carer, Person, PersonQuerySet, Vulnerability

PAGE_SIZE = 50


def today() -> dt.date:
    """Today in the project's time zone (Asia/Shanghai): ages are counted from it."""
    return timezone.localdate()


class Scope:
    """The user's prefixes for the perms that decide what a row shows (one query per perm)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._cache: dict[Perm, list[str] | None] = {}

    def prefixes(self, perm: Perm) -> list[str] | None:
        if perm not in self._cache:
            self._cache[perm] = scope_prefixes(self.user, perm)
        return self._cache[perm]

    def covers(self, code: str, perm: Perm) -> bool:
        prefixes = self.prefixes(perm)
        return prefixes is None or any(code.startswith(p) for p in prefixes)


@dataclass(frozen=True)
class PersonFilters:
    grid: str | None = None
    building: int | None = None
    household: int | None = None
    tag: str | None = None
    vulnerable: bool | None = None
    min_age: int | None = None
    max_age: int | None = None
    residence_type: str | None = None
    has_carer: bool | None = None
    skill: str | None = None
    id_number: str | None = None
    phone: str | None = None
    name: str | None = None

    @property
    def sensitive(self) -> bool:
        """Filtering by tag or carer reveals who is vulnerable: VIEW_VULNERABLE scope only."""
        return self.tag is not None or self.has_carer is not None or bool(self.vulnerable)


def filter_persons(user: Any, f: PersonFilters) -> PersonQuerySet:
    """Persons the user may see matching the filters (ID/phone through the keyed hash)."""
    perm = Perm.VIEW_VULNERABLE if f.sensitive else Perm.VIEW_PEOPLE
    qs = Person.objects.visible_to(user, perm)
    if f.grid:
        qs = qs.filter(grid__code=f.grid)
    if f.building is not None:
        qs = qs.filter(building_id=f.building)
    if f.household is not None:
        qs = qs.filter(household_id=f.household)
    if f.tag:
        qs = qs.with_tag(f.tag)
    if f.vulnerable:
        qs = qs.vulnerable()
    if f.min_age is not None or f.max_age is not None:
        earliest, latest = rules.birth_date_bounds(today(), min_age=f.min_age, max_age=f.max_age)
        qs = qs.born_between(earliest, latest)
    if f.residence_type:
        qs = qs.filter(residence_type=f.residence_type)
    if f.has_carer is not None:
        qs = qs.vulnerable().with_active_carer(f.has_carer)
    if f.skill:
        qs = qs.with_skill(f.skill)
    if f.id_number:
        qs = qs.filter(id_number_hash=pii.keyed_hash(pii.normalise_id_number(f.id_number)))
    if f.phone:
        qs = qs.filter(phone_hash=pii.keyed_hash(pii.normalise_phone(f.phone)))
    if f.name:
        qs = qs.filter(name__startswith=f.name.strip())
    return qs


def page_of(qs: Any, page: int, size: int = PAGE_SIZE) -> tuple[list[Any], int]:
    """One page (1-based) and the total count."""
    total = qs.count()
    start = (max(page, 1) - 1) * size
    return list(qs[start : start + size]), total


def masked_id(person: Person) -> str | None:
    return pii.mask_id_number(pii.decrypt(person.id_number_enc)) if person.id_number_enc else None


def masked_phone(enc: str | None) -> str | None:
    return pii.mask_phone(pii.decrypt(enc)) if enc else None


def with_row_data(qs: PersonQuerySet) -> PersonQuerySet:
    return qs.select_related("grid", "building", "household", "volunteer").prefetch_related(
        Prefetch("vulnerabilities", queryset=Vulnerability.objects.order_by("tag"))
    )


def person_row(scope: Scope, p: Person) -> dict[str, Any]:
    """A person as lists and details show them: masked identity, tags only where allowed."""
    sees_tags = scope.covers(p.grid.code, Perm.VIEW_VULNERABLE)
    volunteer = _volunteer_of(p)
    return {
        "id": p.pk,
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "age": rules.age_on(p.birth_date, today()),
        "grid_code": p.grid.code,
        "grid_name": p.grid.name,
        "household_id": p.household_id,
        "building_id": p.building_id,
        "building_name": p.building.name if p.building else None,
        "room": p.household.room,
        "is_head": p.is_head,
        "id_number": masked_id(p),
        "phone": masked_phone(p.phone_enc),
        "residence_type": p.residence_type,
        "ethnicity": p.ethnicity,
        "moved_in": p.moved_in,
        "moved_out": p.moved_out,
        "notes": p.notes,
        "purged": p.purged_at is not None,
        "volunteer_id": volunteer.pk if volunteer else None,
        "tags": [v.tag for v in p.vulnerabilities.all()] if sees_tags else None,
        "can_unmask": scope.covers(p.grid.code, Perm.UNMASK_PERSONAL),
        "can_edit": scope.covers(p.grid.code, Perm.EDIT_PEOPLE),
        "can_see_vulnerable": sees_tags,
    }


def _volunteer_of(p: Person) -> Any:
    """The reverse one-to-one (select_related) or None; Django raises when it is absent."""
    try:
        return p.volunteer
    except ObjectDoesNotExist:
        return None


def person_rows(user: Any, persons: Iterable[Person]) -> list[dict[str, Any]]:
    scope = Scope(user)
    return [person_row(scope, p) for p in persons]


def vulnerability_detail(p: Person) -> dict[str, Any]:
    """Tags, needs (decrypted detail) and health notes: callers checked VIEW_VULNERABLE."""
    return {
        "tags": [
            {
                "tag": v.tag,
                "disability_category": v.disability_category,
                "disability_grade": v.disability_grade,
                "since": v.since,
            }
            for v in p.vulnerabilities.order_by("tag")
        ],
        "needs": [
            {"need": n.need, "detail": pii.decrypt(n.detail_enc) if n.detail_enc else ""}
            for n in p.needs.order_by("need")
        ],
        "health_notes": pii.decrypt(p.health_notes_enc) if p.health_notes_enc else "",
    }


def carer_row(c: Carer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "kind": c.kind,
        "name": c.name,
        "phone": masked_phone(c.phone_enc),
        "user_id": c.user_id,
        "carer_person_id": c.carer_person_id,
        "active": c.active,
    }


def current_q(day: dt.date) -> Q:
    return Q(person__moved_out__isnull=True) | Q(person__moved_out__gt=day)


def vulnerable_counts(user: Any) -> list[dict[str, Any]]:
    """Per visible grid: vulnerable people (current residents), by tag, and without a carer.

    Counts only, never names: street and district staff see these for their whole scope.
    """
    grids = Area.objects.visible_to(user, Perm.VIEW_PEOPLE).grids().order_by("code")
    day = today()
    vulns = Vulnerability.objects.filter(grid__in=grids).filter(current_q(day))
    total = dict(
        vulns.values("grid_id")
        .annotate(n=Count("person", distinct=True))
        .values_list("grid_id", "n")
    )
    by_tag: dict[int, dict[str, int]] = {}
    for grid_id, tag, n in (
        vulns.values("grid_id", "tag").annotate(n=Count("id")).values_list("grid_id", "tag", "n")
    ):
        by_tag.setdefault(grid_id, {})[tag] = n
    uncared = dict(
        Person.objects.filter(grid__in=grids)
        .without_active_carer(day)
        .values("grid_id")
        .annotate(n=Count("id"))
        .values_list("grid_id", "n")
    )
    return [
        {
            "grid_code": g.code,
            "grid_name": g.name,
            "vulnerable": total.get(g.pk, 0),
            "without_carer": uncared.get(g.pk, 0),
            "by_tag": by_tag.get(g.pk, {}),
        }
        for g in grids
    ]
