"""Typed request and response bodies of the people API. Identity fields are masked strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from resigrid.people.choices import (
    ContactOutcome,
    ContactWay,
    DisabilityCategory,
    Need,
    Skill,
    Tag,
)

Sex = Literal["M", "F"]
ResidenceType = Literal["registered", "resident", "floating"]
CarerKind = Literal["grid_worker", "volunteer", "neighbour", "relative", "other"]


class ErrorOut(Schema):
    detail: Any


class HouseholdIn(Schema):
    grid_code: str = Field(..., description="15-digit code of the grid")
    building_id: int | None = None
    room: str = Field("", max_length=32)


class HouseholdPatchIn(Schema):
    building_id: int | None = None
    room: str = Field("", max_length=32)


class HouseholdOut(Schema):
    id: int
    grid_code: str
    grid_name: str
    building_id: int | None
    building_name: str | None
    room: str
    members: int


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    grid_code: str
    grid_name: str
    household_id: int
    building_id: int | None
    building_name: str | None
    room: str
    is_head: bool
    id_number: str | None = Field(..., description="Masked, e.g. 330106********1234")
    phone: str | None = Field(..., description="Masked, e.g. 139****5678")
    residence_type: str
    ethnicity: str
    moved_in: dt.date | None
    moved_out: dt.date | None
    notes: str
    purged: bool
    volunteer_id: int | None
    tags: list[str] | None = Field(
        ..., description="null when the caller may not see vulnerability in this grid"
    )
    can_unmask: bool
    can_edit: bool
    can_see_vulnerable: bool


class HouseholdDetailOut(HouseholdOut):
    persons: list[PersonOut]


class PageOut(Schema):
    count: int
    page: int
    page_size: int


class PersonPageOut(PageOut):
    results: list[PersonOut]


class HouseholdPageOut(PageOut):
    results: list[HouseholdOut]


class PersonIn(Schema):
    household_id: int
    name: str = Field(..., max_length=64)
    sex: Sex | None = Field(None, description="Taken from the ID number when omitted")
    birth_date: dt.date | None = Field(None, description="Taken from the ID number when omitted")
    is_head: bool = False
    id_number: str | None = Field(None, description="18 characters, GB 11643 check digit")
    phone: str | None = None
    residence_type: ResidenceType = "registered"
    building_id: int | None = Field(None, description="Defaults to the household's building")
    ethnicity: str = Field("", max_length=16)
    moved_in: dt.date | None = None
    moved_out: dt.date | None = None
    notes: str = ""


class PersonPatchIn(Schema):
    """Only the fields sent change; send id_number or phone as null to clear them."""

    household_id: int | None = None
    name: str | None = Field(None, max_length=64)
    sex: Sex | None = None
    birth_date: dt.date | None = None
    is_head: bool | None = None
    id_number: str | None = None
    phone: str | None = None
    residence_type: ResidenceType | None = None
    building_id: int | None = None
    ethnicity: str | None = Field(None, max_length=16)
    moved_in: dt.date | None = None
    moved_out: dt.date | None = None
    notes: str | None = None


class UnmaskedOut(Schema):
    id: int
    id_number: str | None
    phone: str | None


class TagIn(Schema):
    tag: Tag
    disability_category: DisabilityCategory | Literal[""] = ""
    disability_grade: int | None = Field(None, ge=1, le=4)
    since: dt.date | None = None


class NeedIn(Schema):
    need: Need
    detail: str = Field("", max_length=500, description="Free text, encrypted at rest")


class VulnerabilityIn(Schema):
    tags: list[TagIn] = []
    needs: list[NeedIn] = []
    health_notes: str = Field("", max_length=2000, description="Encrypted at rest")


class VulnerabilityOut(Schema):
    person_id: int
    tags: list[TagIn]
    needs: list[NeedIn]
    health_notes: str


class CarerIn(Schema):
    kind: CarerKind
    name: str = Field("", max_length=64, description="Defaults to the linked user or resident")
    phone: str | None = None
    user_id: int | None = None
    carer_person_id: int | None = None


class CarerPatchIn(Schema):
    active: bool


class CarerOut(Schema):
    id: int
    person_id: int
    kind: str
    name: str
    phone: str | None
    user_id: int | None
    carer_person_id: int | None
    active: bool


class ContactIn(Schema):
    date: dt.date
    way: ContactWay
    outcome: ContactOutcome
    note: str = Field("", max_length=2000)
    carer_id: int | None = None


class ContactOut(Schema):
    id: int
    person_id: int
    carer_id: int | None
    date: dt.date
    way: str
    outcome: str
    note: str
    by: str | None


class GridCountOut(Schema):
    grid_code: str
    grid_name: str
    vulnerable: int
    without_carer: int
    by_tag: dict[str, int]


class VolunteerIn(Schema):
    person_id: int
    skills: list[Skill] = []
    availability: int = Field(
        0, ge=0, le=2**21 - 1, description="21 bits: bit weekday*3+slot (Mon=0; morning=0)"
    )
    home_lon: float | None = Field(None, ge=-180, le=180, description="WGS84")
    home_lat: float | None = Field(None, ge=-90, le=90)


class VolunteerPatchIn(Schema):
    skills: list[Skill] | None = None
    availability: int | None = Field(None, ge=0, le=2**21 - 1)
    home_lon: float | None = Field(None, ge=-180, le=180)
    home_lat: float | None = Field(None, ge=-90, le=90)
    active: bool | None = None


class CertificateIn(Schema):
    skill: Skill
    name: str = Field(..., max_length=100)
    number: str = Field("", max_length=64)
    issued: dt.date | None = None
    expires: dt.date | None = None


class CertificateOut(Schema):
    id: int
    volunteer_id: int
    skill: str
    name: str
    number: str
    issued: dt.date | None
    expires: dt.date | None


class VolunteerOut(Schema):
    id: int
    person_id: int
    name: str
    grid_code: str
    phone: str | None
    skills: list[str]
    availability: int
    availability_matrix: list[list[bool]] = Field(
        ..., description="7 weekdays (Mon first) × morning, afternoon, evening"
    )
    home_lon: float | None
    home_lat: float | None
    service_hours: Decimal
    points: int
    active: bool
    certificates: list[CertificateOut]


class VolunteerPageOut(PageOut):
    results: list[VolunteerOut]


class ServiceIn(Schema):
    hours: Decimal = Field(..., gt=0, le=24, decimal_places=1)
    points: int = Field(0, ge=0, le=1000)
    note: str = Field("", max_length=200)


class ServiceOut(Schema):
    id: int
    volunteer_id: int
    hours: Decimal
    points: int
    note: str
    service_hours: Decimal = Field(..., description="The volunteer's new total")
    total_points: int
