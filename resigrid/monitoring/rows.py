"""Plain rows for the ingestion hot path: a batch of a thousand readings touches a thousand
sensors and as many rule states, and building Django model instances for them costs more than
the rest of the evaluation. These carry the same attribute names as the models, so the shared
code (evaluation.apply_step, bulk.update_rows) takes either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from resigrid.monitoring import rules
from resigrid.monitoring.choices import StateValue
from resigrid.monitoring.models import RuleState, Sensor

SENSOR_FIELDS = (
    "pk", "code", "kind", "name", "unit", "min_valid", "max_valid", "active", "owner_unit_id",
    "grid_id", "grid__code", "last_at", "last_value",
)  # fmt: skip


@dataclass(slots=True)
class SensorRow:
    pk: int
    code: str
    kind: str
    name: str
    unit: str
    min_valid: float | None
    max_valid: float | None
    active: bool
    owner_unit_id: int | None
    grid_id: int
    grid_code: str
    last_at: dt.datetime | None
    last_value: float | None

    def model(self) -> Sensor:
        """The sensor itself, with its grid and community (for a firing's alert and case)."""
        return Sensor.objects.select_related("grid__parent").get(pk=self.pk)


STATE_COLUMNS = (
    "pk", "rule_id", "sensor_id", "state", "since", "pending_since", "evaluated_until",
    "last_value", "last_fired_at", "fire_count", "last_alert_id", "last_case_id", "last_error",
    "last_error_at",
)  # fmt: skip


@dataclass(slots=True)
class StateRow:
    pk: int
    rule_id: int
    sensor_id: int
    state: str = StateValue.OK
    since: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    evaluated_until: dt.datetime | None = None
    last_value: float | None = None
    last_fired_at: dt.datetime | None = None
    fire_count: int = 0
    last_alert_id: int | None = None
    last_case_id: int | None = None
    last_error: str = ""
    last_error_at: dt.datetime | None = None

    def snapshot(self) -> rules.Snapshot:
        return rules.Snapshot(
            firing=self.state == StateValue.FIRING,
            since=self.since,
            pending_since=self.pending_since,
            last_fired_at=self.last_fired_at,
            evaluated_until=self.evaluated_until,
        )

    def take(self, snap: rules.Snapshot) -> None:
        self.state = StateValue.FIRING if snap.firing else StateValue.OK
        self.since = snap.since
        self.pending_since = snap.pending_since
        self.last_fired_at = snap.last_fired_at
        self.evaluated_until = snap.evaluated_until

    @classmethod
    def of(cls, state: RuleState) -> StateRow:
        values: dict[str, Any] = {name: getattr(state, name) for name in STATE_COLUMNS}
        return cls(**values)
