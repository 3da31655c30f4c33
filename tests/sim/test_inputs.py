"""Bad input: translated, exact errors before any work; a failing run is stored as failed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.sim import schemas, services
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.errors import engine_message
from resigrid.sim.models import Run, RunState, Scenario
from tests.factories import Tree
from tests.sim.conftest import World

pytestmark = pytest.mark.django_db


def _errors(kind: str, params: Any, strategies: Any = None) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        schemas.clean(kind, params, strategies)
    return caught.value.errors


def test_schema_errors_exact() -> None:
    assert _errors("epidemic", {"r0": -1, "initial_infected": 0}, [{"name": "a"}]) == {
        "params.r0": ["Must be greater than 0."],
        "params.initial_infected": ["Must be at least 1."],
    }
    assert _errors("epidemic", {"r0": 1000}, [{"name": "a"}]) == {
        "params.r0": ["Must be at most 20."]
    }
    assert _errors("epidemic", {"replicates": 100000}, [{"name": "a"}]) == {
        "params.replicates": ["Must be at most 500."]
    }
    assert _errors("epidemic", {}, []) == {"strategies": ["Give at least 1."]}
    assert _errors("epidemic", {}, [{"name": "a", "testing": {"daily_probability": 2}}]) == {
        "strategies.0.testing.daily_probability": ["Must be at most 1."]
    }
    assert _errors("epidemic", {}, [{"name": "a"}, {"name": "a"}]) == {
        "strategies": ["Strategy names must be unique: a."]
    }
    assert _errors("epidemic", {"rate": 1}, [{"name": "a"}]) == {"params.rate": ["Unknown field."]}
    assert _errors("supplies", {"items": [{"item": "W", "per_household": -1}]}) == {
        "params.items.0.per_household": ["Must be at least 0."]
    }
    assert _errors("evacuation", {"hazard": {"type": "Point", "coordinates": [1, 2]}}) == {
        "params.hazard": ["The hazard area is not a GeoJSON polygon."]
    }
    assert _errors("supplies", {"items": [{"item": "W"}]}, [{"name": "x"}]) == {
        "strategies": ["Only epidemic scenarios compare strategies."]
    }


def test_schema_errors_translated() -> None:
    # Django's own catalogue already has this msgid; ours arrive when the lead merges the .po.
    with translation.override("zh-hans"):
        errors = _errors("supplies", {})
    assert errors == {"params.items": ["此项为必填项。"]}


def test_engine_codes_map_to_messages() -> None:
    exc = EngineInputError("ensemble_memory", "x", field="replicates", needed_mb=900, limit_mb=50)
    assert engine_message(exc) == (
        "This run needs about 900 MB of memory and the limit is 50 MB: use fewer replicates or "
        "strategies, or a smaller area."
    )
    assert engine_message(EngineInputError("new_code", "x", field="f")) == (
        "The simulation input is not valid (new_code: f)."
    )


def test_road_file_checked(world: World, secretary: User) -> None:
    bad = SimpleUploadedFile("roads.geojson", b"{not json")
    with pytest.raises(ValidationFailed) as caught:
        services.create_scenario(
            actor=secretary, kind="evacuation", name="e", area=world.tree.community1, road_file=bad
        )
    assert caught.value.errors == {"road_file": ["The road file is not valid GeoJSON with lines."]}
    assert Scenario.objects.count() == 0


def test_permission_and_area(tree: Tree, community_staff: User, secretary: User) -> None:
    with pytest.raises(PermissionDeniedError):
        services.create_scenario(
            actor=community_staff,
            kind="supplies",
            name="s",
            area=tree.community1,
            params={"items": [{"item": "W"}]},
        )
    scenario = services.create_scenario(
        actor=secretary,
        kind="supplies",
        name="s",
        area=tree.community1,
        params={"items": [{"item": "W"}]},
    )
    with pytest.raises(ValidationFailed) as caught:  # nobody lives in the test tree
        services.start_run(actor=secretary, scenario=scenario)
    assert caught.value.errors == {"area": ["This area has no residents in the registry."]}
    assert Run.objects.count() == 0


def test_too_many_replicates_for_memory(
    epidemic: Scenario, secretary: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "available_bytes", lambda: 100 * 2**20)
    with pytest.raises(ValidationFailed) as caught:
        services.start_run(actor=secretary, scenario=epidemic, replicates=50)
    [message] = caught.value.errors["replicates"]
    assert message.startswith("This run needs about ") and "the limit is 80 MB" in message
    assert Run.objects.count() == 0


def test_one_run_at_a_time(supplies: Scenario, secretary: User) -> None:
    services.start_run(actor=secretary, scenario=supplies)
    with pytest.raises(ConflictError):
        services.start_run(actor=secretary, scenario=supplies)
    assert Run.objects.count() == 1


def test_failing_run_is_stored(
    supplies: Scenario, secretary: User, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # The residents move out after the scenario was made: the snapshot finds nobody.
    import datetime as dt

    from resigrid.people.models import Person

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.start_run(actor=secretary, scenario=supplies)
    Person.objects.update(moved_out=dt.date(2000, 1, 1))
    callbacks[0]()
    run.refresh_from_db()
    assert (run.state, run.error_code) == (RunState.FAILED, "area_empty")
    assert (
        run.error_text == "东湖社区 has no residents in the registry: there is nobody to simulate."
    )
    assert run.results is None and run.finished_at is not None


def test_engine_failure_is_stored(
    evacuation: Scenario, secretary: User, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    evacuation.params["hazard"] = {
        "type": "Polygon",
        "coordinates": [[[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.0]]],
    }
    evacuation.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(actor=secretary, scenario=evacuation)
    run.refresh_from_db()
    assert (run.state, run.error_code, run.error_text) == (
        RunState.FAILED,
        "evacuation.nobody",
        "Nobody lives in the hazard area.",
    )
