"""Demo registry data for residents already written by seed_demo: identity, vulnerability,
carers, contact logs and volunteers. Deterministic from the seed; bulk inserts.

Call once per database with every grid (`seed_people_registry(seed=…, grid_ids=[…])`); a second
call for other grids continues the per-birth-date ID sequence, so ID numbers stay unique.
Synthetic IDs use region 330106, the person's birth date, a sequence number whose parity matches
the sex and a correct GB 11643 check digit; phones are 139xxxxxxxx.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.people import rules
from resigrid.people.choices import ContactOutcome, ContactWay, DisabilityCategory, Need, Skill, Tag
from resigrid.people.models import (
    Carer,
    ContactLog,
    EmergencyNeed,
    Person,
    Volunteer,
    VolunteerSkill,
    Vulnerability,
)
from resigrid.web.demo.names import full_name
from resigrid.web.demo.population import REFERENCE_DATE

REGION = "330106"
BATCH = 5000
VOLUNTEER_SHARE = 0.03


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data


def _id_number(birth: dt.date, sex: str, k: int) -> str:
    seq = 2 * k + (1 if sex == "M" else 2)  # odd for men, even for women (GB 11643)
    first17 = f"{REGION}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + pii.id_check_digit(first17)


def _tags_for(rng: random.Random, age: int, sex: str, size: int) -> list[str]:
    """Plausible tags by age and household, or [] (about 8% of a city's residents get some)."""
    if age >= 65:
        if rng.random() >= 0.30:
            return []
        tags = []
        if size == 1:
            tags.append(Tag.LIVING_ALONE)
        elif size == 2 and rng.random() < 0.5:
            tags.append(Tag.EMPTY_NEST)
        tags.append(
            rng.choices(
                [
                    Tag.CHRONIC_ILLNESS,
                    Tag.SEMI_DISABLED,
                    Tag.BEDRIDDEN,
                    Tag.DISABLED,
                    Tag.SERIOUS_ILLNESS,
                ],
                weights=[50, 18, 7, 15, 10],
            )[0]
        )
        if rng.random() < 0.08:
            tags.append(Tag.SUBSISTENCE)
        return sorted(set(tags))
    if rng.random() >= 0.045:
        return []
    if age < 16:
        return [rng.choice([Tag.LEFT_BEHIND_CHILD, Tag.DISABLED])]
    if sex == "F" and 20 <= age <= 40 and rng.random() < 0.35:
        return [Tag.PREGNANT]
    return [
        rng.choices(
            [
                Tag.DISABLED,
                Tag.SERIOUS_ILLNESS,
                Tag.CHRONIC_ILLNESS,
                Tag.SUBSISTENCE,
                Tag.EXTREME_POVERTY,
            ],
            weights=[30, 15, 30, 20, 5],
        )[0]
    ]


_NEEDS_BY_TAG: dict[str, tuple[str, str]] = {
    Tag.BEDRIDDEN: (Need.MOBILITY, ""),
    Tag.SEMI_DISABLED: (Need.MOBILITY, ""),
    Tag.CHRONIC_ILLNESS: (Need.MEDICINES, "降压药，每日一次"),
    Tag.SERIOUS_ILLNESS: (Need.MEDICINES, "需按时服药"),
}


def _update_persons(rows: list[tuple[Any, ...]]) -> None:
    """(id_enc, id_hash, phone_enc, phone_hash, building_id, pk) rows → one UPDATE per batch."""
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE _demo_ident (ie text, ih varchar(64), pe text, ph varchar(64), "
                "b bigint, id bigint) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY _demo_ident FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} p SET id_number_enc = t.ie, id_number_hash = t.ih, "  # noqa: S608
                "phone_enc = t.pe, phone_hash = t.ph, building_id = t.b FROM _demo_ident t "
                "WHERE p.id = t.id"
            )
            cursor.execute("DROP TABLE _demo_ident")
        else:
            cursor.executemany(
                f"UPDATE {table} SET id_number_enc = %s, id_number_hash = %s, phone_enc = %s, "  # noqa: S608
                "phone_hash = %s, building_id = %s WHERE id = %s",
                rows,
            )


def seed_people_registry(*, seed: int, grid_ids: list[int]) -> dict[str, int]:
    """Fill the registry for the persons of `grid_ids`; returns counts of what was written."""
    counts: Counter[str] = Counter()
    used = defaultdict(
        int,
        Person.objects.filter(id_number_hash__isnull=False)
        .values_list("birth_date")
        .annotate(n=Count("id"))
        .values_list("birth_date", "n"),
    )
    with transaction.atomic():
        for grid_id in sorted(grid_ids):
            _seed_grid(seed, grid_id, used, counts)
    return dict(counts)


def _seed_grid(
    seed: int, grid_id: int, used: defaultdict[dt.date, int], counts: Counter[str]
) -> None:
    # Seeded by the grid's code, not its id: ids depend on what the database handed out before
    # (sequences are not reset by rolled-back or flushed tests), codes do not.
    code = Area.objects.values_list("code", flat=True).get(pk=grid_id)
    rng = _rng("people-registry", seed, code)
    persons = list(
        Person.objects.filter(grid_id=grid_id, id_number_hash__isnull=True)
        .order_by("pk")
        .values_list("pk", "sex", "birth_date", "household_id", "household__building_id", "name")
    )
    sizes = Counter(p[3] for p in persons)
    idents: list[tuple[Any, ...]] = []
    vulns: list[Vulnerability] = []
    needs: list[EmergencyNeed] = []
    carers: list[Carer] = []
    volunteers: list[tuple[int, int | None]] = []
    neighbours = [p for p in persons if 25 <= rules.age_on(p[2], REFERENCE_DATE) <= 60]
    for pk, sex, birth, household_id, building_id, _name in persons:
        k = used[birth]
        used[birth] += 1
        idn = _id_number(birth, sex, k)
        phone = f"139{rng.randrange(10**8):08d}"
        idents.append(
            (
                pii.encrypt(idn),
                pii.keyed_hash(idn),
                pii.encrypt(phone),
                pii.keyed_hash(phone),
                building_id,
                pk,
            )
        )
        age = rules.age_on(birth, REFERENCE_DATE)
        tags = _tags_for(rng, age, sex, sizes[household_id])
        for tag in tags:
            disabled = tag == Tag.DISABLED
            vulns.append(
                Vulnerability(
                    person_id=pk,
                    grid_id=grid_id,
                    tag=tag,
                    disability_category=rng.choice(DisabilityCategory.values) if disabled else "",
                    disability_grade=rng.randint(1, 4) if disabled else None,
                )
            )
            if tag in _NEEDS_BY_TAG and not any(n.person_id == pk for n in needs[-3:]):
                need, detail = _NEEDS_BY_TAG[tag]
                needs.append(
                    EmergencyNeed(
                        person_id=pk, need=need, detail_enc=pii.encrypt(detail) if detail else None
                    )
                )
        if tags:
            counts["vulnerable"] += 1
            if rng.random() < 0.9:
                kind = Carer.Kind.GRID_WORKER if rng.random() < 0.5 else Carer.Kind.NEIGHBOUR
                buddy = (
                    rng.choice(neighbours) if neighbours and kind == Carer.Kind.NEIGHBOUR else None
                )
                cphone = f"139{rng.randrange(10**8):08d}"
                carers.append(
                    Carer(
                        person_id=pk,
                        kind=kind,
                        carer_person_id=buddy[0] if buddy else None,
                        name=buddy[5] if buddy else full_name(rng, rng.choice("MF")),
                        phone_enc=pii.encrypt(cphone),
                        phone_hash=pii.keyed_hash(cphone),
                    )
                )
        elif 18 <= age <= 70 and rng.random() < VOLUNTEER_SHARE / 0.7:
            volunteers.append((pk, building_id))
    for start in range(0, len(idents), BATCH):
        _update_persons(idents[start : start + BATCH])
    Vulnerability.objects.bulk_create(vulns, batch_size=BATCH)
    EmergencyNeed.objects.bulk_create(needs, batch_size=BATCH, ignore_conflicts=True)
    Carer.objects.bulk_create(carers, batch_size=BATCH)
    logs = [
        ContactLog(
            person_id=c.person_id,
            carer_id=c.pk,
            date=REFERENCE_DATE - dt.timedelta(days=rng.randint(1, 90)),
            way=rng.choices(ContactWay.values, weights=[50, 40, 8, 2])[0],
            outcome=rng.choices(ContactOutcome.values, weights=[85, 10, 5])[0],
        )
        for c in carers
        if rng.random() < 0.6
    ]
    ContactLog.objects.bulk_create(logs, batch_size=BATCH)
    _write_volunteers(rng, volunteers, counts)
    counts["persons"] += len(idents)
    counts["vulnerabilities"] += len(vulns)
    counts["needs"] += len(needs)
    counts["carers"] += len(carers)
    counts["contacts"] += len(logs)


def _write_volunteers(
    rng: random.Random, rows: list[tuple[int, int | None]], counts: Counter[str]
) -> None:
    if not rows:
        return
    from resigrid.areas.models import Building

    where = dict(
        Building.objects.filter(pk__in={b for _p, b in rows if b})
        .values_list("pk", "lon")
        .order_by()
    )
    lat = dict(Building.objects.filter(pk__in=where).values_list("pk", "lat").order_by())
    vols = Volunteer.objects.bulk_create(
        [
            Volunteer(
                person_id=pk,
                availability=rng.getrandbits(21) & rng.getrandbits(21),
                home_lon=where.get(b) if b else None,
                home_lat=lat.get(b) if b else None,
            )
            for pk, b in rows
        ],
        batch_size=BATCH,
    )
    skills = [
        VolunteerSkill(volunteer_id=v.pk, skill=s)
        for v in vols
        for s in rng.sample(Skill.values, rng.randint(1, 3))
    ]
    VolunteerSkill.objects.bulk_create(skills, batch_size=BATCH)
    counts["volunteers"] += len(vols)
    counts["volunteer_skills"] += len(skills)
