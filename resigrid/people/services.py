"""Writes to households and residents, the unmasked read and the retention purge.

Every function is keyword-only, checks permission, owns its transaction and leaves nothing half
written. ID numbers and phones are validated (GB 11643, mainland pattern), stored encrypted with
a keyed hash; a duplicate ID number is refused both by a lookup (for a clear message) and by the
database's unique constraint (for two creates at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import rules
from resigrid.people.models import EmergencyNeed, Household, Person, Vulnerability
from resigrid.people.permissions import can_edit_people, can_unmask, can_view_people

PERSON_FIELDS = frozenset(
    {
        "name",
        "sex",
        "birth_date",
        "is_head",
        "id_number",
        "phone",
        "residence_type",
        "building",
        "ethnicity",
        "moved_in",
        "moved_out",
        "notes",
        "household",
    }
)


class _Errors:
    """Collects one message per field so that a form shows every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            field, messages = next(iter(self.by_field.items()))
            raise ValidationFailed(messages[0], field=field, errors=self.by_field)


def _check_building(errors: _Errors, building: Building | None, grid: Area) -> None:
    if building is not None and building.grid_id != grid.pk:
        errors.add(
            "building",
            _("The building %(building)s is in another grid, not in %(grid)s.")
            % {"building": building.name, "grid": grid.name},
        )


# Households -------------------------------------------------------------------------------------


def create_household(
    *, actor: Any, grid: Area, building: Building | None = None, room: str = ""
) -> Household:
    if not can_edit_people(actor, grid):
        raise PermissionDeniedError(_("You may not add households in this grid."))
    errors = _Errors()
    if grid.level != Level.GRID:
        errors.add(
            "grid",
            _("A household belongs to a grid, not to a %(level)s.")
            % {"level": Level(grid.level).label},
        )
    _check_building(errors, building, grid)
    if len(room) > 32:
        errors.add("room", _("The room has at most 32 characters."))
    errors.raise_if_any()
    with transaction.atomic():
        return Household.objects.create(grid=grid, building=building, room=room.strip())


def update_household(
    *, actor: Any, household: Household, building: Building | None, room: str
) -> Household:
    if not can_edit_people(actor, household.grid):
        raise PermissionDeniedError(_("You may not change households in this grid."))
    errors = _Errors()
    _check_building(errors, building, household.grid)
    if len(room) > 32:
        errors.add("room", _("The room has at most 32 characters."))
    errors.raise_if_any()
    with transaction.atomic():
        household.building = building
        household.room = room.strip()
        household.save(update_fields=["building", "room", "updated_at"])
    return household


# Persons ----------------------------------------------------------------------------------------


@dataclass
class _Identity:
    id_number: str | None
    phone: str | None


def _validate_person(
    errors: _Errors,
    person: Person,
    given: Mapping[str, Any],
    today: dt.date,
    existing_id: str | None = None,
) -> _Identity:
    """Apply `given` to the unsaved `person`, collecting every field error."""
    unknown = set(given) - PERSON_FIELDS
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    for key in ("name", "sex", "birth_date", "is_head", "residence_type", "ethnicity", "notes",
                "moved_in", "moved_out", "building", "household"):  # fmt: skip
        if key in given:
            setattr(person, key, given[key])
    if "household" in given:
        person.grid = person.household.grid
    person.name = (person.name or "").strip()
    if not person.name:
        errors.add("name", _("Give the person's name."))
    elif len(person.name) > 64:
        errors.add("name", _("The name has at most 64 characters."))
    identity = _Identity(None, None)
    raw_id = given.get("id_number")
    if raw_id:
        try:
            identity.id_number = pii.normalise_id_number(raw_id)
        except ValidationFailed as exc:
            errors.add("id_number", str(exc.message))
    if identity.id_number:
        if "birth_date" not in given or given["birth_date"] is None:
            person.birth_date = pii.birth_date_from_id(identity.id_number)
        if not given.get("sex"):
            person.sex = rules.sex_from_id(identity.id_number)
        for field, message in rules.id_conflicts(
            identity.id_number, sex=person.sex, birth_date=person.birth_date
        ).items():
            errors.add(field, message)
    elif existing_id and "id_number" not in given and ("birth_date" in given or "sex" in given):
        for field, message in rules.id_conflicts(
            existing_id, sex=person.sex, birth_date=person.birth_date
        ).items():
            errors.add(field, message)
    raw_phone = given.get("phone")
    if raw_phone:
        try:
            identity.phone = pii.normalise_phone(raw_phone)
        except ValidationFailed as exc:
            errors.add("phone", str(exc.message))
    if person.sex not in Person.Sex.values:
        errors.add("sex", _("Choose the sex, or give an ID number."))
    if person.birth_date is None:
        errors.add("birth_date", _("Give the birth date, or an ID number."))
    elif person.birth_date > today:
        errors.add("birth_date", _("The birth date is in the future."))
    if person.residence_type not in Person.ResidenceType.values:
        errors.add("residence_type", _("Choose registered, resident or floating."))
    if len(person.ethnicity or "") > 16:
        errors.add("ethnicity", _("The ethnicity has at most 16 characters."))
    if person.moved_in and person.moved_out and person.moved_out < person.moved_in:
        errors.add("moved_out", _("The move-out date is before the move-in date."))
    if person.household_id is not None and person.building is None and "building" not in given:
        person.building = person.household.building
    _check_building(errors, person.building, person.grid)
    return identity


def _duplicate_message(actor: Any, id_hash: str, exclude_pk: int | None) -> str | None:
    others = Person.objects.filter(id_number_hash=id_hash)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.select_related("grid").first()
    if other is None:
        return None
    if can_view_people(actor, other.grid):
        return _("This ID number is already registered, in grid %(grid)s.") % {
            "grid": other.grid.name
        }
    return _("This ID number is already registered, in a grid outside your scope.")


def _save_person(actor: Any, person: Person, identity: _Identity, given: Mapping[str, Any]) -> None:
    errors = _Errors()
    if "id_number" in given:
        person.id_number_enc = pii.encrypt(identity.id_number) if identity.id_number else None
        person.id_number_hash = pii.keyed_hash(identity.id_number) if identity.id_number else None
        if person.id_number_hash:
            message = _duplicate_message(actor, person.id_number_hash, person.pk)
            if message:
                errors.add("id_number", message)
    if "phone" in given:
        person.phone_enc = pii.encrypt(identity.phone) if identity.phone else None
        person.phone_hash = pii.keyed_hash(identity.phone) if identity.phone else None
    errors.raise_if_any()
    try:
        with transaction.atomic():  # a savepoint: the race loser keeps a usable transaction
            person.save()
    except IntegrityError as exc:
        if "id_number_hash" in str(exc) or "uniq_person_id_number_hash" in str(exc):
            raise ValidationFailed(
                _("This ID number was registered a moment ago by someone else."),
                field="id_number",
                errors={"id_number": [_("This ID number is already registered.")]},
            ) from None
        raise


def create_person(*, actor: Any, household: Household, data: Mapping[str, Any]) -> Person:
    """`data` holds PERSON_FIELDS; the plaintext id_number / phone are validated and sealed."""
    if not can_edit_people(actor, household.grid):
        raise PermissionDeniedError(_("You may not add residents in this grid."))
    person = Person(household=household, grid=household.grid)
    errors = _Errors()
    identity = _validate_person(errors, person, data, timezone.localdate())
    errors.raise_if_any()
    with transaction.atomic():
        _save_person(actor, person, identity, data)
    return person


def update_person(*, actor: Any, person: Person, changes: Mapping[str, Any]) -> Person:
    """Only the keys present in `changes` change (an id_number or phone of None clears it)."""
    if not can_edit_people(actor, person.grid):
        raise PermissionDeniedError(_("You may not change residents in this grid."))
    if "household" in changes and not can_edit_people(actor, changes["household"].grid):
        raise PermissionDeniedError(_("You may not move residents into that grid."))
    with transaction.atomic():
        locked = Person.objects.select_for_update().select_related("household").get(pk=person.pk)
        errors = _Errors()
        existing = pii.decrypt(locked.id_number_enc) if locked.id_number_enc else None
        identity = _validate_person(errors, locked, changes, timezone.localdate(), existing)
        errors.raise_if_any()
        _save_person(actor, locked, identity, changes)
    return locked


def reveal_personal(*, actor: Any, person: Person, request: Any = None) -> dict[str, str | None]:
    """The plaintext ID number and phone, for an explicit "show": logged every time."""
    if not can_unmask(actor, person.grid):
        raise PermissionDeniedError(_("You may not see unmasked personal data here."))
    values = {
        "id_number": pii.decrypt(person.id_number_enc) if person.id_number_enc else None,
        "phone": pii.decrypt(person.phone_enc) if person.phone_enc else None,
    }
    with transaction.atomic():
        record_personal_data_access(
            user=actor,
            action=PersonalDataAccess.Action.UNMASKED_READ,
            subject="people.person",
            object_ids=[person.pk],
            fields=[k for k, v in values.items() if v],
            row_count=1,
            scope=person.grid.code,
            request=request,
        )
    return values


# Retention ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    persons: int
    vulnerabilities: int
    needs: int
    dry_run: bool


def purge_moved_out(*, before: dt.date, dry_run: bool, actor: Any = None) -> PurgeReport:
    """Purge the personal fields of people who moved out before `before` (operator command)."""
    with transaction.atomic():
        persons = Person.objects.moved_out_before(before)
        ids = list(persons.select_for_update().values_list("pk", flat=True))
        vulns = Vulnerability.objects.filter(person_id__in=ids)
        needs = EmergencyNeed.objects.filter(person_id__in=ids)
        report = PurgeReport(len(ids), vulns.count(), needs.count(), dry_run)
        if dry_run or not ids:
            return report
        vulns.delete()
        needs.delete()
        now = timezone.now()
        for pk, name in Person.objects.filter(pk__in=ids).values_list("pk", "name"):
            Person.objects.filter(pk=pk).update(
                name=pii.mask_name(name),
                id_number_enc=None,
                id_number_hash=None,
                phone_enc=None,
                phone_hash=None,
                notes="",
                health_notes_enc=None,
                purged_at=now,
                updated_at=now,
            )
        record_personal_data_access(
            user=actor,
            action=PersonalDataAccess.Action.PURGE,
            subject="people.person",
            object_ids=ids,
            fields=["name", "id_number", "phone", "notes", "health_notes", "vulnerabilities"],
            row_count=len(ids),
            scope=f"moved_out<{before.isoformat()}",
        )
    return report
