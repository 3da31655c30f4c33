"""Care edit pages: vulnerability tags, emergency needs and health notes; carers.

Only for users allowed by `can_edit_vulnerable` on the person's grid (403 otherwise, nothing
written); the person comes through `visible_to` (404 outside the scope).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.accounts.roles import Perm, roles_granting
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.codes import LEVEL_ORDER, PREFIX_LENGTH
from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import care, reads
from resigrid.people.forms_edit import CarerForm, VulnerabilityForm, apply_errors
from resigrid.people.models import Carer, Person, Volunteer
from resigrid.people.permissions import can_edit_vulnerable
from resigrid.people.views_edit import person_in_scope

MAX_CHOICES = 300


def _vulnerable_editable(request: HttpRequest, pk: int) -> Person:
    person = person_in_scope(request, pk)
    if not can_edit_vulnerable(request.user, person.grid):
        raise PermissionDenied(_("You may not record vulnerability in this grid."))
    return person


def _log_free_text(request: HttpRequest, person: Person, detail: dict[str, Any]) -> None:
    """Health notes and need details are sensitive free text: showing them is logged."""
    fields = (["health_notes"] if detail["health_notes"] else []) + (
        ["needs.detail"] if any(n["detail"] for n in detail["needs"]) else []
    )
    if fields:
        record_personal_data_access(
            user=request.user,
            action=PersonalDataAccess.Action.UNMASKED_READ,
            subject="people.person",
            object_ids=[person.pk],
            fields=fields,
            row_count=1,
            scope=person.grid.code,
            request=request,
        )


@login_required
@require_http_methods(["GET", "POST"])
def vulnerability_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _vulnerable_editable(request, pk)
    if request.method == "GET":
        detail = reads.vulnerability_detail(person)
        _log_free_text(request, person, detail)
        form = VulnerabilityForm(initial=VulnerabilityForm.initial_from(detail))
    else:
        form = VulnerabilityForm(request.POST)
        if form.is_valid():
            tags, needs = form.entries()
            try:
                care.set_vulnerability(
                    actor=request.user,
                    person=person,
                    tags=tags,
                    needs=needs,
                    health_notes=form.cleaned_data["health_notes"],
                )
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except ValidationFailed as exc:
                apply_errors(form, exc, form.error_field(tags, needs))
            else:
                messages.success(request, _("Vulnerability saved."))
                return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/edit_vulnerability.html",
        {"form": form, "person": person},
        status=status,
    )


# Carers -----------------------------------------------------------------------------------------


def carer_accounts(grid: Area) -> list[tuple[int, str]]:
    """Active accounts whose role on the grid or above it lets them visit people there."""
    codes = [grid.code[: PREFIX_LENGTH[level]].ljust(len(grid.code), "0") for level in LEVEL_ORDER]
    users = (
        User.objects.filter(
            is_active=True,
            role_bindings__area__code__in=codes,
            role_bindings__role__in=roles_granting(Perm.EDIT_PEOPLE),
        )
        .distinct()
        .order_by("full_name", "username")
    )
    return [(u.pk, u.display_name) for u in users[:MAX_CHOICES]]


def carer_residents(request: HttpRequest, person: Person) -> dict[str, list[tuple[int, str]]]:
    """Residents who may be picked: volunteers of the community, members of the household."""
    community = person.grid.code[: PREFIX_LENGTH[LEVEL_ORDER[2]]]
    volunteers = (
        Volunteer.objects.visible_to(request.user)
        .filter(active=True, person__grid__code__startswith=community)
        .exclude(person=person)
        .select_related("person__grid")
        .order_by("person__name", "pk")
    )
    relatives = (
        Person.objects.visible_to(request.user)
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
        .order_by("name", "pk")
    )
    return {
        Carer.Kind.VOLUNTEER: [
            (v.person_id, f"{v.person.name} · {v.person.grid.name}")
            for v in volunteers[:MAX_CHOICES]
        ],
        Carer.Kind.RELATIVE: [(p.pk, p.name) for p in relatives[:MAX_CHOICES]],
    }


@login_required
@require_http_methods(["GET", "POST"])
def carer_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _vulnerable_editable(request, pk)
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") or Carer.Kind.GRID_WORKER
    form = CarerForm(
        request.POST or None,
        kind=kind,
        accounts=carer_accounts(person.grid),
        residents=carer_residents(request, person),
        switch_url=reverse("people:carer_add", args=[person.pk]),
        initial={"kind": kind},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user = User.objects.filter(pk=d["user"]).first() if d.get("user") else None
        carer_person = (
            Person.objects.visible_to(request.user).filter(pk=d["carer_person"]).first()
            if d.get("carer_person")
            else None
        )
        try:
            care.add_carer(
                actor=request.user,
                person=person,
                kind=d["kind"],
                name=d.get("name") or "",
                phone=d.get("phone") or None,
                user=user,
                carer_person=carer_person,
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc, form.error_field)
        else:
            messages.success(request, _("Carer added."))
            return redirect(reverse("people:person_detail", args=[person.pk]) + "#care")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "people/edit_carer.html", {"form": form, "person": person}, status=status
    )


@login_required
@require_POST
def carer_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    carer = Carer.objects.visible_to(request.user).select_related("person__grid").filter(pk=pk)
    found = carer.first()
    if found is None:
        raise Http404(_("No such carer."))
    if not can_edit_vulnerable(request.user, found.person.grid):
        raise PermissionDenied(_("You may not change carers in this grid."))
    active = request.POST.get("active") == "1"
    try:
        care.set_carer_active(actor=request.user, carer=found, active=active)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    if active:
        messages.success(request, _("%(name)s is an active carer again.") % {"name": found.name})
    else:
        messages.success(
            request, _("%(name)s is no longer an active carer.") % {"name": found.name}
        )
    return redirect(reverse("people:person_detail", args=[found.person_id]) + "#care")
