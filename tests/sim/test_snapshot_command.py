"""The snapshot's contents on the tiny community, and `manage.py simulate`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from resigrid.sim import snapshot
from resigrid.sim.engine.population import NEED_MEDICINE, NEED_MOBILITY
from resigrid.sim.models import Run, RunState, Scenario
from tests.sim.conftest import World

pytestmark = pytest.mark.django_db


def test_snapshot_contents(world: World) -> None:
    snap = snapshot.take(world.tree.community1, today=dt.date(2026, 6, 1))
    tree = world.tree
    assert snap.counts() == {"residents": 36, "households": 12, "buildings": 3, "grids": 2,
                             "vulnerable": 6, "shelters": 2, "stock_rows": 1}  # fmt: skip
    # Born 1950 + 5 × (h + k) on 1 June: 76 years old on 1 June 2026 for h = k = 0.
    assert sorted(set(snap.age.tolist()))[-1] == 76
    assert int(snap.age.min()) == 76 - 5 * 7
    assert set(snap.grid.tolist()) == {tree.grid11.pk, tree.grid12.pk}
    assert set(snap.community.tolist()) == {tree.community1.pk}
    assert int((snap.need == NEED_MOBILITY).sum()) == 6
    assert int((snap.need == NEED_MEDICINE).sum()) == 3
    assert sorted(snap.bld_name.tolist()) == ["1号楼", "2号楼", "3号楼"]
    assert sorted(snap.shelter_capacity.tolist()) == [30, 30]
    assert (snap.stock_code.tolist(), snap.stock_qty.tolist(), snap.stock_grid.tolist()) == (
        ["W001"], [20.0], [0])  # fmt: skip
    again = snapshot.Snapshot.from_bytes(snap.to_bytes())
    assert np.array_equal(again.age, snap.age) and again.counts() == snap.counts()
    assert snap.population().size == 36


def test_simulate_command(supplies: Scenario) -> None:
    out = StringIO()
    call_command("simulate", str(supplies.pk), "--seed", "5", stdout=out, stderr=StringIO())
    run = Run.objects.get()
    assert (run.state, run.progress, run.seed) == (RunState.DONE, 100, 5)
    assert out.getvalue().startswith(f"Run {run.pk} done: With the best pre-positioning")
    with pytest.raises(CommandError, match="No scenario 999999"):
        call_command("simulate", "999999")
