"""People pages: thin views over reads and services; htmx partials for "show" and contacts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from resigrid.accounts.roles import Perm
from resigrid.areas.maps import tile_layers
from resigrid.core.errors import DomainError, PermissionDeniedError
from resigrid.people import care, reads, services
from resigrid.people.forms import ContactForm, PersonFilterForm, VolunteerFilterForm
from resigrid.people.models import Household, Person, Volunteer
from resigrid.people.permissions import can_edit_vulnerable, can_view_vulnerable


def _person_or_404(request: HttpRequest, pk: int) -> Person:
    person = reads.with_row_data(Person.objects.visible_to(request.user)).filter(pk=pk).first()
    if person is None:
        raise Http404(_("No such resident."))
    return person


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None)
    rows: list[dict[str, Any]] = []
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = reads.PersonFilters(
            grid=data.get("grid") or None,
            building=data.get("building"),
            tag=data.get("tag") or None,
            vulnerable=data.get("vulnerable") or None,
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            skill=data.get("skill") or None,
            name=data.get("name") or None,
        )
        qs = reads.with_row_data(reads.filter_persons(request.user, filters)).order_by("pk")
        page = Paginator(qs, reads.PAGE_SIZE).get_page(request.GET.get("page"))
        rows = reads.person_rows(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/person_list.html",
        {"form": form, "rows": rows, "page": page, "query": query.urlencode()},
    )


def _contact_context(
    request: HttpRequest, person: Person, form: ContactForm | None
) -> dict[str, Any]:
    carers = list(person.carers.order_by("-active", "pk"))
    return {
        "person": person,
        "carers": [reads.carer_row(c) for c in carers],
        "contacts": person.contacts.select_related("carer", "by")[:50],
        "contact_form": form or ContactForm(carers=[(c.pk, c.name) for c in carers if c.active]),
        "can_log": can_edit_vulnerable(request.user, person.grid),
    }


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_404(request, pk)
    row = reads.person_rows(request.user, [person])[0]
    members = reads.person_rows(
        request.user,
        reads.with_row_data(Person.objects.filter(household_id=person.household_id)).order_by(
            "-is_head", "birth_date", "pk"
        ),
    )
    context: dict[str, Any] = {"row": row, "members": members, "person": person}
    if can_view_vulnerable(request.user, person.grid):
        context["vulnerability"] = reads.vulnerability_detail(person)
        context.update(_contact_context(request, person, None))
    return render(request, "people/person_detail.html", context)


@login_required
@require_GET
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the plaintext identity, written to the access log; 403 without the right."""
    person = _person_or_404(request, pk)
    try:
        values = services.reveal_personal(actor=request.user, person=person, request=request)
    except PermissionDeniedError as exc:
        return HttpResponse(str(exc.message), status=403)
    return render(request, "people/_unmasked.html", {"values": values})


@login_required
@require_http_methods(["POST"])
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_404(request, pk)
    if not can_view_vulnerable(request.user, person.grid):
        raise Http404(_("No such resident."))
    carers = [(c.pk, c.name) for c in person.carers.filter(active=True)]
    form = ContactForm(request.POST, carers=carers)
    saved = False
    if form.is_valid():
        d = form.cleaned_data
        try:
            care.add_contact(
                actor=request.user,
                person=person,
                carer=person.carers.filter(pk=d["carer"]).first() if d["carer"] else None,
                date=d["date"],
                way=d["way"],
                outcome=d["outcome"],
                note=d["note"],
            )
            saved = True
        except PermissionDeniedError as exc:
            return HttpResponse(str(exc.message), status=403)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    # After a save the phone gets a fresh, empty form; after an error the form with its messages.
    context = _contact_context(request, person, None if saved else form)
    return render(request, "people/_contacts.html", context)


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = (
        Household.objects.visible_to(request.user)
        .select_related("grid", "building")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise Http404(_("No such household."))
    members = reads.person_rows(
        request.user,
        reads.with_row_data(Person.objects.filter(household=household)).order_by(
            "-is_head", "birth_date", "pk"
        ),
    )
    return render(
        request, "people/household_detail.html", {"household": household, "members": members}
    )


@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    form = VolunteerFilterForm(request.GET or None)
    qs = (
        Volunteer.objects.visible_to(request.user)
        .select_related("person__grid")
        .prefetch_related("skills")
        .order_by("pk")
    )
    if request.GET and form.is_valid():
        if form.cleaned_data["grid"]:
            qs = qs.filter(person__grid__code=form.cleaned_data["grid"])
        if form.cleaned_data["skill"]:
            qs = qs.with_skill(form.cleaned_data["skill"])
    page = Paginator(qs, reads.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/volunteer_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
@require_GET
def vulnerable_map(request: HttpRequest) -> HttpResponse:
    """Choropleth of vulnerable counts per grid; names only where VIEW_VULNERABLE holds."""
    names = reads.Scope(request.user).prefixes(Perm.VIEW_VULNERABLE) != []
    config: dict[str, Any] = {
        "geojsonUrl": reverse("api:api-root") + "people/vulnerable/geojson",
        "listUrl": reverse("people:person_list") if names else None,
        "tiles": tile_layers(),
        "labels": {
            "name": _("Name"),
            "code": _("Code"),
            "vulnerable": _("Vulnerable people"),
            "without_carer": _("Without an active carer"),
            "legend": _("Vulnerable people per grid"),
            "empty": _("There are no grids in your scope."),
            "error": _("The layer could not be loaded."),
            "list": _("List the people"),
            "count": _("Grids shown: %(count)s"),
        },
    }
    return render(request, "people/vulnerable_map.html", {"map_config": config})
