"""Volunteer routes of the people API: registry, skills, certificates, service hours."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.people import reads, rules
from resigrid.people import volunteers as services
from resigrid.people.api import _ERRORS, _user, router
from resigrid.people.choices import Skill
from resigrid.people.models import Person, Volunteer, VolunteerCertificate
from resigrid.people.schemas import (
    CertificateIn,
    CertificateOut,
    ErrorOut,
    ServiceIn,
    ServiceOut,
    VolunteerIn,
    VolunteerOut,
    VolunteerPageOut,
    VolunteerPatchIn,
)


def _certificate_row(c: VolunteerCertificate) -> dict[str, Any]:
    return {
        "id": c.pk,
        "volunteer_id": c.volunteer_id,
        "skill": c.skill,
        "name": c.name,
        "number": c.number,
        "issued": c.issued,
        "expires": c.expires,
    }


def volunteer_row(v: Volunteer) -> dict[str, Any]:
    return {
        "id": v.pk,
        "person_id": v.person_id,
        "name": v.person.name,
        "grid_code": v.person.grid.code,
        "phone": reads.masked_phone(v.person.phone_enc),
        "skills": sorted(s.skill for s in v.skills.all()),
        "availability": v.availability,
        "availability_matrix": rules.availability_matrix(v.availability),
        "home_lon": v.home_lon,
        "home_lat": v.home_lat,
        "service_hours": v.service_hours,
        "points": v.points,
        "active": v.active,
        "certificates": [_certificate_row(c) for c in v.certificates.all()],
    }


def _volunteers(request: HttpRequest) -> Any:
    return (
        Volunteer.objects.visible_to(_user(request))
        .select_related("person__grid")
        .prefetch_related("skills", "certificates")
    )


def _volunteer(request: HttpRequest, pk: int) -> Volunteer:
    v = _volunteers(request).filter(pk=pk).first()
    if v is None:
        raise NotFoundError(_("No such volunteer."))
    return v  # type: ignore[no-any-return]


@router.get("/volunteers", response=VolunteerPageOut, summary="Volunteers (50 per page)")
def volunteers(
    request: HttpRequest,
    grid: str | None = None,
    skill: Skill | None = None,
    active: bool | None = None,
    free_mask: int | None = Query(  # type: ignore[type-arg]
        None, ge=1, le=2**21 - 1, description="Free in every slot of these availability bits"
    ),
    page: int = Query(1, ge=1),  # type: ignore[type-arg]
) -> dict[str, Any]:
    qs = _volunteers(request)
    if grid:
        qs = qs.filter(person__grid__code=grid)
    if skill:
        qs = qs.with_skill(skill)
    if active is not None:
        qs = qs.filter(active=active)
    if free_mask is not None:
        qs = qs.free_at(free_mask)
    rows, total = reads.page_of(qs.order_by("pk"), page)
    return {
        "count": total,
        "page": page,
        "page_size": reads.PAGE_SIZE,
        "results": [volunteer_row(v) for v in rows],
    }


@router.post("/volunteers", response={201: VolunteerOut, **_ERRORS}, summary="Register a volunteer")
def register(request: HttpRequest, payload: VolunteerIn) -> Status[dict[str, Any]]:
    person = (
        Person.objects.visible_to(_user(request))
        .select_related("grid", "building")
        .filter(pk=payload.person_id)
        .first()
    )
    if person is None:
        message = _("No such resident in your scope.")
        raise ValidationFailed(message, field="person_id", errors={"person_id": [message]})
    v = services.register_volunteer(
        actor=_user(request),
        person=person,
        skills=payload.skills,
        availability=payload.availability,
        home_lon=payload.home_lon,
        home_lat=payload.home_lat,
    )
    return Status(201, volunteer_row(_volunteer(request, v.pk)))


@router.get(
    "/volunteers/certificates/expiring",
    response=list[CertificateOut],
    summary="Certificates that expire within `days` days (default 30)",
)
def expiring(
    request: HttpRequest,
    days: int = Query(30, ge=0, le=366),  # type: ignore[type-arg]
) -> list[dict[str, Any]]:
    qs = VolunteerCertificate.objects.visible_to(_user(request)).expiring(reads.today(), days)
    return [_certificate_row(c) for c in qs.order_by("expires", "pk")[:500]]


@router.get("/volunteers/{pk}", response={200: VolunteerOut, 404: ErrorOut})
def volunteer(request: HttpRequest, pk: int) -> dict[str, Any]:
    return volunteer_row(_volunteer(request, pk))


@router.patch("/volunteers/{pk}", response={200: VolunteerOut, **_ERRORS})
def patch_volunteer(request: HttpRequest, pk: int, payload: VolunteerPatchIn) -> dict[str, Any]:
    v = _volunteer(request, pk)
    given = payload.model_dump(exclude_unset=True)
    services.update_volunteer(actor=_user(request), volunteer=v, **given)
    return volunteer_row(_volunteer(request, pk))


@router.post("/volunteers/{pk}/certificates", response={201: CertificateOut, **_ERRORS})
def add_certificate(
    request: HttpRequest, pk: int, payload: CertificateIn
) -> Status[dict[str, Any]]:
    v = _volunteer(request, pk)
    c = services.add_certificate(actor=_user(request), volunteer=v, **payload.model_dump())
    return Status(201, _certificate_row(c))


@router.post(
    "/volunteers/{pk}/services",
    response={201: ServiceOut, **_ERRORS},
    summary="Record service hours and points (totals bumped atomically)",
)
def record_service(request: HttpRequest, pk: int, payload: ServiceIn) -> Status[dict[str, Any]]:
    v = _volunteer(request, pk)
    row = services.record_service(
        actor=_user(request),
        volunteer=v,
        hours=payload.hours,
        points=payload.points,
        note=payload.note,
    )
    v.refresh_from_db(fields=["service_hours", "points"])
    return Status(
        201,
        {
            "id": row.pk,
            "volunteer_id": v.pk,
            "hours": row.hours,
            "points": row.points,
            "note": row.note,
            "service_hours": v.service_hours,
            "total_points": v.points,
        },
    )
