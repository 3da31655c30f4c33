"""Every write of the simulation module: scenarios, runs, and a case from a risk point."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.people.models import Person
from resigrid.sim import schemas
from resigrid.sim.engine import roads
from resigrid.sim.engine.ensemble import available_bytes, estimate_bytes
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.errors import engine_failure
from resigrid.sim.models import Kind, Run, RunState, Scenario
from resigrid.sim.permissions import can_run_simulations

ROAD_FILE_MAX_BYTES = getattr(settings, "SIM_ROAD_FILE_MAX_BYTES", 20 * 2**20)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _check_area(actor: Any, area: Area) -> None:
    if not can_run_simulations(actor, area):
        raise PermissionDeniedError(_("You may not run simulations for this area."))


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise _fail("name", _("Please give the scenario a name."))
    if len(name) > 100:
        raise _fail("name", _("The name is too long (at most 100 characters)."))
    return name


def _check_roads(upload: UploadedFile) -> None:
    """Size-limited, and it must parse as GeoJSON lines or OSM XML roads."""
    if upload.size is not None and upload.size > ROAD_FILE_MAX_BYTES:
        raise _fail(
            "road_file",
            _("The road file is too large (at most %(mb)s MB).")
            % {"mb": ROAD_FILE_MAX_BYTES // 2**20},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        if data.lstrip()[:1] == b"<":
            roads.parse_osm_xml(data)
        else:
            roads.parse_geojson(data)
    except EngineInputError as exc:
        failure = engine_failure(exc)
        message = str(failure.message)
        raise _fail("road_file", message) from None


def create_scenario(
    *,
    actor: Any,
    kind: str,
    name: str,
    area: Area,
    params: Any = None,
    strategies: Any = None,
    road_file: UploadedFile | None = None,
) -> Scenario:
    _check_area(actor, area)
    if kind not in Kind.values:
        raise _fail("kind", _("Unknown scenario kind."))
    name = _check_name(name)
    if area.level == Level.DISTRICT:
        raise _fail("area", _("Choose a street, a community or a grid, not a whole district."))
    clean_params, clean_strategies = schemas.clean(kind, params, strategies)
    if road_file is not None:
        if kind != Kind.EVACUATION:
            raise _fail("road_file", _("Only evacuation scenarios use a road file."))
        _check_roads(road_file)
    scenario = Scenario(
        kind=kind,
        name=name,
        area=area,
        params=clean_params,
        strategies=clean_strategies,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if road_file is not None:
        scenario.road_file.save(Path(road_file.name or "roads").name, road_file, save=False)
    scenario.save()
    return scenario


def update_scenario(
    *,
    actor: Any,
    scenario: Scenario,
    name: str | None = None,
    params: Any = None,
    strategies: Any = None,
) -> Scenario:
    _check_area(actor, scenario.area)
    new_name = _check_name(name) if name is not None else scenario.name
    clean_params, clean_strategies = schemas.clean(
        scenario.kind,
        scenario.params if params is None else params,
        scenario.strategies if strategies is None else strategies,
    )
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if locked.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
            raise ConflictError(_("A run of this scenario is under way: wait for it to finish."))
        locked.name, locked.params, locked.strategies = new_name, clean_params, clean_strategies
        locked.save(update_fields=["name", "params", "strategies", "updated_at"])
    return locked


def _check_memory(scenario: Scenario, residents: int, replicates: int) -> None:
    if scenario.kind != Kind.EPIDEMIC:
        return
    grids = Area.objects.filter(code__startswith=scenario.area.scope_prefix, level=Level.GRID)
    needed = estimate_bytes(
        residents,
        int(scenario.params.get("days", 120)),
        grids.count(),
        replicates,
        len(scenario.strategies),
        1,
    )
    limit = int(0.8 * available_bytes())
    if needed > limit:
        raise engine_failure(
            EngineInputError(
                "ensemble_memory",
                "too large",
                field="replicates",
                needed_mb=round(needed / 2**20),
                limit_mb=round(limit / 2**20),
            )
        )


def start_run(
    *, actor: Any, scenario: Scenario, replicates: int | None = None, seed: int | None = None
) -> Run:
    """Queue a run (the task starts after the commit); refuse before any work what would fail."""
    _check_area(actor, scenario.area)
    default = int(scenario.params.get("replicates", 1)) if scenario.kind == Kind.EPIDEMIC else 1
    replicates = default if replicates is None else replicates
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not (1 <= replicates <= schemas.MAX_REPLICATES)
    ):
        raise _fail(
            "replicates",
            _("Replicates must be a whole number between 1 and %(n)s.")
            % {"n": schemas.MAX_REPLICATES},
        )
    seed = 0 if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise _fail("seed", _("The seed must be a whole number between 0 and 2147483647."))
    residents = Person.objects.filter(grid__code__startswith=scenario.area.scope_prefix).current()
    count = residents.count()
    if count == 0:
        raise _fail("area", _("This area has no residents in the registry."))
    _check_memory(scenario, count, replicates)
    with transaction.atomic():
        Scenario.objects.select_for_update().get(pk=scenario.pk)
        if scenario.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
            raise ConflictError(_("A run of this scenario is already under way."))
        run = Run.objects.create(
            scenario=scenario,
            seed=seed,
            replicates=replicates,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            message=_("Waiting for a worker."),
        )
        transaction.on_commit(functools.partial(_enqueue, run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from resigrid.sim.tasks import run_simulation  # the task module imports the runner

    run_simulation.enqueue(run_id)


def risk_point(run: Run, kind: str, point_id: str) -> dict[str, Any]:
    """One risk point of a finished run; `ValidationFailed` when the run has none such."""
    for point in (run.results or {}).get("risk_points", []):
        if point.get("kind") == kind and point.get("id") == point_id:
            return dict(point)
    raise _fail("point", _("This run has no such risk point."))


def _location(run: Run, point: dict[str, Any]) -> tuple[float, float]:
    """The building's or grid's position; else the grid's or the scenario area's centroid."""
    if point.get("lon") is not None and point.get("lat") is not None:
        return float(point["lon"]), float(point["lat"])
    grid_id = point.get("grid_id")
    grid = Area.objects.filter(pk=int(grid_id)).first() if grid_id else None
    for area in (grid, run.scenario.area):
        if area is not None and area.centroid_lon is not None and area.centroid_lat is not None:
            return float(area.centroid_lon), float(area.centroid_lat)
        if area is not None and area.boundary:
            from shapely.geometry import shape

            centre = shape(area.boundary).representative_point()
            return float(centre.x), float(centre.y)
    raise _fail("point", _("This risk point has no location."))


def open_case(
    *, actor: Any, run: Run, kind: str, point_id: str, category: str, case_url: str = ""
) -> Any:
    """Open a case from one risk point of a finished run (source: inspection finding).

    The description names the scenario and run, so the case links back to what found it."""
    from resigrid.cases.choices import Source
    from resigrid.cases.intake import Report, report_case

    _check_area(actor, run.scenario.area)
    if run.state != RunState.DONE:
        raise _fail("run", _("Only a finished run has risk points."))
    point = risk_point(run, kind, point_id)
    lon, lat = _location(run, point)
    title = _("Risk point: %(name)s") % {"name": point.get("name") or point_id}
    description = _('Found by the simulation "%(scenario)s" (run %(run)s): %(reason)s %(url)s') % {
        "scenario": run.scenario.name,
        "run": run.pk,
        "reason": point.get("reason", ""),
        "url": case_url,
    }
    report = Report(
        category=category,
        title=title[:120],
        description=description.strip()[:4000],
        lon=lon,
        lat=lat,
        source=Source.INSPECTION,
    )
    with transaction.atomic():
        return report_case(actor=actor, report=report)
