"""Volunteer edit pages: register a resident, edit skills / weekly availability / home location,
add a certificate, record service hours. Each write is one call into resigrid.people.volunteers.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.people import volunteers
from resigrid.people.forms_edit import (
    CertificateForm,
    ServiceForm,
    VolunteerForm,
    apply_errors,
    certificate_error_field,
    volunteer_error_field,
)
from resigrid.people.models import Volunteer
from resigrid.people.permissions import can_edit_people
from resigrid.people.views_edit import person_in_scope


def _volunteer_editable(request: HttpRequest, pk: int) -> Volunteer:
    volunteer = (
        Volunteer.objects.visible_to(request.user)
        .select_related("person__grid", "person__building")
        .filter(pk=pk)
        .first()
    )
    if volunteer is None:
        raise Http404(_("No such volunteer."))
    if not can_edit_people(request.user, volunteer.person.grid):
        raise PermissionDenied(_("You may not change volunteers in this grid."))
    return volunteer


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_register(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_in_scope(request, pk)
    if not can_edit_people(request.user, person.grid):
        raise PermissionDenied(_("You may not register volunteers in this grid."))
    existing = Volunteer.objects.filter(person=person).first()
    if existing is not None and request.method == "GET":
        return redirect("people:volunteer_edit", pk=existing.pk)
    form = VolunteerForm(request.POST or None, registering=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            volunteer = volunteers.register_volunteer(
                actor=request.user,
                person=person,
                skills=d["skills"],
                availability=form.availability(),
                home_lon=d["home_lon"],
                home_lat=d["home_lat"],
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc, volunteer_error_field)
        else:
            messages.success(request, _("%(name)s is now a volunteer.") % {"name": person.name})
            return redirect("people:volunteer_edit", pk=volunteer.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/edit_volunteer.html",
        {"form": form, "person": person, "volunteer": None},
        status=status,
    )


def _page(
    request: HttpRequest,
    volunteer: Volunteer,
    *,
    form: VolunteerForm | None = None,
    certificate_form: CertificateForm | None = None,
    service_form: ServiceForm | None = None,
) -> HttpResponse:
    if form is None:
        initial: dict[str, Any] = {
            "skills": list(volunteer.skills.values_list("skill", flat=True)),
            "home_lon": volunteer.home_lon,
            "home_lat": volunteer.home_lat,
            "active": volunteer.active,
            **VolunteerForm.initial_availability(volunteer.availability),
        }
        form = VolunteerForm(registering=False, initial=initial)
    context = {
        "form": form,
        "certificate_form": certificate_form or CertificateForm(),
        "service_form": service_form or ServiceForm(),
        "person": volunteer.person,
        "volunteer": volunteer,
        "certificates": volunteer.certificates.order_by("expires", "pk"),
        "services": volunteer.services.select_related("by")[:20],
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "people/edit_volunteer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer_editable(request, pk)
    if request.method == "GET":
        return _page(request, volunteer)
    form = VolunteerForm(request.POST, registering=False)
    if form.is_valid():
        d = form.cleaned_data
        try:
            volunteers.update_volunteer(
                actor=request.user,
                volunteer=volunteer,
                skills=d["skills"],
                availability=form.availability(),
                home_lon=d["home_lon"],
                home_lat=d["home_lat"],
                active=d["active"],
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc, volunteer_error_field)
        else:
            messages.success(request, _("Volunteer saved."))
            return redirect("people:volunteer_edit", pk=volunteer.pk)
    return _page(request, volunteer, form=form)


@login_required
@require_POST
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer_editable(request, pk)
    form = CertificateForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            volunteers.add_certificate(
                actor=request.user,
                volunteer=volunteer,
                skill=d["skill"],
                name=d["name"],
                number=d["number"],
                issued=d["issued"],
                expires=d["expires"],
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc, certificate_error_field)
        else:
            messages.success(request, _("Certificate added."))
            return redirect("people:volunteer_edit", pk=volunteer.pk)
    return _page(request, volunteer, certificate_form=form)


@login_required
@require_POST
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer_editable(request, pk)
    form = ServiceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            row = volunteers.record_service(
                actor=request.user,
                volunteer=volunteer,
                hours=d["hours"],
                points=d["points"] or 0,
                note=d["note"],
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(hours)s hours recorded.") % {"hours": row.hours})
            return redirect("people:volunteer_edit", pk=volunteer.pk)
    return _page(request, volunteer, service_form=form)
