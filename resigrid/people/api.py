"""People API: households, residents, vulnerability, carers, contact log, per-grid counts.

Thin: parse → `visible_to` → service or read → schema. Residents outside the caller's scope
answer 404; writes inside the scope without the right answer 403; bad input 422 naming the field.
Identity fields are always masked; `GET /persons/{id}/unmasked` is the logged "show" action.
Volunteers live in api_volunteers.py (mounted on this router).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.roles import Perm
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.geojson import grids_feature_collection
from resigrid.areas.models import Area, Building
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.people import care, reads, services
from resigrid.people.choices import Skill, Tag
from resigrid.people.models import Carer, ContactLog, Household, Person
from resigrid.people.permissions import can_view_vulnerable
from resigrid.people.schemas import (
    CarerIn,
    CarerOut,
    CarerPatchIn,
    ContactIn,
    ContactOut,
    ErrorOut,
    GridCountOut,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdPageOut,
    HouseholdPatchIn,
    PersonIn,
    PersonOut,
    PersonPageOut,
    PersonPatchIn,
    ResidenceType,
    UnmaskedOut,
    VulnerabilityIn,
    VulnerabilityOut,
)

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _person(request: HttpRequest, pk: int) -> Person:
    person = reads.with_row_data(Person.objects.visible_to(_user(request))).filter(pk=pk).first()
    if person is None:
        raise NotFoundError(_("No such resident."))
    return person


def _vulnerable_person(request: HttpRequest, pk: int) -> Person:
    person = _person(request, pk)
    if not can_view_vulnerable(_user(request), person.grid):
        raise PermissionDeniedError(_("You see counts of vulnerable people here, not names."))
    return person


def _household(request: HttpRequest, pk: int) -> Household:
    household = (
        Household.objects.visible_to(_user(request))
        .select_related("grid", "building")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise NotFoundError(_("No such household."))
    return household


def _building(request: HttpRequest, pk: int | None) -> Building | None:
    if pk is None:
        return None
    building = Building.objects.visible_to(_user(request)).filter(pk=pk).first()
    if building is None:
        raise _fail("building_id", _("No such building."))
    return building


def _household_row(h: Household, members: int) -> dict[str, Any]:
    return {
        "id": h.pk,
        "grid_code": h.grid.code,
        "grid_name": h.grid.name,
        "building_id": h.building_id,
        "building_name": h.building.name if h.building else None,
        "room": h.room,
        "members": members,
    }


# Households -------------------------------------------------------------------------------------


@router.get("/households", response=HouseholdPageOut, summary="Households (50 per page)")
def households(
    request: HttpRequest, grid: str | None = None, building: int | None = None, page: int = 1
) -> dict[str, Any]:
    qs = Household.objects.visible_to(_user(request)).select_related("grid", "building")
    if grid:
        qs = qs.filter(grid__code=grid)
    if building is not None:
        qs = qs.filter(building_id=building)
    rows, total = reads.page_of(qs.order_by("pk"), page)
    counts = dict(
        Person.objects.filter(household__in=[h.pk for h in rows])
        .values_list("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    return {
        "count": total,
        "page": page,
        "page_size": reads.PAGE_SIZE,
        "results": [_household_row(h, counts.get(h.pk, 0)) for h in rows],
    }


def _household_detail(request: HttpRequest, household: Household) -> dict[str, Any]:
    members = reads.with_row_data(
        Person.objects.filter(household=household).order_by("-is_head", "birth_date", "pk")
    )
    rows = reads.person_rows(_user(request), members)
    return {**_household_row(household, len(rows)), "persons": rows}


@router.post("/households", response={201: HouseholdDetailOut, **_ERRORS})
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[dict[str, Any]]:
    grid = (
        Area.objects.visible_to(_user(request), Perm.VIEW_PEOPLE)
        .filter(code=payload.grid_code)
        .first()
    )
    if grid is None:
        raise _fail("grid_code", _("No grid has this code in your scope."))
    household = services.create_household(
        actor=_user(request),
        grid=grid,
        building=_building(request, payload.building_id),
        room=payload.room,
    )
    return Status(201, _household_detail(request, _household(request, household.pk)))


@router.get("/households/{pk}", response={200: HouseholdDetailOut, 404: ErrorOut})
def household(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _household_detail(request, _household(request, pk))


@router.patch("/households/{pk}", response={200: HouseholdDetailOut, **_ERRORS})
def patch_household(request: HttpRequest, pk: int, payload: HouseholdPatchIn) -> dict[str, Any]:
    h = _household(request, pk)
    services.update_household(
        actor=_user(request),
        household=h,
        building=_building(request, payload.building_id),
        room=payload.room,
    )
    return _household_detail(request, _household(request, pk))


# Persons ----------------------------------------------------------------------------------------


@router.get(
    "/persons",
    response={200: PersonPageOut, 422: ErrorOut},
    summary="Residents (50 per page); ID number and phone are exact searches via a keyed hash",
    description=(
        "Filtering by tag or has_carer only returns people in grids where the caller may see "
        "vulnerability. Ages are counted on today's date in Asia/Shanghai."
    ),
)
def persons(
    request: HttpRequest,
    grid: str | None = None,
    building: int | None = None,
    household: int | None = None,
    tag: Tag | None = None,
    min_age: int | None = Query(None, ge=0, le=150),  # type: ignore[type-arg]
    max_age: int | None = Query(None, ge=0, le=150),  # type: ignore[type-arg]
    residence_type: ResidenceType | None = None,
    has_carer: bool | None = None,
    skill: Skill | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    page: int = Query(1, ge=1),  # type: ignore[type-arg]
) -> dict[str, Any]:
    if min_age is not None and max_age is not None and min_age > max_age:
        raise _fail("min_age", _("The lowest age is above the highest age."))
    filters = reads.PersonFilters(
        grid=grid,
        building=building,
        household=household,
        tag=tag,
        min_age=min_age,
        max_age=max_age,
        residence_type=residence_type,
        has_carer=has_carer,
        skill=skill,
        id_number=id_number,
        phone=phone,
        name=name,
    )
    qs = reads.with_row_data(reads.filter_persons(_user(request), filters)).order_by("pk")
    rows, total = reads.page_of(qs, page)
    return {
        "count": total,
        "page": page,
        "page_size": reads.PAGE_SIZE,
        "results": reads.person_rows(_user(request), rows),
    }


def _person_data(request: HttpRequest, given: dict[str, Any]) -> dict[str, Any]:
    data = dict(given)
    if "building_id" in data:
        data["building"] = _building(request, data.pop("building_id"))
    if "household_id" in data:
        hid = data.pop("household_id")
        if hid is not None:
            hh = Household.objects.visible_to(_user(request)).filter(pk=hid).first()
            if hh is None:
                raise _fail("household_id", _("No such household."))
            data["household"] = hh
    return data


@router.post("/persons", response={201: PersonOut, **_ERRORS}, summary="Add a resident")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    data = _person_data(request, payload.model_dump(exclude_unset=True))
    household = data.pop("household")
    person = services.create_person(actor=_user(request), household=household, data=data)
    return Status(201, reads.person_rows(_user(request), [_person(request, person.pk)])[0])


@router.get("/persons/{pk}", response={200: PersonOut, 404: ErrorOut})
def person(request: HttpRequest, pk: int) -> dict[str, Any]:
    return reads.person_rows(_user(request), [_person(request, pk)])[0]


@router.patch("/persons/{pk}", response={200: PersonOut, **_ERRORS})
def patch_person(request: HttpRequest, pk: int, payload: PersonPatchIn) -> dict[str, Any]:
    p = _person(request, pk)
    changes = _person_data(request, payload.model_dump(exclude_unset=True))
    services.update_person(actor=_user(request), person=p, changes=changes)
    return reads.person_rows(_user(request), [_person(request, pk)])[0]


@router.get(
    "/persons/{pk}/unmasked",
    response={200: UnmaskedOut, 403: ErrorOut, 404: ErrorOut},
    summary="Show the plaintext ID number and phone (logged as an unmasked read)",
)
def unmasked(request: HttpRequest, pk: int) -> dict[str, Any]:
    p = _person(request, pk)
    values = services.reveal_personal(actor=_user(request), person=p, request=request)
    return {"id": p.pk, **values}


# Vulnerability, carers, contacts --------------------------------------------------------------


def _vulnerability_out(request: HttpRequest, p: Person) -> dict[str, Any]:
    detail = reads.vulnerability_detail(p)
    free_text = [k for k in ("health_notes",) if detail[k]] + (
        ["needs.detail"] if any(n["detail"] for n in detail["needs"]) else []
    )
    if free_text:  # health free text is sensitive: every read of it is logged
        record_personal_data_access(
            user=_user(request),
            action=PersonalDataAccess.Action.UNMASKED_READ,
            subject="people.person",
            object_ids=[p.pk],
            fields=free_text,
            row_count=1,
            scope=p.grid.code,
            request=request,
        )
    return {"person_id": p.pk, **detail}


@router.get(
    "/persons/{pk}/vulnerability", response={200: VulnerabilityOut, 403: ErrorOut, 404: ErrorOut}
)
def vulnerability(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _vulnerability_out(request, _vulnerable_person(request, pk))


@router.put(
    "/persons/{pk}/vulnerability",
    response={200: VulnerabilityOut, **_ERRORS},
    summary="Replace the person's tags, emergency needs and health notes",
)
def put_vulnerability(request: HttpRequest, pk: int, payload: VulnerabilityIn) -> dict[str, Any]:
    p = _vulnerable_person(request, pk)
    care.set_vulnerability(
        actor=_user(request),
        person=p,
        tags=[care.TagEntry(**t.model_dump()) for t in payload.tags],
        needs=[care.NeedEntry(**n.model_dump()) for n in payload.needs],
        health_notes=payload.health_notes,
    )
    return _vulnerability_out(request, p)


@router.get("/persons/{pk}/carers", response={200: list[CarerOut], 403: ErrorOut, 404: ErrorOut})
def carers(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    p = _vulnerable_person(request, pk)
    return [reads.carer_row(c) for c in p.carers.order_by("-active", "pk")]


@router.post("/persons/{pk}/carers", response={201: CarerOut, **_ERRORS})
def add_carer(request: HttpRequest, pk: int, payload: CarerIn) -> Status[dict[str, Any]]:
    p = _vulnerable_person(request, pk)
    from resigrid.accounts.models import User

    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if user is None:
            raise _fail("user_id", _("No such account."))
    carer_person = None
    if payload.carer_person_id is not None:
        carer_person = (
            Person.objects.visible_to(_user(request)).filter(pk=payload.carer_person_id).first()
        )
        if carer_person is None:
            raise _fail("carer_person_id", _("No such resident in your scope."))
    carer = care.add_carer(
        actor=_user(request),
        person=p,
        kind=payload.kind,
        name=payload.name,
        phone=payload.phone,
        user=user,
        carer_person=carer_person,
    )
    return Status(201, reads.carer_row(carer))


@router.patch("/carers/{pk}", response={200: CarerOut, **_ERRORS}, summary="(De)activate a carer")
def patch_carer(request: HttpRequest, pk: int, payload: CarerPatchIn) -> dict[str, Any]:
    carer = (
        Carer.objects.visible_to(_user(request))
        .select_related("person__grid")
        .filter(pk=pk)
        .first()
    )
    if carer is None:
        raise NotFoundError(_("No such carer."))
    return reads.carer_row(
        care.set_carer_active(actor=_user(request), carer=carer, active=payload.active)
    )


def _contact_row(c: ContactLog) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "carer_id": c.carer_id,
        "date": c.date,
        "way": c.way,
        "outcome": c.outcome,
        "note": c.note,
        "by": (c.by.full_name or c.by.username) if c.by else None,
    }


@router.get(
    "/persons/{pk}/contacts", response={200: list[ContactOut], 403: ErrorOut, 404: ErrorOut}
)
def contacts(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    p = _vulnerable_person(request, pk)
    return [_contact_row(c) for c in p.contacts.select_related("by")[:200]]


@router.post(
    "/persons/{pk}/contacts", response={201: ContactOut, **_ERRORS}, summary="Log a visit or call"
)
def add_contact(request: HttpRequest, pk: int, payload: ContactIn) -> Status[dict[str, Any]]:
    p = _vulnerable_person(request, pk)
    carer = None
    if payload.carer_id is not None:
        carer = p.carers.filter(pk=payload.carer_id).first()
        if carer is None:
            raise _fail("carer_id", _("This carer is not paired with this person."))
    entry = care.add_contact(
        actor=_user(request),
        person=p,
        carer=carer,
        date=payload.date,
        way=payload.way,
        outcome=payload.outcome,
        note=payload.note,
    )
    return Status(201, _contact_row(entry))


@router.get(
    "/vulnerable/without-carer",
    response=PersonPageOut,
    summary="Vulnerable residents with no active carer (the list that must stay empty)",
)
def without_carer(request: HttpRequest, grid: str | None = None, page: int = 1) -> dict[str, Any]:
    qs = Person.objects.visible_to(_user(request), Perm.VIEW_VULNERABLE).without_active_carer()
    if grid:
        qs = qs.filter(grid__code=grid)
    rows, total = reads.page_of(reads.with_row_data(qs).order_by("pk"), page)
    return {
        "count": total,
        "page": page,
        "page_size": reads.PAGE_SIZE,
        "results": reads.person_rows(_user(request), rows),
    }


@router.get(
    "/vulnerable/counts",
    response=list[GridCountOut],
    summary="Vulnerable residents per visible grid: counts only, never names",
)
def vulnerable_counts(request: HttpRequest) -> list[dict[str, Any]]:
    return reads.vulnerable_counts(_user(request))


@router.get(
    "/vulnerable/geojson",
    response=dict[str, Any],
    summary="The grid layer with vulnerable counts in each feature's properties (map layer)",
)
def vulnerable_geojson(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    collection = grids_feature_collection(Area.objects.visible_to(user, Perm.VIEW_PEOPLE))
    counts = {row["grid_code"]: row for row in reads.vulnerable_counts(user)}
    scope = reads.Scope(user)
    for feature in collection["features"]:
        props = feature["properties"]
        row = counts.get(props["code"], {})
        props["vulnerable"] = row.get("vulnerable", 0)
        props["without_carer"] = row.get("without_carer", 0)
        props["by_tag"] = row.get("by_tag", {})
        props["names_visible"] = scope.covers(props["code"], Perm.VIEW_VULNERABLE)
    return collection


from resigrid.people import api_volunteers  # noqa: E402,F401 - registers the volunteer routes
