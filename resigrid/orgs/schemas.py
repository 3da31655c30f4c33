"""Typed request and response bodies of the orgs API. Contact phones are masked strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from resigrid.orgs.choices import (
    CommitmentKind,
    MemberStatus,
    OrgKind,
    RegistrationStatus,
    Specialty,
    TeamRole,
    UnitKind,
)


class ErrorOut(Schema):
    detail: Any


class PartyOrgIn(Schema):
    kind: OrgKind
    name: str = Field(..., max_length=100)
    area_code: str = Field(..., description="15-digit code of the area the organisation serves")
    parent_id: int | None = None
    secretary_id: int | None = Field(None, description="Person id of the secretary")


class PartyOrgPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    area_code: str | None = None
    parent_id: int | None = None
    secretary_id: int | None = None


class PartyOrgOut(Schema):
    id: int
    kind: OrgKind
    kind_label: str
    name: str
    area_code: str
    area_name: str
    parent_id: int | None
    secretary_id: int | None
    secretary_name: str | None
    members: int
    can_edit: bool


class PartyOrgNode(Schema):
    id: int
    kind: OrgKind
    name: str
    area_code: str
    area_name: str
    secretary_name: str | None
    members: int
    children: list[PartyOrgNode]


class PartyMemberIn(Schema):
    person_id: int
    org_id: int
    joined: dt.date | None = None
    status: MemberStatus = MemberStatus.REGULAR
    in_service: bool = False
    employer_id: int | None = Field(None, description="Unit id of the employer")


class PartyMemberPatchIn(Schema):
    org_id: int | None = None
    joined: dt.date | None = None
    status: MemberStatus | None = None
    in_service: bool | None = None
    employer_id: int | None = None


class RegistrationOut(Schema):
    id: int
    community_code: str
    community_name: str
    registered: dt.date
    status: RegistrationStatus


class PartyMemberOut(Schema):
    id: int
    person_id: int
    name: str
    grid_code: str
    org_id: int
    org_name: str
    joined: dt.date | None
    status: MemberStatus
    in_service: bool
    employer_id: int | None
    employer_name: str | None
    registrations: list[RegistrationOut]
    service_hours: Decimal


class PartyMemberPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PartyMemberOut]


class RegistrationIn(Schema):
    community_code: str
    registered: dt.date


class ServiceRecordIn(Schema):
    date: dt.date
    hours: Decimal = Field(..., gt=0, le=24, decimal_places=1)
    activity: str = Field(..., max_length=200)
    note: str = ""


class ServiceRecordOut(Schema):
    id: int
    date: dt.date
    hours: Decimal
    activity: str
    note: str


class UnitIn(Schema):
    kind: UnitKind
    name: str = Field(..., max_length=120)
    area_code: str
    credit_code: str | None = Field(None, description="GB 32100 unified social credit code")
    specialties: list[Specialty] = []
    scale: int = Field(0, ge=0)
    has_party_org: bool = False
    co_building: bool = False
    co_building_since: dt.date | None = None
    address: str = Field("", max_length=200)
    note: str = ""


class UnitPatchIn(Schema):
    kind: UnitKind | None = None
    name: str | None = Field(None, max_length=120)
    area_code: str | None = None
    credit_code: str | None = None
    specialties: list[Specialty] | None = None
    scale: int | None = Field(None, ge=0)
    has_party_org: bool | None = None
    co_building: bool | None = None
    co_building_since: dt.date | None = None
    address: str | None = Field(None, max_length=200)
    note: str | None = None


class UnitOut(Schema):
    id: int
    kind: UnitKind
    kind_label: str
    name: str
    area_code: str
    area_name: str
    credit_code: str | None
    specialties: list[str]
    scale: int
    has_party_org: bool
    co_building: bool
    co_building_since: dt.date | None
    address: str
    commitments: int
    can_edit: bool


class UnitPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[UnitOut]


class ContactIn(Schema):
    name: str = Field(..., max_length=64)
    role: str = Field("", max_length=64)
    phone: str | None = None


class ContactPatchIn(Schema):
    name: str | None = Field(None, max_length=64)
    role: str | None = Field(None, max_length=64)
    phone: str | None = None


class ContactOut(Schema):
    id: int
    name: str
    role: str
    phone: str = Field(..., description="Masked (138****5678) unless unmasked")
    masked: bool


class CommitmentIn(Schema):
    kind: CommitmentKind
    description: str = Field(..., max_length=200)
    quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    uom: str = Field(..., max_length=16)
    conditions: str = ""
    for_emergency: bool = True
    for_daily: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    contact_id: int | None = None


class CommitmentPatchIn(Schema):
    kind: CommitmentKind | None = None
    description: str | None = Field(None, max_length=200)
    quantity: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    uom: str | None = Field(None, max_length=16)
    conditions: str | None = None
    for_emergency: bool | None = None
    for_daily: bool | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    contact_id: int | None = None


class CommitmentOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    kind: CommitmentKind
    kind_label: str
    description: str
    quantity: Decimal
    uom: str
    conditions: str
    for_emergency: bool
    for_daily: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    contact_id: int | None
    contact_name: str | None


class TeamMemberIn(Schema):
    volunteer_id: int
    role: TeamRole = TeamRole.MEMBER
    joined: dt.date | None = None


class TeamMemberOut(Schema):
    id: int
    volunteer_id: int
    name: str
    role: TeamRole
    joined: dt.date | None


class UnitDetailOut(UnitOut):
    note: str
    contacts: list[ContactOut]
    commitment_list: list[CommitmentOut]
    team_members: list[TeamMemberOut]
    can_unmask: bool
