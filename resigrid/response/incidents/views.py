"""Pages of incidents: the list, the "open an incident" form, and the command post's actions
(posted from the command dashboard, which lives in `resigrid.response.command`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resigrid.accounts.roles import Perm
from resigrid.alerts.models import Alert
from resigrid.areas.models import scope_prefixes
from resigrid.cases.models import Case
from resigrid.core.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.response.incidents import activate, permissions, services, sources, task_actions
from resigrid.response.incidents.forms import (
    ActivateForm,
    AddTaskForm,
    DecisionForm,
    OpenIncidentForm,
    OutcomeForm,
    PersonForm,
    TransitionForm,
    command_areas,
)
from resigrid.response.incidents.models import (
    CommandPostMember,
    Incident,
    IncidentState,
    IncidentTask,
)


def incident_or_404(request: HttpRequest, pk: int) -> Incident:
    incident = (
        Incident.objects.visible_to(request.user)
        .filter(pk=pk)
        .select_related("area", "plan", "source_alert", "source_case", "opened_by")
        .first()
    )
    if incident is None:
        raise Http404(_("No such incident."))
    return incident


def may_open(user: Any) -> bool:
    prefixes = scope_prefixes(user, Perm.COMMAND_INCIDENTS)
    return prefixes is None or bool(prefixes)


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    rows = (
        Incident.objects.visible_to(request.user)
        .select_related("area", "plan")
        .annotate(
            closed_last=When_(
                When(state=IncidentState.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed_last", "-opened_at", "-pk")[:200]
    )
    return render(
        request,
        "incidents/list.html",
        {"incidents": rows, "can_open": may_open(request.user)},
    )


def _draft(request: HttpRequest) -> tuple[sources.Draft, int | None, int | None]:
    source = request.POST if request.method == "POST" else request.GET
    alert_id, case_id = source.get("alert"), source.get("case")
    if alert_id:
        if not alert_id.isdigit():
            raise Http404(_("No such alert."))
        alert = Alert.objects.visible_to(request.user).filter(pk=int(alert_id)).first()
        if alert is None:
            raise Http404(_("No such alert."))
        return sources.from_alert(alert), alert.pk, None
    if case_id:
        if not case_id.isdigit():
            raise Http404(_("No such case."))
        case = (
            Case.objects.visible_to(request.user)
            .filter(pk=int(case_id))
            .select_related("grid", "grid__parent", "category")
            .first()
        )
        if case is None:
            raise Http404(_("No such case."))
        return sources.from_case(case), None, case.pk
    return sources.by_hand(), None, None


def _within_scope(user: Any, draft: sources.Draft) -> sources.Draft:
    """When the source's area is above the user's command scope, start from the user's first
    area inside it (a community under the street's alert)."""
    area = draft.area
    if area is None or permissions.can_open_in(user, area):
        return draft
    inside = (
        command_areas(user).exclude(level="grid").filter(code__startswith=area.scope_prefix).first()
    )
    return dataclasses.replace(draft, area=inside)


@login_required
def incident_open(request: HttpRequest) -> HttpResponse:
    if not may_open(request.user):
        raise PermissionDenied(_("You may not open incidents."))
    draft, alert_id, case_id = _draft(request)
    draft = _within_scope(request.user, draft)
    existing = (
        Incident.objects.open().visible_to(request.user).filter(source_alert_id=alert_id).first()
        if alert_id
        else None
    )
    form = OpenIncidentForm(
        request.POST if request.method == "POST" else None, user=request.user, draft=draft
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.open_incident(
                actor=request.user,
                alert_id=alert_id,
                case_id=case_id,
                title=data["title"],
                hazard_class=data["hazard_class"],
                hazard_subtype=data["hazard_subtype"],
                level=data["level"],
                area=data["area"],
                description=data["description"],
            )
        except (ValidationFailed, PermissionDeniedError, ConflictError) as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The incident is open. Activate a plan next."))
            return redirect("command:dashboard", incident.pk)
    return render(
        request,
        "incidents/open.html",
        {"form": form, "alert_id": alert_id, "case_id": case_id, "existing": existing},
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_or_404(request, pk)
    return redirect("command:dashboard", incident.pk)


def _act(
    request: HttpRequest, incident_id: int, do: Callable[[], Any], done: str
) -> HttpResponseRedirect:
    """Run a command post action; errors come back as a message on the dashboard."""
    try:
        do()
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("command:dashboard", args=[incident_id]))


def _invalid(request: HttpRequest, incident_id: int, form: Any) -> HttpResponseRedirect:
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors)
    return HttpResponseRedirect(reverse("command:dashboard", args=[incident_id]))


@login_required
@require_POST
def incident_activate(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_or_404(request, pk)
    form = ActivateForm(request.POST, plans=activate.plans_for(incident, request.user))
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda: activate.activate_plan(
            actor=request.user,
            incident_id=pk,
            plan_id=form.cleaned_data["plan"],
            level=form.cleaned_data["level"],
        ),
        _("The plan is activated: the command post and its tasks are set up."),
    )


@login_required
@require_POST
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda: services.transition(
            actor=request.user,
            incident_id=pk,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
        ),
        _("The incident's state is changed."),
    )


@login_required
@require_POST
def incident_decide(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda: services.decide(
            actor=request.user,
            incident_id=pk,
            what=form.cleaned_data["what"],
            why=form.cleaned_data["why"],
        ),
        _("The decision is in the log."),
    )


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    form = AddTaskForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda: task_actions.add_task(
            actor=request.user,
            incident_id=pk,
            title=form.cleaned_data["title"],
            detail=form.cleaned_data["detail"],
            due_at=form.cleaned_data["due_at"],
        ),
        _("The task is added."),
    )


def _task(request: HttpRequest, task_id: int) -> IncidentTask:
    task = (
        IncidentTask.objects.filter(pk=task_id)
        .filter(pk__in=IncidentTask.objects.visible_to(request.user).values("pk"))
        .first()
        or IncidentTask.objects.filter(pk=task_id, assignee_id=request.user.pk or 0).first()
    )
    if task is None:
        raise Http404(_("No such task."))
    return task


@login_required
@require_POST
def task_move(request: HttpRequest, task_id: int, move: str) -> HttpResponse:
    task = _task(request, task_id)
    incident_id = task.incident_id
    if move == "assign":
        incident = incident_or_404(request, incident_id)
        pform = PersonForm(request.POST, incident=incident)
        if not pform.is_valid():
            return _invalid(request, incident_id, pform)
        return _act(
            request,
            incident_id,
            lambda: task_actions.assign_task(
                actor=request.user, task_id=task_id, assignee=pform.cleaned_data["person"]
            ),
            _("The task is assigned."),
        )
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident_id, form)
    if move == "complete":
        return _act(
            request,
            incident_id,
            lambda: task_actions.complete_task(
                actor=request.user, task_id=task_id, outcome=form.cleaned_data["text"]
            ),
            _("The task is done."),
        )
    if move == "cancel":
        return _act(
            request,
            incident_id,
            lambda: task_actions.cancel_task(
                actor=request.user, task_id=task_id, note=form.cleaned_data["text"]
            ),
            _("The task is cancelled."),
        )
    raise Http404(_("No such action."))


@login_required
@require_POST
def seat_assign(request: HttpRequest, member_id: int) -> HttpResponse:
    member = CommandPostMember.objects.filter(pk=member_id).first()
    if member is None:
        raise Http404(_("No such command post seat."))
    incident = incident_or_404(request, member.incident_id)
    form = PersonForm(request.POST, incident=incident)
    if not form.is_valid():
        return _invalid(request, incident.pk, form)
    unit_id = request.POST.get("unit") or ""
    unit = Unit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    return _act(
        request,
        incident.pk,
        lambda: activate.assign_seat(
            actor=request.user, member_id=member_id, person=form.cleaned_data["person"], unit=unit
        ),
        _("The command post seat is assigned."),
    )
