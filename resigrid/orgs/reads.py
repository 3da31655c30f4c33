"""Reads shared by the orgs API, pages and ledgers: scoped lookups, filters and plain dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.choices import CommitmentKind, OrgKind, Specialty, TeamRole, UnitKind
from resigrid.orgs.models import (
    Commitment,
    PartyMember,
    PartyOrg,
    TeamMembership,
    Unit,
    UnitContact,
)
from resigrid.orgs.permissions import can_edit_orgs, can_unmask_contacts
from resigrid.people.models import Person, Volunteer

PAGE_SIZE = 50
# Highest level first when listing (committee, general branch, branch, group).
KIND_RANK = Case(
    *[When(kind=k, then=Value(i)) for i, k in enumerate(OrgKind.values)],
    default=Value(9),
    output_field=IntegerField(),
)


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def area_for_write(user: Any, code: str, field: str = "area_code") -> Area:
    """The area a write targets: 403 outside the caller's view, 422 when no such code."""
    if not covers(user, code, Perm.VIEW_ORGS):
        raise PermissionDeniedError(_("You may not add or move records here."))
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise fail(field, _("No area has the code %(code)s.") % {"code": code})
    return area


def visible_or_404(qs: QuerySet[Any], pk: int, message: str) -> Any:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(message)
    return obj


def ref(qs: QuerySet[Any], pk: int | None, field: str, message: str) -> Any:
    """A referenced object (parent, person, unit …) that must be visible; 422 otherwise."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise fail(field, message)
    return obj


def person_ref(user: Any, pk: int | None, field: str) -> Person | None:
    return ref(  # type: ignore[no-any-return]
        Person.objects.visible_to(user), pk, field, _("No such resident in your scope.")
    )


def volunteer_ref(user: Any, pk: int, field: str = "volunteer_id") -> Volunteer:
    return ref(  # type: ignore[no-any-return]
        Volunteer.objects.visible_to(user).select_related("person"),
        pk,
        field,
        _("No such volunteer in your scope."),
    )


def page_of(qs: QuerySet[Any], page: int) -> tuple[list[Any], int, int, int]:
    count = qs.count()
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return rows, count, page, pages


# Party organisations ------------------------------------------------------------------------


def orgs_for(user: Any) -> QuerySet[PartyOrg]:
    return (
        PartyOrg.objects.visible_to(user)
        .select_related("area", "secretary")
        .annotate(member_count=Count("members"), rank=KIND_RANK)
        .order_by("area__code", "rank", "name")
    )


def org_out(user: Any, org: PartyOrg) -> dict[str, Any]:
    return {
        "id": org.pk,
        "kind": org.kind,
        "kind_label": str(OrgKind(org.kind).label),
        "name": org.name,
        "area_code": org.area.code,
        "area_name": org.area.name,
        "parent_id": org.parent_id,
        "secretary_id": org.secretary_id,
        "secretary_name": org.secretary.name if org.secretary else None,
        "members": getattr(org, "member_count", None) or org.members.count(),
        "can_edit": can_edit_orgs(user, org.area),
    }


def org_tree(user: Any) -> list[dict[str, Any]]:
    """Visible organisations as nested nodes; a node whose parent is hidden is a root."""
    nodes: dict[int, dict[str, Any]] = {}
    parents: dict[int, int | None] = {}
    for org in orgs_for(user):
        nodes[org.pk] = {
            "id": org.pk,
            "kind": org.kind,
            "kind_label": str(OrgKind(org.kind).label),
            "name": org.name,
            "area_code": org.area.code,
            "area_name": org.area.name,
            "secretary_name": org.secretary.name if org.secretary else None,
            "members": org.member_count,  # type: ignore[attr-defined]
            "children": [],
        }
        parents[org.pk] = org.parent_id
    roots = []
    for pk, node in nodes.items():
        parent = parents[pk]
        if parent is not None and parent in nodes:
            nodes[parent]["children"].append(node)
        else:
            roots.append(node)
    return roots


# Party members ------------------------------------------------------------------------------


def members_for(
    user: Any,
    *,
    org_id: int | None = None,
    in_service: bool | None = None,
    status: str | None = None,
    q: str = "",
) -> QuerySet[PartyMember]:
    qs = PartyMember.objects.visible_to(user).select_related("person__grid", "org", "employer")
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if in_service is not None:
        qs = qs.filter(in_service=in_service)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(person__name__contains=q)
    return qs.annotate(hours=Sum("service_records__hours", default=Decimal("0"))).order_by(
        "org__area__code", "org__name", "person__name", "pk"
    )


def member_out(member: PartyMember) -> dict[str, Any]:
    hours = getattr(member, "hours", None)
    if hours is None:
        hours = member.service_records.aggregate(t=Sum("hours", default=Decimal("0")))["t"]
    return {
        "id": member.pk,
        "person_id": member.person_id,
        "name": member.person.name,
        "grid_code": member.person.grid.code,
        "org_id": member.org_id,
        "org_name": member.org.name,
        "joined": member.joined,
        "status": member.status,
        "in_service": member.in_service,
        "employer_id": member.employer_id,
        "employer_name": member.employer.name if member.employer else None,
        "registrations": [
            {
                "id": r.pk,
                "community_code": r.community.code,
                "community_name": r.community.name,
                "registered": r.registered,
                "status": r.status,
            }
            for r in member.registrations.select_related("community").order_by("registered")
        ],
        "service_hours": Decimal(hours).quantize(Decimal("0.1")),
    }


# Units --------------------------------------------------------------------------------------


def units_for(
    user: Any,
    *,
    kind: str | None = None,
    specialty: str | None = None,
    co_building: bool | None = None,
    area_code: str | None = None,
    q: str = "",
) -> QuerySet[Unit]:
    qs = Unit.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if specialty:
        qs = qs.with_specialty(specialty)
    if co_building is not None:
        qs = qs.filter(co_building=co_building)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        qs = qs.filter(area__code__startswith=area.scope_prefix) if area else qs.none()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    return (
        qs.select_related("area")
        .prefetch_related("specialties")
        .annotate(commitment_count=Count("commitments"))
        .order_by("area__code", "kind", "name", "pk")
    )


def unit_out(user: Any, unit: Unit) -> dict[str, Any]:
    count = getattr(unit, "commitment_count", None)
    return {
        "id": unit.pk,
        "kind": unit.kind,
        "kind_label": str(UnitKind(unit.kind).label),
        "name": unit.name,
        "area_code": unit.area.code,
        "area_name": unit.area.name,
        "credit_code": unit.credit_code,
        "specialties": unit.specialty_values(),
        "scale": unit.scale,
        "has_party_org": unit.has_party_org,
        "co_building": unit.co_building,
        "co_building_since": unit.co_building_since,
        "address": unit.address,
        "commitments": count if count is not None else unit.commitments.count(),
        "can_edit": can_edit_orgs(user, unit.area),
    }


def commitment_out(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "unit_id": c.unit_id,
        "unit_name": c.unit.name,
        "kind": c.kind,
        "kind_label": str(CommitmentKind(c.kind).label),
        "description": c.description,
        "quantity": c.quantity,
        "uom": c.uom,
        "conditions": c.conditions,
        "for_emergency": c.for_emergency,
        "for_daily": c.for_daily,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "contact_id": c.contact_id,
        "contact_name": c.contact.name if c.contact else None,
    }


def team_members(unit: Unit) -> list[dict[str, Any]]:
    rows = TeamMembership.objects.filter(team=unit).select_related("volunteer__person")
    return [
        {
            "id": m.pk,
            "volunteer_id": m.volunteer_id,
            "name": m.volunteer.person.name,
            "role": m.role,
            "role_label": str(TeamRole(m.role).label),
            "joined": m.joined,
        }
        for m in rows.order_by("role", "pk")
    ]


def unit_detail(user: Any, unit: Unit, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    commitments = unit.commitments.select_related("unit", "contact").order_by("kind", "pk")
    return {
        **unit_out(user, unit),
        "note": unit.note,
        "specialty_labels": [str(Specialty(s).label) for s in unit.specialty_values()],
        "contacts": contacts,
        "commitment_list": [commitment_out(c) for c in commitments],
        "team_members": team_members(unit),
        "can_unmask": can_unmask_contacts(user, unit.area),
    }


def contact_or_404(user: Any, pk: int) -> UnitContact:
    return visible_or_404(  # type: ignore[no-any-return]
        UnitContact.objects.visible_to(user).select_related("unit__area"),
        pk,
        _("No such contact."),
    )
