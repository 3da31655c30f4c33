"""Services for volunteers: registration, skills, certificates and service hours.

Totals are never read-modify-written: `record_service` inserts a VolunteerService row and bumps
the running totals with F() in the same transaction, so two records at once both count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import rules
from resigrid.people.choices import Skill
from resigrid.people.models import (
    Person,
    Volunteer,
    VolunteerCertificate,
    VolunteerService,
    VolunteerSkill,
)
from resigrid.people.permissions import can_edit_people


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _check_skills(skills: Sequence[str]) -> list[str]:
    for i, skill in enumerate(skills):
        if skill not in Skill.values:
            raise _fail(f"skills.{i}", _("Unknown skill: %(skill)s.") % {"skill": skill})
    return sorted(set(skills))


def _check_location(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise _fail("home_lon", _("Give both longitude and latitude, or neither."))
    if lon is not None and not -180 <= lon <= 180:
        raise _fail("home_lon", _("The longitude must be between -180 and 180."))
    if lat is not None and not -90 <= lat <= 90:
        raise _fail("home_lat", _("The latitude must be between -90 and 90."))


def _check_availability(availability: int) -> None:
    if not 0 <= availability <= rules.ALL_SLOTS:
        raise _fail("availability", _("The weekly availability is 21 bits (0 to 2097151)."))


def register_volunteer(
    *,
    actor: Any,
    person: Person,
    skills: Sequence[str],
    availability: int = 0,
    home_lon: float | None = None,
    home_lat: float | None = None,
) -> Volunteer:
    """Make a resident a volunteer; the home location defaults to their building."""
    if not can_edit_people(actor, person.grid):
        raise PermissionDeniedError(_("You may not register volunteers in this grid."))
    clean = _check_skills(skills)
    _check_availability(availability)
    _check_location(home_lon, home_lat)
    if home_lon is None and person.building is not None:
        home_lon, home_lat = person.building.lon, person.building.lat
    with transaction.atomic():
        if Volunteer.objects.filter(person=person).exists():
            raise _fail("person", _("This resident is already a volunteer."))
        volunteer = Volunteer.objects.create(
            person=person, availability=availability, home_lon=home_lon, home_lat=home_lat
        )
        VolunteerSkill.objects.bulk_create(
            VolunteerSkill(volunteer=volunteer, skill=s) for s in clean
        )
    return volunteer


def update_volunteer(
    *,
    actor: Any,
    volunteer: Volunteer,
    skills: Sequence[str] | None = None,
    availability: int | None = None,
    home_lon: float | None = None,
    home_lat: float | None = None,
    active: bool | None = None,
) -> Volunteer:
    """Only what is given changes (home location: both or neither)."""
    if not can_edit_people(actor, volunteer.person.grid):
        raise PermissionDeniedError(_("You may not change volunteers in this grid."))
    clean = _check_skills(skills) if skills is not None else None
    if availability is not None:
        _check_availability(availability)
    _check_location(home_lon, home_lat)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if availability is not None:
            locked.availability = availability
        if home_lon is not None:
            locked.home_lon, locked.home_lat = home_lon, home_lat
        if active is not None:
            locked.active = active
        locked.save(update_fields=["availability", "home_lon", "home_lat", "active", "updated_at"])
        if clean is not None:
            VolunteerSkill.objects.filter(volunteer=locked).exclude(skill__in=clean).delete()
            have = set(locked.skills.values_list("skill", flat=True))
            VolunteerSkill.objects.bulk_create(
                VolunteerSkill(volunteer=locked, skill=s) for s in clean if s not in have
            )
    return locked


def add_certificate(
    *,
    actor: Any,
    volunteer: Volunteer,
    skill: str,
    name: str,
    number: str = "",
    issued: dt.date | None = None,
    expires: dt.date | None = None,
) -> VolunteerCertificate:
    if not can_edit_people(actor, volunteer.person.grid):
        raise PermissionDeniedError(_("You may not change volunteers in this grid."))
    _check_skills([skill])
    name = name.strip()
    if not name:
        raise _fail("name", _("Give the certificate's name."))
    if len(name) > 100 or len(number) > 64:
        raise _fail("name", _("The name or number is too long."))
    if issued and expires and expires < issued:
        raise _fail("expires", _("The certificate expires before it was issued."))
    with transaction.atomic():
        return VolunteerCertificate.objects.create(
            volunteer=volunteer,
            skill=skill,
            name=name,
            number=number.strip(),
            issued=issued,
            expires=expires,
        )


def record_service(
    *, actor: Any, volunteer: Volunteer, hours: Decimal, points: int, note: str = ""
) -> VolunteerService:
    """Add a service row and bump the totals with F() (no lost update under concurrency)."""
    if not can_edit_people(actor, volunteer.person.grid):
        raise PermissionDeniedError(_("You may not record service in this grid."))
    return accrue_service(volunteer=volunteer, hours=hours, points=points, note=note, by=actor)


def accrue_service(
    *, volunteer: Volunteer, hours: Decimal, points: int, note: str = "", by: Any = None
) -> VolunteerService:
    """`record_service` without the permission check, for flows that check their own right
    (a volunteer reporting back on a confirmed call-up task accrues their own hours)."""
    hours = Decimal(hours).quantize(Decimal("0.1"))
    if not Decimal("0") < hours <= Decimal("24"):
        raise _fail("hours", _("The hours must be more than 0 and at most 24."))
    if not 0 <= points <= 1000:
        raise _fail("points", _("The points must be between 0 and 1000."))
    if len(note) > 200:
        raise _fail("note", _("The note has at most 200 characters."))
    with transaction.atomic():
        row = VolunteerService.objects.create(
            volunteer=volunteer,
            hours=hours,
            points=points,
            note=note.strip(),
            by=by if getattr(by, "pk", None) else None,
        )
        Volunteer.objects.filter(pk=volunteer.pk).update(
            service_hours=F("service_hours") + hours, points=F("points") + points
        )
    return row
