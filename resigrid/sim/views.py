"""Pages: scenario list, new scenario per kind, detail with run button, progress (htmx polls
every 2 s while a run is under way), results with charts and map, downloads, case from a risk
point. Thin: reads / services do the work."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.areas.codes import Level
from resigrid.areas.maps import tile_layers
from resigrid.areas.models import Area
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.registers.models import Category
from resigrid.sim import defaults, export, reads, risk_entry, services
from resigrid.sim.forms import CaseForm, ScenarioForm
from resigrid.sim.models import Kind, Run, Scenario


def _guard(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from None


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    _guard(reads.require_somewhere, request.user)
    rows = [(s, reads.latest_run(s)) for s in reads.scenarios_for(request.user)]
    return render(request, "sim/list.html", {"rows": rows, "kinds": Kind.choices})


@login_required
@require_http_methods(["GET", "POST"])
def scenario_create(request: HttpRequest, kind: str) -> HttpResponse:
    _guard(reads.require_somewhere, request.user)
    if kind not in Kind.values:
        raise Http404
    initial = {"params": json.dumps(defaults.PARAMS[kind], ensure_ascii=False, indent=1)}
    if kind == Kind.EPIDEMIC:
        initial["strategies"] = json.dumps(
            defaults.EPIDEMIC_STRATEGIES, ensure_ascii=False, indent=1
        )
    form = ScenarioForm(
        request.POST or None, request.FILES or None, user=request.user, kind=kind, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scenario = services.create_scenario(
                actor=request.user,
                kind=kind,
                name=data["name"],
                area=data["area"],
                params=data["params"],
                strategies=data.get("strategies") or [],
                road_file=data.get("road_file"),
            )
        except ValidationFailed as exc:
            problems_by_field = exc.errors or {exc.field or "params": [str(exc.message)]}
            for field, problems in problems_by_field.items():
                head = field.split(".")[0]
                target = head if head in form.fields else None
                for problem in problems:
                    form.add_error(
                        target,
                        f"{field}: {problem}" if target is None or "." in field else str(problem),
                    )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from None
        else:
            return redirect("sim:detail", pk=scenario.pk)
    return render(request, "sim/form.html", {"form": form, "kind": Kind(kind)})


def _grid_shapes(area: Area) -> list[dict[str, Any]]:
    grids = Area.objects.filter(code__startswith=area.scope_prefix, level=Level.GRID)
    return [{"id": g.pk, "name": g.name, "boundary": g.boundary} for g in grids if g.boundary]


def _categories() -> list[tuple[str, str]]:
    return list(
        Category.objects.active().leaves().order_by("sort", "code").values_list("code", "name")
    )


@login_required
@require_GET
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario: Scenario = _guard(reads.scenario_for, request.user, pk)
    run = reads.latest_run(scenario)
    context: dict[str, Any] = {"scenario": scenario, "run": run}
    if run is not None and run.results is not None:
        context["chart_data"] = {
            "results": run.results,
            "grids": _grid_shapes(scenario.area),
            "tiles": tile_layers(),
        }
        context["case_form"] = CaseForm(categories=_categories())
        entered = risk_entry.existing(run)
        # Each risk point with its register entry, if any: entered points link to it instead
        # of offering the button again.
        context["risk_rows"] = [
            {**p, "entered": entered.get(f"{p.get('kind')}:{p.get('id')}"[:120])}
            for p in run.results.get("risk_points", [])
        ]
    return render(request, "sim/detail.html", context)


@login_required
@require_POST
def run_start(request: HttpRequest, pk: int) -> HttpResponse:
    scenario: Scenario = _guard(reads.scenario_for, request.user, pk)
    try:
        services.start_run(actor=request.user, scenario=scenario)
    except (ValidationFailed, ConflictError) as exc:
        messages.error(request, str(exc.message))
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from None
    return redirect("sim:detail", pk=scenario.pk)


@login_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    run: Run = _guard(reads.run_for, request.user, pk)
    response = render(request, "sim/_progress.html", {"run": run, "scenario": run.scenario})
    if not run.active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the results page draws its charts on load
    return response


@login_required
@require_GET
def run_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    run: Run = _guard(reads.run_for, request.user, pk)
    if run.results is None:
        raise Http404(_("This run has no results."))
    name = f"simulation-{run.scenario_id}-{run.pk}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(
            run.results, json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    response = HttpResponse(
        export.workbook(run.results),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_POST
def run_case(request: HttpRequest, pk: int) -> HttpResponse:
    run: Run = _guard(reads.run_for, request.user, pk)
    form = CaseForm(request.POST, categories=_categories())
    if not form.is_valid():
        messages.error(request, _("Choose a case category."))
        return redirect("sim:detail", pk=run.scenario_id)
    url = request.build_absolute_uri(reverse("sim:detail", args=[run.scenario_id]))
    try:
        case = services.open_case(
            actor=request.user,
            run=run,
            kind=form.cleaned_data["kind"],
            point_id=form.cleaned_data["point"],
            category=form.cleaned_data["category"],
            case_url=url,
        )
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
        return redirect("sim:detail", pk=run.scenario_id)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from None
    messages.success(request, _("Case %(code)s opened.") % {"code": case.pk})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def run_risk(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the run's risk point becomes an entry of the risk register."""
    run: Run = _guard(reads.run_for, request.user, pk)
    url = request.build_absolute_uri(reverse("sim:detail", args=[run.scenario_id]))
    try:
        risk = risk_entry.enter_risk(
            actor=request.user,
            run=run,
            kind=request.POST.get("kind", ""),
            point_id=request.POST.get("point", ""),
            run_url=url,
        )
    except (ValidationFailed, ConflictError) as exc:
        messages.error(request, str(exc.message))
        return redirect("sim:detail", pk=run.scenario_id)
    except (PermissionDeniedError, NotFoundError) as exc:
        raise PermissionDenied(str(exc.message)) from None
    messages.success(request, _("Risk point added to the risk register."))
    return redirect("risks:detail", pk=risk.pk)
