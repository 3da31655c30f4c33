"""Edit pages of households and residents (care: views_edit_care; volunteers:
views_edit_volunteers).

Thin: every object comes through `visible_to(request.user)` (404 outside the scope), the
permission is checked before anything is parsed (403, nothing written), one service call writes,
and its ValidationFailed errors go back on the form's fields (HTTP 422).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, Building
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import reads, services
from resigrid.people.forms_edit import HouseholdForm, PersonForm, apply_errors
from resigrid.people.models import Household, Person
from resigrid.people.permissions import can_edit_people

# Person fields the form passes to the services as they are (ID number and phone are special).
PLAIN_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "is_head",
    "residence_type",
    "building",
    "ethnicity",
    "moved_in",
    "moved_out",
    "notes",
)


def person_in_scope(request: HttpRequest, pk: int) -> Person:
    person = (
        Person.objects.visible_to(request.user)
        .select_related("grid", "building", "household")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404(_("No such resident."))
    return person


def household_in_scope(request: HttpRequest, pk: int) -> Household:
    household = (
        Household.objects.visible_to(request.user)
        .select_related("grid", "building")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise Http404(_("No such household."))
    return household


def editable_buildings(user: Any) -> QuerySet[Building]:
    """Every building the user may put people in: a choice outside the household's grid reaches
    the service, which names the grid it belongs to."""
    return Building.objects.visible_to(user, Perm.EDIT_PEOPLE)


def grid_buildings(grid: Area | None) -> list[Building]:
    return list(Building.objects.filter(grid=grid).order_by("name")) if grid else []


def _editable_grids(user: Any) -> QuerySet[Area]:
    return Area.objects.visible_to(user, Perm.EDIT_PEOPLE).grids().order_by("code")


def _pick_grid(grids: QuerySet[Area], raw: str | None) -> Area | None:
    if raw and raw.isdigit():
        found = grids.filter(pk=int(raw)).first()
        if found is not None:
            return found
    return grids.first()


# Households -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    grids = _editable_grids(request.user)
    if not grids.exists():
        raise PermissionDenied(_("You may not add households."))
    raw = request.POST.get("grid") if request.method == "POST" else request.GET.get("grid")
    grid = _pick_grid(grids, raw)
    form = HouseholdForm(
        request.POST or None,
        grids=grids,
        buildings=editable_buildings(request.user),
        shown=grid_buildings(grid),
        buildings_url=reverse("people:household_buildings"),
        initial={"grid": grid.pk if grid else None},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = services.create_household(
                actor=request.user, grid=d["grid"], building=d["building"], room=d["room"]
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Household added."))
            return redirect("people:household_detail", pk=household.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "people/edit_household.html", {"form": form, "household": None}, status=status
    )


@login_required
@require_GET
def household_buildings(request: HttpRequest) -> HttpResponse:
    """htmx: the building options of the grid just chosen (grids the user may edit only)."""
    raw = request.GET.get("grid", "")
    grid = _editable_grids(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
    return render(request, "people/_building_options.html", {"buildings": grid_buildings(grid)})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_in_scope(request, pk)
    if not can_edit_people(request.user, household.grid):
        raise PermissionDenied(_("You may not change households in this grid."))
    form = HouseholdForm(
        request.POST or None,
        grids=None,
        buildings=editable_buildings(request.user),
        shown=grid_buildings(household.grid),
        initial={"building": household.building_id, "room": household.room},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_household(
                actor=request.user, household=household, building=d["building"], room=d["room"]
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Household saved."))
            return redirect("people:household_detail", pk=household.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/edit_household.html",
        {"form": form, "household": household},
        status=status,
    )


# Residents --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a resident to a household (from the household page)."""
    household = household_in_scope(request, pk)
    if not can_edit_people(request.user, household.grid):
        raise PermissionDenied(_("You may not add residents in this grid."))
    form = PersonForm(
        request.POST or None,
        editing=False,
        buildings=editable_buildings(request.user),
        shown=grid_buildings(household.grid),
        initial={"building": household.building_id},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data: dict[str, Any] = {k: d[k] for k in PLAIN_FIELDS}
        for key in ("id_number", "phone"):
            if d[key]:
                data[key] = d[key]
        try:
            person = services.create_person(actor=request.user, household=household, data=data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/edit_person.html",
        {"form": form, "household": household, "person": None},
        status=status,
    )


def _changes(request: HttpRequest, form: PersonForm, person: Person) -> dict[str, Any] | None:
    """What the user changed, as update_person takes it; None after a form error."""
    d = form.cleaned_data
    changes: dict[str, Any] = {k: d[k] for k in PLAIN_FIELDS if k in form.changed_data}
    for key in ("id_number", "phone"):
        if d[key]:
            changes[key] = d[key]
        elif d[f"clear_{key}"]:
            changes[key] = None
    target = d.get("household")
    if target and target != person.household_id:
        household = Household.objects.visible_to(request.user, Perm.EDIT_PEOPLE).filter(pk=target)
        found = household.select_related("building").first()
        if found is None:
            form.add_error("household", _("No such household."))
            return None
        changes["household"] = found
        changes.setdefault("building", found.building)
    return changes


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_in_scope(request, pk)
    if not can_edit_people(request.user, person.grid):
        raise PermissionDenied(_("You may not change residents in this grid."))
    masked = {"id_number": reads.masked_id(person), "phone": reads.masked_phone(person.phone_enc)}
    initial = {k: getattr(person, k) for k in PLAIN_FIELDS if k != "building"}
    initial["building"] = person.building_id
    form = PersonForm(
        request.POST or None,
        editing=True,
        buildings=editable_buildings(request.user),
        shown=grid_buildings(person.grid),
        masked=masked,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        changes = _changes(request, form, person)
        if changes is not None:
            try:
                saved = services.update_person(actor=request.user, person=person, changes=changes)
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": saved.name})
                return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/edit_person.html",
        {"form": form, "household": person.household, "person": person},
        status=status,
    )
