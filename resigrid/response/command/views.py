"""The command dashboard of an incident (its page) and the situation report downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resigrid.areas.maps import tile_layers
from resigrid.response.command import reads, sitrep
from resigrid.response.command import render as renderers
from resigrid.response.incidents import activate, permissions, services, workflow
from resigrid.response.incidents.forms import (
    ActivateForm,
    AddTaskForm,
    DecisionForm,
    OutcomeForm,
    PersonForm,
)
from resigrid.response.incidents.models import Incident, TaskState
from resigrid.response.incidents.views import incident_or_404


def live_context(incident: Incident) -> dict[str, Any]:
    now = timezone.now()
    stock_rows = reads.stock(incident)
    return {
        "incident": incident,
        "summaries": reads.summaries(incident),
        "task_counts": reads.task_counts(incident, now),
        "stock_rows": stock_rows,
        "low_stock": [r for r in stock_rows if r.low],
        "refreshed_at": now,
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_or_404(request, pk)
    user = request.user
    commander = permissions.can_command(user, incident)
    now = timezone.now()
    tasks = list(
        incident.tasks.select_related("owner_unit", "assignee", "area").order_by(
            "state", "due_at", "pk"
        )
    )
    context: dict[str, Any] = {
        **live_context(incident),
        "commander": commander,
        "moves": [(m, workflow.LABELS[m]) for m in workflow.moves(incident.state)]
        if commander
        else [],
        "tasks": tasks,
        "now": now,
        "open_state": TaskState.OPEN,
        "roster": list(incident.roster.select_related("unit", "person")),
        "log": [
            {"row": row, "label": workflow.LOG_LABELS.get(row.action, row.action)}
            for row in incident.log.select_related("actor").order_by("-at", "-pk")[:100]
        ],
        "map_config": {
            "data": reads.map_data(incident),
            "tiles": tile_layers(),
            "labels": {
                "task": _("Task"),
                "depot": _("Depot"),
                "shelter": _("Shelter"),
                "volunteers": _("Volunteers"),
            },
        },
        "closed": incident.state == "closed",
    }
    if commander and incident.state != "closed":
        plans = activate.plans_for(incident, user)
        context.update(
            plans=plans,
            activate_form=ActivateForm(
                plans=plans,
                initial={"plan": incident.plan_id, "level": incident.plan_level or incident.level},
            ),
            decision_form=DecisionForm(),
            task_form=AddTaskForm(),
            outcome_form=OutcomeForm(),
            person_form=PersonForm(incident=incident),
        )
    return render(request, "command/dashboard.html", context)


@login_required
@require_GET
def live(request: HttpRequest, pk: int) -> HttpResponse:
    """The parts of the dashboard that refresh every 30 s (htmx)."""
    incident = incident_or_404(request, pk)
    return render(request, "command/_live.html", live_context(incident))


def _download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    incident = incident_or_404(request, pk)
    report = sitrep.build(incident)
    services.log_sitrep(actor=request.user, incident=incident, fmt=fmt)
    stamp = timezone.localtime(report.generated_at).strftime("%Y%m%d-%H%M")
    name = f"sitrep-{incident.pk}-{stamp}.{fmt}"
    if fmt == "pdf":
        response = HttpResponse(renderers.pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(
            renderers.xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def sitrep_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")


@login_required
@require_GET
def sitrep_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


def dashboard_url(incident: Incident) -> str:
    return reverse("command:dashboard", args=[incident.pk])
