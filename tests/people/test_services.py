"""Services: duplicate race, vulnerability, carers and contacts, volunteers, retention purge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command

from resigrid.accounts.models import PersonalDataAccess
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import care, services, volunteers
from resigrid.people.models import (
    ContactLog,
    EmergencyNeed,
    Person,
    Volunteer,
    VolunteerService,
    Vulnerability,
)


def test_concurrent_duplicate_loses_on_the_unique_constraint(people, community_admin):
    """The lookup saw nothing (the other create was not committed yet): the constraint decides."""
    with (
        mock.patch.object(services, "_duplicate_message", return_value=None),
        pytest.raises(ValidationFailed) as exc,
    ):
        services.create_person(
            actor=community_admin,
            household=people.home11,
            data={"name": "重复", "id_number": people.id_old},
        )
    assert exc.value.field == "id_number"
    assert exc.value.errors == {"id_number": ["This ID number is already registered."]}
    assert Person.objects.filter(name="重复").count() == 0


def test_vulnerability_replaced_and_health_text_encrypted(people, grid_worker):
    care.set_vulnerability(
        actor=grid_worker,
        person=people.old,
        tags=[
            care.TagEntry("living_alone"),
            care.TagEntry("disabled", disability_category="physical", disability_grade=2),
        ],
        needs=[care.NeedEntry("medicines", "二甲双胍 每日两次")],
        health_notes="糖尿病",
    )
    assert sorted(Vulnerability.objects.values_list("tag", "disability_grade")) == [
        ("disabled", 2),
        ("living_alone", None),
    ]
    need = EmergencyNeed.objects.get()
    assert need.detail_enc and "二甲双胍" not in need.detail_enc
    care.set_vulnerability(
        actor=grid_worker,
        person=people.old,
        tags=[care.TagEntry("bedridden")],
        needs=[],
        health_notes="",
    )
    assert list(Vulnerability.objects.values_list("tag", flat=True)) == ["bedridden"]
    assert EmergencyNeed.objects.count() == 0


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (care.TagEntry("disabled"), "tags.0.disability_category"),
        (care.TagEntry("disabled", "visual", 5), "tags.0.disability_grade"),
        (care.TagEntry("pregnant"), "tags.0.tag"),
        (care.TagEntry("chronic_illness", "visual", 1), "tags.0.disability_category"),
    ],
)
def test_bad_tags_name_the_field(people, grid_worker, entry, field):
    with pytest.raises(ValidationFailed) as exc:
        care.set_vulnerability(
            actor=grid_worker, person=people.old, tags=[entry], needs=[], health_notes=""
        )
    assert exc.value.field == field
    assert Vulnerability.objects.count() == 0


def test_living_alone_needs_65(people, grid_worker):
    with pytest.raises(ValidationFailed) as exc:
        care.set_vulnerability(
            actor=grid_worker,
            person=people.young,
            tags=[care.TagEntry("living_alone")],
            needs=[],
            health_notes="",
        )
    assert exc.value.field == "tags.0.tag"


def test_street_staff_may_not_tag(people, street_admin):
    with pytest.raises(PermissionDeniedError):
        care.set_vulnerability(
            actor=street_admin,
            person=people.old,
            tags=[care.TagEntry("bedridden")],
            needs=[],
            health_notes="",
        )
    assert Vulnerability.objects.count() == 0


def test_without_active_carer_and_contacts(people, grid_worker):
    Vulnerability.objects.create(person=people.old, grid=people.old.grid, tag="living_alone")
    assert list(Person.objects.without_active_carer()) == [people.old]
    carer = care.add_carer(
        actor=grid_worker, person=people.old, kind="grid_worker", user=grid_worker
    )
    assert carer.name == "网格员乙"
    assert list(Person.objects.without_active_carer()) == []
    care.add_contact(
        actor=grid_worker,
        person=people.old,
        carer=carer,
        date=dt.date(2026, 1, 5),
        way="visit",
        outcome="ok",
    )
    assert list(ContactLog.objects.values_list("person", "carer", "way", "outcome", "by")) == [
        (people.old.pk, carer.pk, "visit", "ok", grid_worker.pk)
    ]
    care.set_carer_active(actor=grid_worker, carer=carer, active=False)
    assert list(Person.objects.without_active_carer()) == [people.old]


def test_contact_carer_must_belong_to_person(people, grid_worker):
    carer = care.add_carer(actor=grid_worker, person=people.old, kind="neighbour", name="邻居")
    with pytest.raises(ValidationFailed) as exc:
        care.add_contact(
            actor=grid_worker,
            person=people.young,
            carer=carer,
            date=dt.date(2026, 1, 5),
            way="visit",
            outcome="ok",
        )
    assert exc.value.field == "carer"
    assert ContactLog.objects.count() == 0


def test_volunteer_hours_accrue_from_rows(people, grid_worker):
    v = volunteers.register_volunteer(
        actor=grid_worker, person=people.old, skills=["driver", "medical"]
    )
    assert (v.home_lon, v.home_lat) == (120.05, 30.05)
    volunteers.record_service(actor=grid_worker, volunteer=v, hours=Decimal("2.5"), points=10)
    volunteers.record_service(
        actor=grid_worker, volunteer=v, hours=Decimal("1"), points=5, note="巡逻"
    )
    v.refresh_from_db()
    assert (v.service_hours, v.points) == (Decimal("3.5"), 15)
    totals: Any = Volunteer.objects.with_totals().get(pk=v.pk)
    assert (totals.hours_from_rows, totals.points_from_rows) == (Decimal("3.5"), 15)
    assert VolunteerService.objects.count() == 2


def test_bad_service_hours_write_nothing(people, grid_worker):
    v = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    with pytest.raises(ValidationFailed) as exc:
        volunteers.record_service(actor=grid_worker, volunteer=v, hours=Decimal("25"), points=1)
    assert exc.value.field == "hours"
    v.refresh_from_db()
    assert (v.service_hours, VolunteerService.objects.count()) == (Decimal("0"), 0)


@time_machine.travel(dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC))
def test_expiring_certificates(people, grid_worker):
    from resigrid.people.models import VolunteerCertificate

    v = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=["medical"])
    for name, expires in [
        ("soon", dt.date(2026, 3, 31)),
        ("later", dt.date(2026, 4, 1)),
        ("gone", dt.date(2026, 2, 28)),
    ]:
        volunteers.add_certificate(
            actor=grid_worker, volunteer=v, skill="medical", name=name, expires=expires
        )
    assert list(
        VolunteerCertificate.objects.expiring(dt.date(2026, 3, 1)).values_list("name", flat=True)
    ) == ["soon"]


@time_machine.travel(dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC))
def test_purge_dry_run_writes_nothing_then_purges(people, capsys):
    Person.objects.filter(pk=people.old.pk).update(moved_out=dt.date(2022, 1, 1), notes="旧")
    Vulnerability.objects.create(person=people.old, grid=people.old.grid, tag="living_alone")
    Person.objects.filter(pk=people.far.pk).update(moved_out=dt.date(2025, 1, 1))
    call_command("purge_moved_out", "--days", "1095", "--dry-run")
    assert "1 persons" in capsys.readouterr().out
    people.old.refresh_from_db()
    assert people.old.id_number_hash is not None
    assert PersonalDataAccess.objects.count() == 0
    call_command("purge_moved_out", "--days", "1095")
    people.old.refresh_from_db()
    assert (people.old.name, people.old.id_number_enc, people.old.id_number_hash) == (
        "王**",
        None,
        None,
    )
    assert (people.old.phone_enc, people.old.phone_hash, people.old.notes) == (None, None, "")
    assert people.old.purged_at is not None
    assert Vulnerability.objects.count() == 0
    people.far.refresh_from_db()
    assert people.far.id_number_hash is not None
    log = PersonalDataAccess.objects.get()
    assert (log.action, log.object_ids, log.row_count, log.user) == (
        "purge",
        [people.old.pk],
        1,
        None,
    )
    call_command("purge_moved_out", "--days", "1095")
    assert PersonalDataAccess.objects.count() == 1
