"""Execute a run: take the snapshot, compute, store results, with progress on the Run row.

Progress and state are written with single-row UPDATEs in autocommit, so a page polling the
run sees them while the work goes on. A failure is stored (state failed, code and translated
text) and never raised to the task runner: the run row is the record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed
from resigrid.sim import compute, snapshot
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.errors import engine_message
from resigrid.sim.models import Kind, Run, RunState

log = logging.getLogger(__name__)


class _Progress:
    def __init__(self, run_id: int, listener: Callable[[int], object] | None = None) -> None:
        self.run_id = run_id
        self.last = -1
        self.listener = listener

    def __call__(self, percent: int, message: str) -> None:
        percent = max(0, min(99, percent))  # 100 only with the results
        if percent == self.last:
            return
        self.last = percent
        Run.objects.filter(pk=self.run_id).update(progress=percent, message=message[:200])
        if self.listener is not None:
            self.listener(percent)


def _claim(run_id: int) -> Run | None:
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("scenario__area").get(pk=run_id)
        if run.state != RunState.QUEUED:
            return None
        run.state = RunState.RUNNING
        run.started_at = timezone.now()
        run.progress = 1
        run.message = _("Reading the registry.")
        run.save(update_fields=["state", "started_at", "progress", "message"])
    return run


def _fail(run: Run, code: str, text: str) -> None:
    Run.objects.filter(pk=run.pk).update(
        state=RunState.FAILED,
        finished_at=timezone.now(),
        error_code=code[:64],
        error_text=text,
        message=_("The run failed."),
    )


def _compute(run: Run, snap: snapshot.Snapshot, progress: _Progress) -> dict[str, Any]:
    scenario = run.scenario
    if scenario.kind == Kind.EPIDEMIC:
        return compute.epidemic(
            snap,
            scenario.params,
            scenario.strategies,
            replicates=run.replicates,
            seed=run.seed,
            progress=progress,
        )
    if scenario.kind == Kind.EVACUATION:
        data = None
        if scenario.road_file:
            with scenario.road_file.open("rb") as handle:
                data = handle.read()
        return compute.evacuation(snap, scenario.params, road_data=data, progress=progress)
    return compute.supplies(snap, scenario.params, progress=progress)


def execute(run_id: int, on_progress: Callable[[int], object] | None = None) -> str:
    """Run `run_id` if it is queued; answer its final state. `on_progress(percent)` is told
    each step (the command's progress bar)."""
    run = _claim(run_id)
    if run is None:
        return str(Run.objects.values_list("state", flat=True).get(pk=run_id))
    progress = _Progress(run.pk, on_progress)
    try:
        snap = snapshot.take(run.scenario.area)
        counts = snap.counts()
        Run.objects.filter(pk=run.pk).update(
            snapshot=snap.to_bytes(),
            snapshot_counts=counts,
            progress=3,
            message=snapshot.describe(counts),
        )
        results = _compute(run, snap, progress)
    except EngineInputError as exc:
        _fail(run, exc.code, engine_message(exc))
        return RunState.FAILED
    except ValidationFailed as exc:
        _fail(run, "area_empty" if exc.field == "area" else "invalid", str(exc.message))
        return RunState.FAILED
    except Exception as exc:  # a bug must still leave the run finished, with its reason
        log.exception("simulation run %s failed", run.pk)
        _fail(run, "internal", _("The run failed unexpectedly: %(error)s") % {"error": exc})
        return RunState.FAILED
    Run.objects.filter(pk=run.pk).update(
        state=RunState.DONE,
        results=results,
        progress=100,
        finished_at=timezone.now(),
        message=_("Finished."),
    )
    return RunState.DONE
