"""Writes to the Party organisation tree, its members, in-service registrations and service records.

Keyword-only, permission-checked, atomic. The tree rules: a child's area lies within its parent's
area, and kinds nest group ⊂ branch ⊂ general branch / committee (rules.ALLOWED_PARENTS).
Units, contacts, teams and commitments are in `units.py`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs import rules
from resigrid.orgs.choices import MemberStatus, OrgKind, RegistrationStatus
from resigrid.orgs.models import (
    InServiceRegistration,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Unit,
)
from resigrid.orgs.permissions import can_edit_orgs
from resigrid.people.models import Person


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def clean_text(field: str, value: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise fail(field, _("This field is required."))
    if len(value) > max_length:
        raise fail(field, _("At most %(n)d characters are allowed.") % {"n": max_length})
    return value


def _check_tree(kind: str, area: Area, parent: PartyOrg | None) -> None:
    if kind not in OrgKind.values:
        raise fail("kind", _("Unknown kind of Party organisation: %(kind)s.") % {"kind": kind})
    parent_kind = parent.kind if parent is not None else None
    if not rules.parent_allowed(kind, parent_kind):
        if parent is None:
            raise fail(
                "parent",
                _("A %(kind)s needs a parent organisation.") % {"kind": OrgKind(kind).label},
            )
        raise fail(
            "parent",
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
        )
    if parent is not None and not area.is_within(parent.area):
        raise fail(
            "area",
            _("The area %(area)s is outside the parent organisation's area %(parent)s.")
            % {"area": area.name, "parent": parent.area.name},
        )


def create_party_org(
    *,
    actor: Any,
    kind: str,
    name: str,
    area: Area,
    parent: PartyOrg | None = None,
    secretary: Person | None = None,
) -> PartyOrg:
    if not can_edit_orgs(actor, area):
        raise PermissionDeniedError(_("You may not add Party organisations in this area."))
    name = clean_text("name", name, 100)
    _check_tree(kind, area, parent)
    with transaction.atomic():
        if PartyOrg.objects.filter(parent=parent, name=name).exists():
            raise fail("name", _("An organisation with this name already exists here."))
        return PartyOrg.objects.create(
            kind=kind, name=name, area=area, parent=parent, secretary=secretary
        )


def _descendant_ids(org: PartyOrg) -> set[int]:
    found: set[int] = set()
    frontier = [org.pk]
    while frontier:
        frontier = list(
            PartyOrg.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(frontier)
    return found


def update_party_org(*, actor: Any, org: PartyOrg, changes: dict[str, Any]) -> PartyOrg:
    """Change name, secretary, area or parent; the tree rules are checked for the node and its
    children."""
    unknown = set(changes) - {"name", "secretary", "area", "parent"}
    if unknown:
        raise fail(sorted(unknown)[0], _("This field cannot be changed."))
    if not can_edit_orgs(actor, org.area):
        raise PermissionDeniedError(_("You may not change this Party organisation."))
    with transaction.atomic():
        org = PartyOrg.objects.select_for_update().get(pk=org.pk)
        area = changes.get("area", org.area)
        parent = changes.get("parent", org.parent)
        if area != org.area and not can_edit_orgs(actor, area):
            raise PermissionDeniedError(_("You may not move organisations into this area."))
        if parent is not None and (parent.pk == org.pk or parent.pk in _descendant_ids(org)):
            raise fail("parent", _("An organisation cannot be placed under itself."))
        _check_tree(org.kind, area, parent)
        for child in org.children.select_related("area"):
            if not child.area.is_within(area):
                raise fail(
                    "area",
                    _("The child organisation %(child)s would fall outside the new area.")
                    % {"child": child.name},
                )
        if "name" in changes:
            org.name = clean_text("name", changes["name"], 100)
            clash = PartyOrg.objects.filter(parent=parent, name=org.name).exclude(pk=org.pk)
            if clash.exists():
                raise fail("name", _("An organisation with this name already exists here."))
        org.area, org.parent = area, parent
        if "secretary" in changes:
            org.secretary = changes["secretary"]
        org.save()
        return org


def add_party_member(
    *,
    actor: Any,
    person: Person,
    org: PartyOrg,
    joined: dt.date | None = None,
    status: str = MemberStatus.REGULAR,
    in_service: bool = False,
    employer: Unit | None = None,
) -> PartyMember:
    if not can_edit_orgs(actor, org.area):
        raise PermissionDeniedError(_("You may not add members to this organisation."))
    if status not in MemberStatus.values:
        raise fail("status", _("Unknown membership status: %(s)s.") % {"s": status})
    if joined is not None and joined < person.birth_date:
        raise fail("joined", _("The joining date is before the person's birth date."))
    with transaction.atomic():
        if PartyMember.objects.filter(person=person).exists():
            raise fail("person", _("This person is already registered as a Party member."))
        return PartyMember.objects.create(
            person=person,
            org=org,
            joined=joined,
            status=status,
            in_service=in_service,
            employer=employer,
        )


def update_party_member(*, actor: Any, member: PartyMember, changes: dict[str, Any]) -> PartyMember:
    unknown = set(changes) - {"org", "joined", "status", "in_service", "employer"}
    if unknown:
        raise fail(sorted(unknown)[0], _("This field cannot be changed."))
    if not can_edit_orgs(actor, member.org.area):
        raise PermissionDeniedError(_("You may not change this member."))
    new_org = changes.get("org", member.org)
    if new_org != member.org and not can_edit_orgs(actor, new_org.area):
        raise PermissionDeniedError(_("You may not move members into this organisation."))
    if changes.get("status", member.status) not in MemberStatus.values:
        raise fail("status", _("Unknown membership status: %(s)s.") % {"s": changes["status"]})
    with transaction.atomic():
        for key, value in changes.items():
            setattr(member, key, value)
        member.save()
        return member


def register_in_service(
    *, actor: Any, member: PartyMember, community: Area, registered: dt.date
) -> InServiceRegistration:
    """An in-service member reports to a community (在职党员到社区报到)."""
    if not can_edit_orgs(actor, community):
        raise PermissionDeniedError(_("You may not record registrations for this community."))
    if community.level != Level.COMMUNITY:
        raise fail(
            "community",
            _("Members register to a community, not a %(level)s.")
            % {"level": Level(community.level).label},
        )
    if not member.in_service:
        raise fail("member", _("Only in-service members register to a community."))
    with transaction.atomic():
        active = InServiceRegistration.objects.filter(
            member=member, community=community, status=RegistrationStatus.ACTIVE
        )
        if active.exists():
            raise fail("community", _("This member is already registered to this community."))
        return InServiceRegistration.objects.create(
            member=member, community=community, registered=registered
        )


def end_registration(*, actor: Any, registration: InServiceRegistration) -> None:
    if not can_edit_orgs(actor, registration.community):
        raise PermissionDeniedError(_("You may not change registrations for this community."))
    with transaction.atomic():
        InServiceRegistration.objects.filter(pk=registration.pk).update(
            status=RegistrationStatus.ENDED
        )
        registration.status = RegistrationStatus.ENDED


def record_service(
    *,
    actor: Any,
    member: PartyMember,
    date: dt.date,
    hours: Decimal | float | str,
    activity: str,
    note: str = "",
) -> ServiceRecord:
    """A member's service (in the community they registered to, or in their organisation)."""
    areas = [member.org.area] + [
        r.community for r in member.registrations.filter(status=RegistrationStatus.ACTIVE)
    ]
    if not any(can_edit_orgs(actor, a) for a in areas):
        raise PermissionDeniedError(_("You may not record service for this member."))
    try:
        amount = Decimal(str(hours))
    except InvalidOperation:
        raise fail("hours", _("Give the hours as a number.")) from None
    if not Decimal("0") < amount <= Decimal("24"):
        raise fail("hours", _("The hours must be more than 0 and at most 24."))
    activity = clean_text("activity", activity, 200)
    with transaction.atomic():
        return ServiceRecord.objects.create(
            member=member,
            date=date,
            hours=amount.quantize(Decimal("0.1")),
            activity=activity,
            note=note or "",
            by=actor if getattr(actor, "pk", None) else None,
        )
