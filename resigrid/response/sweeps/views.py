"""Sweep pages: the list (and a start button per open incident), the start form, the progress
page (per-grid bars and the overdue list, refreshed by htmx), the grid worker's phone page
with one-tap outcomes, and tap-to-call (logged, only with the unmask verb)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.roles import Perm
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.models import Area, scope_prefixes
from resigrid.core import pii
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.incidents.models import Incident
from resigrid.response.sweeps import reads, services
from resigrid.response.sweeps.forms import OutcomeForm, StartForm
from resigrid.response.sweeps.models import Outcome, Sweep, SweepContact
from resigrid.response.sweeps.permissions import (
    can_record,
    can_start_sweep,
    can_unmask,
    can_view_progress,
)

OVERDUE_NAMES = 200


def _sweep_or_404(request: HttpRequest, pk: int) -> Sweep:
    sweep = (
        Sweep.objects.visible_to(request.user)
        .select_related("area", "incident")
        .filter(pk=pk)
        .first()
    )
    if sweep is None:
        raise Http404(_("No such sweep."))
    return sweep


@login_required
@require_GET
def sweep_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    sweeps = list(Sweep.objects.visible_to(user).select_related("area", "incident")[:100])
    incidents = [
        i
        for i in Incident.objects.visible_to(user).open().select_related("area")[:50]
        if _startable_areas(user, i)
    ]
    return render(
        request,
        "sweeps/list.html",
        {"sweeps": sweeps, "incidents": incidents, "now": timezone.now()},
    )


def _startable_areas(user: Any, incident: Incident) -> list[tuple[int, str]]:
    """The incident's area and the areas below it where the user may start a sweep."""
    prefixes = scope_prefixes(user, Perm.SWEEP_VULNERABLE)
    areas = Area.objects.subtree(incident.area).order_by("code")
    if prefixes is not None:
        areas = areas.visible_to(user, Perm.SWEEP_VULNERABLE)
    return [(a.pk, f"{a.name} ({a.get_level_display()})") for a in areas[:500]]


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = (
        Incident.objects.visible_to(request.user)
        .select_related("area")
        .filter(pk=incident_pk)
        .first()
    )
    if incident is None:
        raise Http404(_("No such incident."))
    areas = _startable_areas(request.user, incident)
    if not areas:
        raise PermissionDenied(_("You may not start a sweep in this area."))
    if request.method == "POST":
        form = StartForm(request.POST, areas=areas)
        if form.is_valid():
            area = Area.objects.get(pk=form.cleaned_data["area"])
            try:
                sweep = services.start_sweep(
                    actor=request.user,
                    incident=incident,
                    area=area,
                    deadline=form.cleaned_data["deadline"],
                )
            except ValidationFailed as exc:
                for name, msgs in (exc.errors or {exc.field or "": [str(exc.message)]}).items():
                    for msg in msgs:
                        form.add_error(name if name in form.fields else None, str(msg))
            except (ConflictError, PermissionDeniedError) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The sweep has started."))
                return redirect("sweeps:detail", sweep.pk)
    else:
        default = timezone.localtime() + dt.timedelta(hours=4)
        form = StartForm(
            areas=areas,
            initial={"area": incident.area_id, "deadline": default.strftime("%Y-%m-%dT%H:%M")},
        )
    return render(request, "sweeps/start.html", {"incident": incident, "form": form})


def _progress_context(request: HttpRequest, sweep: Sweep) -> dict[str, Any]:
    services.escalate_overdue(sweep=sweep)  # on read as well as by the task: once per sweep
    sweep.refresh_from_db(fields=["overdue_escalated_at", "state"])
    now = timezone.now()
    rows = reads.grid_rows([sweep.pk])
    overdue = reads.is_overdue([sweep], rows, now)
    late: list[dict[str, Any]] = []
    if overdue:
        visible = reads.contacts_for(request.user, sweep).pending()
        late = reads.contact_rows(
            request.user,
            reads.with_row_data(visible).order_by("grid__code", "pk")[:OVERDUE_NAMES],
        )
    persons = sum(r.persons for r in rows)
    contacted = sum(r.contacted for r in rows)
    return {
        "sweep": sweep,
        "rows": rows,
        "persons": persons,
        "contacted": contacted,
        "safe": sum(r.safe for r in rows),
        "needs_help": sum(r.needs_help for r in rows),
        "unreachable": sum(r.unreachable for r in rows),
        "percent": round(100 * contacted / persons) if persons else 100,
        "overdue": overdue,
        "late": late,
        "late_grids": [r for r in rows if r.pending] if overdue else [],
        "can_close": sweep.state == "open" and can_start_sweep(request.user, sweep.area),
        "now": now,
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_or_404(request, pk)
    if not can_view_progress(request.user, sweep.area):
        raise PermissionDenied(_("You may not see this sweep's progress."))
    context = _progress_context(request, sweep)
    template = (
        "sweeps/_progress.html" if request.headers.get("HX-Request") else "sweeps/detail.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_or_404(request, pk)
    try:
        services.close_sweep(actor=request.user, sweep=sweep)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ConflictError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The sweep is closed."))
    return redirect("sweeps:detail", sweep.pk)


def _card(request: HttpRequest, contact: SweepContact, error: str = "") -> dict[str, Any]:
    row = reads.contact_rows(request.user, [contact])[0]
    return {"c": row, "key": uuid.uuid4().hex, "error": error, "outcomes": Outcome}


@login_required
@require_GET
def mine(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_or_404(request, pk)
    qs = reads.contacts_for(request.user, sweep)
    show = request.GET.get("show", "pending")
    if show == "pending":
        qs = qs.pending()
    elif show != "all":
        show = "pending"
        qs = qs.pending()
    total = reads.contacts_for(request.user, sweep).count()
    done = reads.contacts_for(request.user, sweep).exclude(outcome="").count()
    contacts = list(reads.with_row_data(qs).order_by("grid__code", "pk")[: reads.PAGE_SIZE])
    cards = [
        {"c": row, "key": uuid.uuid4().hex, "error": ""}
        for row in reads.contact_rows(request.user, contacts)
    ]
    return render(
        request,
        "sweeps/mine.html",
        {
            "sweep": sweep,
            "cards": cards,
            "show": show,
            "total": total,
            "done": done,
            "more": qs.count() > len(cards),
        },
    )


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: record the outcome and answer the updated card (htmx) or go back to the list."""
    contact = SweepContact.objects.select_related("sweep", "grid").filter(pk=pk).first()
    if (
        contact is None
        or not reads.contacts_for(request.user, contact.sweep).filter(pk=pk).exists()
    ):
        raise Http404(_("No such contact."))
    form = OutcomeForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose the outcome and how the person was contacted.")
    else:
        try:
            services.record_outcome(
                actor=request.user,
                contact=contact,
                outcome=form.cleaned_data["outcome"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                key=form.cleaned_data["key"],
            )
        except (ValidationFailed, ConflictError) as exc:
            error = str(exc.message)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect("sweeps:mine", contact.sweep_id)
    fresh = reads.with_row_data(SweepContact.objects.filter(pk=pk)).get()
    return render(request, "sweeps/_card.html", _card(request, fresh, error))


class _TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@login_required
@require_GET
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """Tap-to-call: only with the unmask verb on the grid; every call is an unmasked read."""
    contact = SweepContact.objects.select_related("sweep", "grid", "person").filter(pk=pk).first()
    if (
        contact is None
        or not reads.contacts_for(request.user, contact.sweep).filter(pk=pk).exists()
    ):
        raise Http404(_("No such contact."))
    if not (can_record(request.user, contact) and can_unmask(request.user, contact.grid)):
        raise PermissionDenied(_("You may not see unmasked personal data here."))
    if not contact.person.phone_enc:
        raise Http404(_("No phone number is known."))
    phone = pii.decrypt(contact.person.phone_enc)
    record_personal_data_access(
        user=request.user,
        action=PersonalDataAccess.Action.UNMASKED_READ,
        subject="people.person",
        object_ids=[contact.person_id],
        fields=["phone"],
        row_count=1,
        scope=contact.grid.code,
        request=request,
    )
    return _TelRedirect(f"tel:{phone}")
