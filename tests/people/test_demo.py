"""The demo registry seeder: valid, consistent identities; plausible shares; deterministic."""

from __future__ import annotations

import datetime as dt

from resigrid.core import pii
from resigrid.people import rules
from resigrid.people.models import Household, Person, Vulnerability
from resigrid.web.demo.people_registry import seed_people_registry


def _residents(tree, n: int) -> None:
    home = Household.objects.create(grid=tree.grid11, building=tree.building11, room="1")
    Person.objects.bulk_create(
        Person(
            household=home,
            grid=tree.grid11,
            name=f"居民{i}",
            sex="MF"[i % 2],
            birth_date=dt.date(1940 + i % 80, 1 + i % 12, 1 + i % 28),
        )
        for i in range(n)
    )


def test_ids_are_valid_unique_and_consistent(tree):
    _residents(tree, 400)
    counts = seed_people_registry(seed=7, grid_ids=[tree.grid11.pk])
    assert counts["persons"] == 400
    hashes = set()
    for p in Person.objects.all():
        idn = pii.normalise_id_number(pii.decrypt(p.id_number_enc or ""))
        assert idn.startswith("330106")
        assert pii.birth_date_from_id(idn) == p.birth_date
        assert rules.sex_from_id(idn) == p.sex
        assert pii.normalise_phone(pii.decrypt(p.phone_enc or "")).startswith("139")
        assert p.building_id == tree.building11.pk
        hashes.add(p.id_number_hash)
    assert len(hashes) == 400
    assert 0 < counts["vulnerable"] < 400
    assert Vulnerability.objects.values("person").distinct().count() == counts["vulnerable"]


def test_deterministic(tree):
    _residents(tree, 200)
    first = seed_people_registry(seed=3, grid_ids=[tree.grid11.pk])
    tags = sorted(Vulnerability.objects.values_list("person__name", "tag"))
    Vulnerability.objects.all().delete()
    Person.objects.update(id_number_hash=None, id_number_enc=None)
    from resigrid.people.models import Carer, ContactLog, EmergencyNeed, Volunteer

    for model in (ContactLog, Carer, EmergencyNeed, Volunteer):
        model.objects.all().delete()
    assert seed_people_registry(seed=3, grid_ids=[tree.grid11.pk]) == first
    assert sorted(Vulnerability.objects.values_list("person__name", "tag")) == tags
