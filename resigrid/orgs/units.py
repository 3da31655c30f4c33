"""Writes to units (共建单位, 社会组织 …), their contacts, volunteer teams and commitments; and the
masked / unmasked read of contacts' phones.

A contact's phone is validated (mainland pattern), stored as AES-GCM ciphertext plus a keyed
hash, shown masked unless the reader holds UNMASK_PERSONAL on the unit's area; every unmasked
read writes a PersonalDataAccess row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError
from resigrid.orgs import rules
from resigrid.orgs.choices import CommitmentKind, Specialty, TeamRole, UnitKind
from resigrid.orgs.models import (
    Commitment,
    TeamMembership,
    Unit,
    UnitContact,
    UnitSpecialty,
)
from resigrid.orgs.permissions import can_edit_orgs, can_unmask_contacts
from resigrid.orgs.services import clean_text, fail
from resigrid.people.models import Volunteer

UNIT_FIELDS = frozenset(
    {
        "kind",
        "name",
        "credit_code",
        "specialties",
        "scale",
        "has_party_org",
        "co_building",
        "co_building_since",
        "area",
        "address",
        "note",
    }
)
COMMITMENT_FIELDS = frozenset(
    {
        "kind",
        "description",
        "quantity",
        "uom",
        "conditions",
        "for_emergency",
        "for_daily",
        "valid_from",
        "valid_to",
        "contact",
    }
)


def normalise_credit_code(raw: str | None, *, field: str = "credit_code") -> str | None:
    """Upper-case, strip spaces; None when empty; refuse a malformed code or a wrong check char."""
    value = (raw or "").replace(" ", "").strip().upper()
    if not value:
        return None
    problem = rules.credit_code_problem(value)
    if problem == "format":
        raise fail(
            field,
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "without I, O, S, V and Z."
            ),
        )
    if problem == "check":
        raise fail(
            field,
            _("The credit code's check character is wrong: please check for a typing error."),
        )
    return value


def _specialties(values: Sequence[str]) -> list[str]:
    for i, value in enumerate(values):
        if value not in Specialty.values:
            raise fail(f"specialties.{i}", _("Unknown specialty: %(s)s.") % {"s": value})
    return sorted(set(values))


def _clean_unit(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if "kind" in clean and clean["kind"] not in UnitKind.values:
        raise fail("kind", _("Unknown kind of unit: %(kind)s.") % {"kind": clean["kind"]})
    if "name" in clean:
        clean["name"] = clean_text("name", clean["name"], 120)
    if "credit_code" in clean:
        clean["credit_code"] = normalise_credit_code(clean["credit_code"])
    if "specialties" in clean:
        clean["specialties"] = _specialties(clean["specialties"] or [])
    if "scale" in clean and (clean["scale"] is None or int(clean["scale"]) < 0):
        raise fail("scale", _("The staff count cannot be negative."))
    if "address" in clean:
        clean["address"] = clean_text("address", clean["address"], 200, required=False)
    if clean.get("co_building_since") and clean.get("co_building") is False:
        raise fail("co_building_since", _("Only co-building members have a co-building date."))
    return clean


def _check_credit_unique(code: str | None, exclude: int | None) -> None:
    if code and Unit.objects.filter(credit_code=code).exclude(pk=exclude or 0).exists():
        raise fail("credit_code", _("Another unit already has this credit code."))


def _check_name_unique(area: Area, name: str, exclude: int | None) -> None:
    if Unit.objects.filter(area=area, name=name).exclude(pk=exclude or 0).exists():
        raise fail("name", _("A unit with this name already exists in this area."))


def create_unit(*, actor: Any, area: Area, kind: str, name: str, **fields: Any) -> Unit:
    unknown = set(fields) - UNIT_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    if not can_edit_orgs(actor, area):
        raise PermissionDeniedError(_("You may not add units in this area."))
    clean = _clean_unit({"kind": kind, "name": name, **fields})
    specialties = clean.pop("specialties", [])
    if not clean.get("co_building"):
        clean["co_building_since"] = None
    with transaction.atomic():
        _check_credit_unique(clean.get("credit_code"), None)
        _check_name_unique(area, clean["name"], None)
        unit = Unit.objects.create(area=area, **clean)
        UnitSpecialty.objects.bulk_create(
            UnitSpecialty(unit=unit, specialty=s) for s in specialties
        )
        return unit


def update_unit(*, actor: Any, unit: Unit, changes: dict[str, Any]) -> Unit:
    unknown = set(changes) - UNIT_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    if not can_edit_orgs(actor, unit.area):
        raise PermissionDeniedError(_("You may not change this unit."))
    new_area = changes.get("area", unit.area)
    if new_area != unit.area and not can_edit_orgs(actor, new_area):
        raise PermissionDeniedError(_("You may not move units into this area."))
    merged_co = changes.get("co_building", unit.co_building)
    clean = _clean_unit({**changes, "co_building": merged_co})
    specialties = clean.pop("specialties", None)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if "credit_code" in clean:
            _check_credit_unique(clean["credit_code"], unit.pk)
        _check_name_unique(new_area, clean.get("name", unit.name), unit.pk)
        for key, value in clean.items():
            setattr(unit, key, value)
        if not unit.co_building:
            unit.co_building_since = None
        unit.save()
        if specialties is not None:
            UnitSpecialty.objects.filter(unit=unit).delete()
            UnitSpecialty.objects.bulk_create(
                UnitSpecialty(unit=unit, specialty=s) for s in specialties
            )
        return unit


def _phone_fields(phone: str | None) -> dict[str, str | None]:
    if not phone:
        return {"phone_enc": None, "phone_hash": None}
    value = pii.normalise_phone(phone, field="phone")
    return {"phone_enc": pii.encrypt(value), "phone_hash": pii.keyed_hash(value)}


def add_contact(
    *, actor: Any, unit: Unit, name: str, role: str = "", phone: str | None = None
) -> UnitContact:
    if not can_edit_orgs(actor, unit.area):
        raise PermissionDeniedError(_("You may not change this unit's contacts."))
    name = clean_text("name", name, 64)
    role = clean_text("role", role, 64, required=False)
    stored = _phone_fields(phone)
    with transaction.atomic():
        return UnitContact.objects.create(unit=unit, name=name, role=role, **stored)


def update_contact(*, actor: Any, contact: UnitContact, changes: dict[str, Any]) -> UnitContact:
    unknown = set(changes) - {"name", "role", "phone"}
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    if not can_edit_orgs(actor, contact.unit.area):
        raise PermissionDeniedError(_("You may not change this unit's contacts."))
    if "name" in changes:
        contact.name = clean_text("name", changes["name"], 64)
    if "role" in changes:
        contact.role = clean_text("role", changes["role"], 64, required=False)
    if "phone" in changes:
        stored = _phone_fields(changes["phone"])
        contact.phone_enc, contact.phone_hash = stored["phone_enc"], stored["phone_hash"]
    with transaction.atomic():
        contact.save()
        return contact


def remove_contact(*, actor: Any, contact: UnitContact) -> None:
    if not can_edit_orgs(actor, contact.unit.area):
        raise PermissionDeniedError(_("You may not change this unit's contacts."))
    with transaction.atomic():
        contact.delete()


def contact_rows(
    *,
    actor: Any,
    unit: Unit,
    unmask: bool = False,
    request: HttpRequest | None = None,
) -> list[dict[str, Any]]:
    """The unit's contacts with phones masked, or in full (and logged) when asked and allowed."""
    if unmask and not can_unmask_contacts(actor, unit.area):
        raise PermissionDeniedError(_("You may not see full phone numbers."))
    contacts = list(unit.contacts.order_by("id"))
    rows = []
    for c in contacts:
        phone = pii.decrypt(c.phone_enc) if c.phone_enc else ""
        rows.append(
            {
                "id": c.pk,
                "name": c.name,
                "role": c.role,
                "phone": phone if unmask else (pii.mask_phone(phone) if phone else ""),
                "masked": not unmask,
            }
        )
    if unmask and contacts:
        record_personal_data_access(
            user=actor,
            action=PersonalDataAccess.Action.UNMASKED_READ,
            subject="orgs.unitcontact",
            object_ids=[c.pk for c in contacts],
            fields=["phone"],
            row_count=len(contacts),
            scope=unit.area.code,
            request=request,
        )
    return rows


def add_team_member(
    *,
    actor: Any,
    team: Unit,
    volunteer: Volunteer,
    role: str = TeamRole.MEMBER,
    joined: dt.date | None = None,
) -> TeamMembership:
    if not can_edit_orgs(actor, team.area):
        raise PermissionDeniedError(_("You may not change this team."))
    if team.kind != UnitKind.VOLUNTEER_TEAM:
        raise fail("team", _("Only volunteer teams have volunteer members."))
    if role not in TeamRole.values:
        raise fail("role", _("Unknown team role: %(role)s.") % {"role": role})
    with transaction.atomic():
        if TeamMembership.objects.filter(team=team, volunteer=volunteer).exists():
            raise fail("volunteer", _("This volunteer is already in the team."))
        return TeamMembership.objects.create(
            team=team, volunteer=volunteer, role=role, joined=joined
        )


def remove_team_member(*, actor: Any, membership: TeamMembership) -> None:
    if not can_edit_orgs(actor, membership.team.area):
        raise PermissionDeniedError(_("You may not change this team."))
    with transaction.atomic():
        membership.delete()


def _clean_commitment(unit: Unit, data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if "kind" in clean and clean["kind"] not in CommitmentKind.values:
        raise fail("kind", _("Unknown kind of commitment: %(kind)s.") % {"kind": clean["kind"]})
    if "description" in clean:
        clean["description"] = clean_text("description", clean["description"], 200)
    if "uom" in clean:
        clean["uom"] = clean_text("uom", clean["uom"], 16)
    if "quantity" in clean:
        try:
            qty = Decimal(str(clean["quantity"]))
        except InvalidOperation:
            raise fail("quantity", _("Give the quantity as a number.")) from None
        if not qty.is_finite() or qty <= 0:
            raise fail("quantity", _("The quantity must be more than 0."))
        clean["quantity"] = qty.quantize(Decimal("0.01"))
    contact = clean.get("contact")
    if contact is not None and contact.unit_id != unit.pk:
        raise fail("contact", _("The contact must be one of this unit's contacts."))
    return clean


def _check_validity(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise fail("valid_to", _("The end of validity is before its start."))


def add_commitment(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    description: str,
    quantity: Decimal | float | str,
    uom: str,
    **fields: Any,
) -> Commitment:
    unknown = set(fields) - COMMITMENT_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    if not can_edit_orgs(actor, unit.area):
        raise PermissionDeniedError(_("You may not change this unit's commitments."))
    clean = _clean_commitment(
        unit,
        {"kind": kind, "description": description, "quantity": quantity, "uom": uom, **fields},
    )
    _check_validity(clean.get("valid_from"), clean.get("valid_to"))
    with transaction.atomic():
        return Commitment.objects.create(unit=unit, **clean)


def update_commitment(*, actor: Any, commitment: Commitment, changes: dict[str, Any]) -> Commitment:
    unknown = set(changes) - COMMITMENT_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    if not can_edit_orgs(actor, commitment.unit.area):
        raise PermissionDeniedError(_("You may not change this unit's commitments."))
    clean = _clean_commitment(commitment.unit, changes)
    _check_validity(
        clean.get("valid_from", commitment.valid_from), clean.get("valid_to", commitment.valid_to)
    )
    with transaction.atomic():
        for key, value in clean.items():
            setattr(commitment, key, value)
        commitment.save()
        return commitment


def remove_commitment(*, actor: Any, commitment: Commitment) -> None:
    if not can_edit_orgs(actor, commitment.unit.area):
        raise PermissionDeniedError(_("You may not change this unit's commitments."))
    with transaction.atomic():
        commitment.delete()
