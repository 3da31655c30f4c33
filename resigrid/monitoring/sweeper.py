"""The silence sweep: no reading arrives to trigger a silence rule, so a timer looks for sensors
that have been quiet too long (`manage.py monitor_sweep` every minute, or the task)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from resigrid.monitoring import rules
from resigrid.monitoring.bulk import update_rows
from resigrid.monitoring.choices import EventKind, RuleType, StateValue
from resigrid.monitoring.evaluation import STATE_FIELDS, Fired, apply_step, states_for
from resigrid.monitoring.models import Rule, RuleState, Sensor


@dataclass
class SweepReport:
    checked: int = 0
    fired: int = 0
    failed: int = 0
    events: list[Fired] = field(default_factory=list)


def _quiet_sensors(rule: Rule, now: dt.datetime) -> list[int]:
    """Active sensors of the rule heard last (or added) at least `minutes` ago whose state for
    this rule is not already firing."""
    qs = Sensor.objects.filter(active=True)
    if rule.sensor_id is not None:
        qs = qs.filter(pk=rule.sensor_id)
    else:
        qs = qs.filter(kind=rule.sensor_kind, grid__code__startswith=rule.area.scope_prefix)
    heard = Coalesce(F("last_at"), F("created_at"))
    qs = qs.alias(heard=heard).filter(heard__lte=now - dt.timedelta(minutes=rule.minutes))
    firing = Q(rule_states__rule=rule, rule_states__state=StateValue.FIRING)
    return list(qs.exclude(firing).order_by("pk").values_list("pk", flat=True))


def sweep(now: dt.datetime | None = None) -> SweepReport:
    """Fire every silence rule whose sensors have been quiet for its minutes. Each sensor in its
    own transaction with the sensor row locked (as ingestion does), so a reading arriving at the
    same moment is either seen (no firing) or clears the rule right after."""
    now = now or timezone.now()
    report = SweepReport()
    silence = Rule.objects.active().filter(type=RuleType.SILENCE)
    for rule in silence.select_related("area", "alert_target_area", "alert_issuer_area"):
        for sensor_id in _quiet_sensors(rule, now):
            report.checked += 1
            with transaction.atomic():
                sensor = (
                    Sensor.objects.select_for_update(of=("self",))
                    .select_related("grid__parent")
                    .filter(pk=sensor_id, active=True)
                    .first()
                )
                if sensor is None:
                    continue
                state = states_for([(rule, sensor)])[(rule.pk, sensor.pk)]
                heard = sensor.last_at or sensor.created_at
                step = rules.step_silence(rule.spec(), state.snapshot(), now, heard)
                event = apply_step(rule, sensor, state, step)
                update_rows(RuleState, STATE_FIELDS, [state])
            if event is not None:
                report.events.append(event)
                if event.kind == EventKind.FAILED:
                    report.failed += 1
                elif event.kind == EventKind.FIRE:
                    report.fired += 1
    return report
