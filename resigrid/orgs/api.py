"""Orgs API: Party organisations and members, units, contacts, teams and commitments.

Thin: parse → `visible_to` → service → schema. Records outside the caller's scope answer 404;
writes without the right answer 403; bad input 422 naming the field. Contact phones are masked;
`GET /units/{id}/contacts?unmask=true` is the logged "show" action.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.core.errors import NotFoundError
from resigrid.orgs import reads, services, units
from resigrid.orgs.choices import CommitmentKind, MemberStatus, Specialty, UnitKind
from resigrid.orgs.models import Commitment, PartyMember, PartyOrg, TeamMembership, Unit
from resigrid.orgs.reads import area_for_write, ref, visible_or_404
from resigrid.orgs.schemas import (
    CommitmentIn,
    CommitmentOut,
    CommitmentPatchIn,
    ContactIn,
    ContactOut,
    ContactPatchIn,
    ErrorOut,
    PartyMemberIn,
    PartyMemberOut,
    PartyMemberPageOut,
    PartyMemberPatchIn,
    PartyOrgIn,
    PartyOrgNode,
    PartyOrgOut,
    PartyOrgPatchIn,
    RegistrationIn,
    RegistrationOut,
    ServiceRecordIn,
    ServiceRecordOut,
    TeamMemberIn,
    TeamMemberOut,
    UnitDetailOut,
    UnitIn,
    UnitPageOut,
    UnitPatchIn,
)

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _org(request: HttpRequest, pk: int) -> PartyOrg:
    return visible_or_404(  # type: ignore[no-any-return]
        reads.orgs_for(_user(request)), pk, _("No such Party organisation.")
    )


def _org_ref(request: HttpRequest, pk: int | None, field: str) -> PartyOrg | None:
    return ref(  # type: ignore[no-any-return]
        PartyOrg.objects.visible_to(_user(request)).select_related("area"),
        pk,
        field,
        _("No such Party organisation in your scope."),
    )


def _member(request: HttpRequest, pk: int) -> PartyMember:
    return visible_or_404(  # type: ignore[no-any-return]
        reads.members_for(_user(request)), pk, _("No such Party member.")
    )


def _unit(request: HttpRequest, pk: int) -> Unit:
    return visible_or_404(  # type: ignore[no-any-return]
        Unit.objects.visible_to(_user(request)).select_related("area"), pk, _("No such unit.")
    )


def _unit_ref(request: HttpRequest, pk: int | None, field: str) -> Unit | None:
    return ref(  # type: ignore[no-any-return]
        Unit.objects.visible_to(_user(request)), pk, field, _("No such unit in your scope.")
    )


# Party organisations ------------------------------------------------------------------------


@router.get("/party-orgs", response=list[PartyOrgOut], summary="Visible Party organisations")
def list_orgs(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    return [reads.org_out(user, o) for o in reads.orgs_for(user)]


@router.get("/party-orgs/tree", response=list[PartyOrgNode], summary="The organisation tree")
def org_tree(request: HttpRequest) -> list[dict[str, Any]]:
    return reads.org_tree(_user(request))


@router.post("/party-orgs", response={201: PartyOrgOut, **_ERRORS}, summary="Add an organisation")
def create_org(request: HttpRequest, payload: PartyOrgIn) -> Status[dict[str, Any]]:
    user = _user(request)
    area = area_for_write(user, payload.area_code)
    org = services.create_party_org(
        actor=user,
        kind=payload.kind,
        name=payload.name,
        area=area,
        parent=_org_ref(request, payload.parent_id, "parent_id"),
        secretary=reads.person_ref(user, payload.secretary_id, "secretary_id"),
    )
    return Status(201, reads.org_out(user, _org(request, org.pk)))


@router.get("/party-orgs/{org_id}", response={200: PartyOrgOut, 404: ErrorOut})
def get_org(request: HttpRequest, org_id: int) -> dict[str, Any]:
    return reads.org_out(_user(request), _org(request, org_id))


@router.patch("/party-orgs/{org_id}", response={200: PartyOrgOut, **_ERRORS})
def patch_org(request: HttpRequest, org_id: int, payload: PartyOrgPatchIn) -> dict[str, Any]:
    user = _user(request)
    org = _org(request, org_id)
    given = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if "name" in given:
        changes["name"] = given["name"] or ""
    if "area_code" in given:
        changes["area"] = area_for_write(user, given["area_code"] or "")
    if "parent_id" in given:
        changes["parent"] = _org_ref(request, given["parent_id"], "parent_id")
    if "secretary_id" in given:
        changes["secretary"] = reads.person_ref(user, given["secretary_id"], "secretary_id")
    services.update_party_org(actor=user, org=org, changes=changes)
    return reads.org_out(user, _org(request, org_id))


# Party members ------------------------------------------------------------------------------


@router.get("/party-members", response=PartyMemberPageOut, summary="Party members (50 per page)")
def list_members(
    request: HttpRequest,
    org_id: int | None = None,
    in_service: bool | None = None,
    status: MemberStatus | None = None,
    q: str = "",
    page: int = 1,
) -> dict[str, Any]:
    qs = reads.members_for(_user(request), org_id=org_id, in_service=in_service, status=status, q=q)
    rows, count, page, pages = reads.page_of(qs, page)
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "results": [reads.member_out(m) for m in rows],
    }


@router.post("/party-members", response={201: PartyMemberOut, **_ERRORS})
def create_member(request: HttpRequest, payload: PartyMemberIn) -> Status[dict[str, Any]]:
    user = _user(request)
    org = _org_ref(request, payload.org_id, "org_id")
    person = reads.person_ref(user, payload.person_id, "person_id")
    if org is None or person is None:  # both ids are required by the schema
        raise reads.fail("org_id", _("No such Party organisation in your scope."))
    member = services.add_party_member(
        actor=user,
        person=person,
        org=org,
        joined=payload.joined,
        status=payload.status,
        in_service=payload.in_service,
        employer=_unit_ref(request, payload.employer_id, "employer_id"),
    )
    return Status(201, reads.member_out(_member(request, member.pk)))


@router.get("/party-members/{member_id}", response={200: PartyMemberOut, 404: ErrorOut})
def get_member(request: HttpRequest, member_id: int) -> dict[str, Any]:
    return reads.member_out(_member(request, member_id))


@router.patch("/party-members/{member_id}", response={200: PartyMemberOut, **_ERRORS})
def patch_member(
    request: HttpRequest, member_id: int, payload: PartyMemberPatchIn
) -> dict[str, Any]:
    member = _member(request, member_id)
    given = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {
        k: given[k] for k in ("joined", "status", "in_service") if k in given
    }
    if "org_id" in given:
        changes["org"] = _org_ref(request, given["org_id"], "org_id") or member.org
    if "employer_id" in given:
        changes["employer"] = _unit_ref(request, given["employer_id"], "employer_id")
    services.update_party_member(actor=_user(request), member=member, changes=changes)
    return reads.member_out(_member(request, member_id))


@router.post(
    "/party-members/{member_id}/registrations",
    response={201: RegistrationOut, **_ERRORS},
    summary="Register an in-service member to a community (在职党员到社区报到)",
)
def register(
    request: HttpRequest, member_id: int, payload: RegistrationIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    member = _member(request, member_id)
    community = area_for_write(user, payload.community_code, "community_code")
    reg = services.register_in_service(
        actor=user, member=member, community=community, registered=payload.registered
    )
    return Status(
        201,
        {
            "id": reg.pk,
            "community_code": community.code,
            "community_name": community.name,
            "registered": reg.registered,
            "status": reg.status,
        },
    )


@router.get("/party-members/{member_id}/service-records", response=list[ServiceRecordOut])
def list_service(request: HttpRequest, member_id: int) -> list[Any]:
    return list(_member(request, member_id).service_records.order_by("-date", "-id"))


@router.post(
    "/party-members/{member_id}/service-records", response={201: ServiceRecordOut, **_ERRORS}
)
def add_service(request: HttpRequest, member_id: int, payload: ServiceRecordIn) -> Status[Any]:
    record = services.record_service(
        actor=_user(request),
        member=_member(request, member_id),
        date=payload.date,
        hours=payload.hours,
        activity=payload.activity,
        note=payload.note,
    )
    return Status(201, record)


# Units --------------------------------------------------------------------------------------


@router.get("/units", response=UnitPageOut, summary="Units (50 per page)")
def list_units(
    request: HttpRequest,
    kind: UnitKind | None = None,
    specialty: Specialty | None = None,
    co_building: bool | None = None,
    area_code: str | None = None,
    q: str = "",
    page: int = 1,
) -> dict[str, Any]:
    user = _user(request)
    qs = reads.units_for(
        user, kind=kind, specialty=specialty, co_building=co_building, area_code=area_code, q=q
    )
    rows, count, page, pages = reads.page_of(qs, page)
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "results": [reads.unit_out(user, u) for u in rows],
    }


@router.post("/units", response={201: UnitDetailOut, **_ERRORS}, summary="Add a unit")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[dict[str, Any]]:
    user = _user(request)
    data = payload.model_dump()
    area = area_for_write(user, data.pop("area_code"))
    unit = units.create_unit(actor=user, area=area, **data)
    return Status(201, _detail(request, unit.pk))


def _detail(request: HttpRequest, pk: int, unmask: bool = False) -> dict[str, Any]:
    user = _user(request)
    unit = _unit(request, pk)
    contacts = units.contact_rows(actor=user, unit=unit, unmask=unmask, request=request)
    return reads.unit_detail(user, unit, contacts)


@router.get("/units/{unit_id}", response={200: UnitDetailOut, 404: ErrorOut})
def get_unit(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    return _detail(request, unit_id)


@router.patch("/units/{unit_id}", response={200: UnitDetailOut, **_ERRORS})
def patch_unit(request: HttpRequest, unit_id: int, payload: UnitPatchIn) -> dict[str, Any]:
    user = _user(request)
    unit = _unit(request, unit_id)
    changes = payload.model_dump(exclude_unset=True)
    if "area_code" in changes:
        changes["area"] = area_for_write(user, changes.pop("area_code") or "")
    units.update_unit(actor=user, unit=unit, changes=changes)
    return _detail(request, unit_id)


@router.get(
    "/units/{unit_id}/contacts",
    response={200: list[ContactOut], 403: ErrorOut, 404: ErrorOut},
    summary="A unit's contacts; unmask=true shows full phones (needs the right; logged)",
)
def list_contacts(request: HttpRequest, unit_id: int, unmask: bool = False) -> list[Any]:
    unit = _unit(request, unit_id)
    return units.contact_rows(actor=_user(request), unit=unit, unmask=unmask, request=request)


@router.post("/units/{unit_id}/contacts", response={201: ContactOut, **_ERRORS})
def add_contact(request: HttpRequest, unit_id: int, payload: ContactIn) -> Status[Any]:
    user = _user(request)
    unit = _unit(request, unit_id)
    contact = units.add_contact(actor=user, unit=unit, **payload.model_dump())
    rows = units.contact_rows(actor=user, unit=unit)
    return Status(201, next(r for r in rows if r["id"] == contact.pk))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **_ERRORS})
def patch_contact(request: HttpRequest, contact_id: int, payload: ContactPatchIn) -> Any:
    user = _user(request)
    contact = reads.contact_or_404(user, contact_id)
    units.update_contact(
        actor=user, contact=contact, changes=payload.model_dump(exclude_unset=True)
    )
    rows = units.contact_rows(actor=user, unit=contact.unit)
    return next(r for r in rows if r["id"] == contact.pk)


@router.delete("/contacts/{contact_id}", response={204: None, **_ERRORS})
def delete_contact(request: HttpRequest, contact_id: int) -> Status[None]:
    user = _user(request)
    units.remove_contact(actor=user, contact=reads.contact_or_404(user, contact_id))
    return Status(204, None)


@router.post("/units/{unit_id}/members", response={201: TeamMemberOut, **_ERRORS})
def add_team_member(request: HttpRequest, unit_id: int, payload: TeamMemberIn) -> Status[Any]:
    user = _user(request)
    team = _unit(request, unit_id)
    volunteer = reads.volunteer_ref(user, payload.volunteer_id)
    m = units.add_team_member(
        actor=user, team=team, volunteer=volunteer, role=payload.role, joined=payload.joined
    )
    row = {"id": m.pk, "volunteer_id": volunteer.pk, "name": volunteer.person.name}
    return Status(201, row | {"role": m.role, "joined": m.joined})


@router.delete("/units/{unit_id}/members/{volunteer_id}", response={204: None, **_ERRORS})
def remove_team_member(request: HttpRequest, unit_id: int, volunteer_id: int) -> Status[None]:
    team = _unit(request, unit_id)
    membership = TeamMembership.objects.filter(team=team, volunteer_id=volunteer_id).first()
    if membership is None:
        raise NotFoundError(_("No such team member."))
    units.remove_team_member(actor=_user(request), membership=membership)
    return Status(204, None)


# Commitments --------------------------------------------------------------------------------


@router.get("/commitments", response=list[CommitmentOut], summary="Resource lists (资源清单)")
def list_commitments(
    request: HttpRequest,
    kind: CommitmentKind | None = None,
    for_emergency: bool | None = None,
    unit_id: int | None = None,
) -> list[dict[str, Any]]:
    qs = Commitment.objects.visible_to(_user(request)).select_related("unit", "contact")
    if kind:
        qs = qs.filter(kind=kind)
    if for_emergency is not None:
        qs = qs.filter(for_emergency=for_emergency)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return [reads.commitment_out(c) for c in qs.order_by("unit__name", "kind", "pk")[:1000]]


def _contact_ref(request: HttpRequest, unit: Unit, pk: int | None) -> Any:
    if pk is None:
        return None
    contact = unit.contacts.filter(pk=pk).first()
    if contact is None:
        raise reads.fail("contact_id", _("The contact must be one of this unit's contacts."))
    return contact


@router.post("/units/{unit_id}/commitments", response={201: CommitmentOut, **_ERRORS})
def add_commitment(request: HttpRequest, unit_id: int, payload: CommitmentIn) -> Status[Any]:
    unit = _unit(request, unit_id)
    data = payload.model_dump()
    data["contact"] = _contact_ref(request, unit, data.pop("contact_id"))
    c = units.add_commitment(actor=_user(request), unit=unit, **data)
    return Status(201, reads.commitment_out(c))


def _commitment(request: HttpRequest, pk: int) -> Commitment:
    return visible_or_404(  # type: ignore[no-any-return]
        Commitment.objects.visible_to(_user(request)).select_related("unit__area", "contact"),
        pk,
        _("No such commitment."),
    )


@router.patch("/commitments/{commitment_id}", response={200: CommitmentOut, **_ERRORS})
def patch_commitment(
    request: HttpRequest, commitment_id: int, payload: CommitmentPatchIn
) -> dict[str, Any]:
    c = _commitment(request, commitment_id)
    changes = payload.model_dump(exclude_unset=True)
    if "contact_id" in changes:
        changes["contact"] = _contact_ref(request, c.unit, changes.pop("contact_id"))
    units.update_commitment(actor=_user(request), commitment=c, changes=changes)
    return reads.commitment_out(_commitment(request, commitment_id))


@router.delete("/commitments/{commitment_id}", response={204: None, **_ERRORS})
def delete_commitment(request: HttpRequest, commitment_id: int) -> Status[None]:
    units.remove_commitment(actor=_user(request), commitment=_commitment(request, commitment_id))
    return Status(204, None)
