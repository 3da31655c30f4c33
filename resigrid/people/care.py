"""Services for vulnerability (重点人群), emergency needs, carers (结对帮扶) and the contact log.

Sensitive data: every write needs EDIT_PEOPLE and VIEW_VULNERABLE on the person's grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import rules
from resigrid.people.choices import ContactOutcome, ContactWay, DisabilityCategory, Need, Tag
from resigrid.people.models import (
    Carer,
    ContactLog,
    EmergencyNeed,
    Person,
    Volunteer,
    Vulnerability,
)
from resigrid.people.permissions import can_edit_vulnerable, can_view_people, can_view_vulnerable

ELDERLY_AGE = 65


@dataclass(frozen=True)
class TagEntry:
    tag: str
    disability_category: str = ""
    disability_grade: int | None = None
    since: dt.date | None = None


@dataclass(frozen=True)
class NeedEntry:
    need: str
    detail: str = ""


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _check_tag(person: Person, entry: TagEntry, index: int, today: dt.date) -> None:
    field = f"tags.{index}"
    if entry.tag not in Tag.values:
        raise _fail(f"{field}.tag", _("Unknown tag: %(tag)s.") % {"tag": entry.tag})
    if entry.tag == Tag.DISABLED:
        if entry.disability_category not in DisabilityCategory.values:
            raise _fail(f"{field}.disability_category", _("Choose the category of the disability."))
        if entry.disability_grade is None or not 1 <= entry.disability_grade <= 4:
            raise _fail(f"{field}.disability_grade", _("The disability grade is 1, 2, 3 or 4."))
    elif entry.disability_category or entry.disability_grade is not None:
        raise _fail(
            f"{field}.disability_category",
            _("A disability category and grade belong to the tag “disabled” only."),
        )
    if entry.tag == Tag.LIVING_ALONE and rules.age_on(person.birth_date, today) < ELDERLY_AGE:
        raise _fail(f"{field}.tag", _("“Elderly living alone” is for people aged 65 or more."))
    if entry.tag == Tag.PREGNANT and person.sex != Person.Sex.FEMALE:
        raise _fail(f"{field}.tag", _("Only a woman can be tagged as pregnant."))


def set_vulnerability(
    *,
    actor: Any,
    person: Person,
    tags: Sequence[TagEntry],
    needs: Sequence[NeedEntry],
    health_notes: str | None,
) -> None:
    """Replace the person's tags, needs and health notes with the ones given."""
    if not can_edit_vulnerable(actor, person.grid):
        raise PermissionDeniedError(_("You may not record vulnerability in this grid."))
    today = timezone.localdate()
    if len({t.tag for t in tags}) != len(tags):
        raise _fail("tags", _("A tag is given twice."))
    if len({n.need for n in needs}) != len(needs):
        raise _fail("needs", _("A need is given twice."))
    for i, entry in enumerate(tags):
        _check_tag(person, entry, i, today)
    for i, need in enumerate(needs):
        if need.need not in Need.values:
            raise _fail(f"needs.{i}.need", _("Unknown need: %(need)s.") % {"need": need.need})
        if len(need.detail) > 500:
            raise _fail(f"needs.{i}.detail", _("The detail has at most 500 characters."))
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        Vulnerability.objects.filter(person=locked).delete()
        EmergencyNeed.objects.filter(person=locked).delete()
        Vulnerability.objects.bulk_create(
            Vulnerability(
                person=locked,
                grid_id=locked.grid_id,
                tag=t.tag,
                disability_category=t.disability_category,
                disability_grade=t.disability_grade,
                since=t.since,
            )
            for t in tags
        )
        EmergencyNeed.objects.bulk_create(
            EmergencyNeed(
                person=locked,
                need=n.need,
                detail_enc=pii.encrypt(n.detail.strip()) if n.detail.strip() else None,
            )
            for n in needs
        )
        text = (health_notes or "").strip()
        locked.health_notes_enc = pii.encrypt(text) if text else None
        locked.save(update_fields=["health_notes_enc", "updated_at"])


def add_carer(
    *,
    actor: Any,
    person: Person,
    kind: str,
    name: str = "",
    phone: str | None = None,
    user: Any = None,
    carer_person: Person | None = None,
) -> Carer:
    if not can_edit_vulnerable(actor, person.grid):
        raise PermissionDeniedError(_("You may not pair carers in this grid."))
    if kind not in Carer.Kind.values:
        raise _fail("kind", _("Choose the kind of carer."))
    if carer_person is not None:
        if not can_view_people(actor, carer_person.grid):
            raise _fail("carer_person", _("No such resident in your scope."))
        if carer_person.pk == person.pk:
            raise _fail("carer_person", _("A person cannot be their own carer."))
    if user is not None and not (user.is_active and can_view_vulnerable(user, person.grid)):
        # A carer account must be able to open the person's page and log visits.
        raise _fail("user", _("This account cannot see the person's grid; choose another."))
    if kind == Carer.Kind.GRID_WORKER and user is None:
        raise _fail("user", _("Choose the grid worker's account."))
    if kind == Carer.Kind.VOLUNTEER and not (
        carer_person is not None and Volunteer.objects.filter(person=carer_person).exists()
    ):
        raise _fail("carer_person", _("Choose a registered volunteer."))
    name = (name or "").strip() or (
        carer_person.name if carer_person else getattr(user, "full_name", "") or ""
    )
    if not name:
        raise _fail("name", _("Give the carer's name."))
    if len(name) > 64:
        raise _fail("name", _("The name has at most 64 characters."))
    normalised = pii.normalise_phone(phone) if phone else None
    with transaction.atomic():
        return Carer.objects.create(
            person=person,
            kind=kind,
            name=name,
            user=user,
            carer_person=carer_person,
            phone_enc=pii.encrypt(normalised) if normalised else None,
            phone_hash=pii.keyed_hash(normalised) if normalised else None,
        )


def set_carer_active(*, actor: Any, carer: Carer, active: bool) -> Carer:
    if not can_edit_vulnerable(actor, carer.person.grid):
        raise PermissionDeniedError(_("You may not change carers in this grid."))
    with transaction.atomic():
        Carer.objects.filter(pk=carer.pk).update(active=active, updated_at=timezone.now())
    carer.refresh_from_db()
    return carer


def add_contact(
    *,
    actor: Any,
    person: Person,
    date: dt.date,
    way: str,
    outcome: str,
    note: str = "",
    carer: Carer | None = None,
) -> ContactLog:
    if not can_edit_vulnerable(actor, person.grid):
        raise PermissionDeniedError(_("You may not log contacts in this grid."))
    if carer is not None and carer.person_id != person.pk:
        raise _fail("carer", _("This carer is not paired with this person."))
    if date > timezone.localdate():
        raise _fail("date", _("The date is in the future."))
    if way not in ContactWay.values:
        raise _fail("way", _("Choose how the contact was made."))
    if outcome not in ContactOutcome.values:
        raise _fail("outcome", _("Choose the outcome."))
    if len(note) > 2000:
        raise _fail("note", _("The note has at most 2,000 characters."))
    with transaction.atomic():
        return ContactLog.objects.create(
            person=person,
            carer=carer,
            date=date,
            way=way,
            outcome=outcome,
            note=note.strip(),
            by=actor if getattr(actor, "pk", None) else None,
        )
