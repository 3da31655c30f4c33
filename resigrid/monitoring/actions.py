"""What a firing rule does: draft a warning through the alerts service and/or open a case through
the intake service, both as the platform itself (`system=True`, no actor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from resigrid.alerts.choices import Certainty, Kind, Source, Urgency
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.cases.choices import Source as CaseSource
from resigrid.cases.intake import Report, report_case
from resigrid.cases.models import Case
from resigrid.monitoring import rules
from resigrid.monitoring.choices import SensorKind
from resigrid.monitoring.models import Rule, Sensor
from resigrid.monitoring.services import community_of, default_description, default_headline


def template_values(
    rule: Rule, sensor: Sensor, at: dt.datetime, value: float | None
) -> dict[str, Any]:
    community = community_of(sensor.grid)
    return {
        "sensor": sensor.name,
        "code": sensor.code,
        "kind": str(SensorKind(sensor.kind).label),
        "value": value if value is not None else "—",
        "unit": sensor.unit,
        "level": rule.fire_level if rule.fire_level is not None else "—",
        "minutes": rule.minutes,
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
        "grid": sensor.grid.name,
        "community": community.name,
        "rule": rule.name,
    }


def _areas(rule: Rule, sensor: Sensor) -> tuple[Area, Area]:
    target = rule.alert_target_area or community_of(sensor.grid)
    issuer = rule.alert_issuer_area or target
    return issuer, target


def draft_warning(rule: Rule, sensor: Sensor, at: dt.datetime, value: float | None) -> Alert:
    values = template_values(rule, sensor, at, value)
    issuer, target = _areas(rule, sensor)
    draft = Draft(
        issuer_area_id=issuer.pk,
        target_area_ids=[target.pk],
        kind=Kind.WARNING,
        level=rule.alert_level,
        category=rule.alert_category,
        event=rule.alert_event,
        headline=rules.render(rule.alert_headline or default_headline(), values)[:160],
        description=rules.render(rule.alert_description or default_description(), values),
        instruction=rule.alert_instruction,
        urgency=Urgency.IMMEDIATE,
        certainty=Certainty.OBSERVED,
        onset=at,
    )
    return draft_alert(
        actor=None,
        draft=draft,
        source=Source.SENSOR,
        source_ref=f"rule:{rule.pk}:sensor:{sensor.code}",
        system=True,
    )


def open_case(rule: Rule, sensor: Sensor, at: dt.datetime, value: float | None) -> Case:
    values = template_values(rule, sensor, at, value)
    report = Report(
        category=rule.case_category,
        title=rules.render(rule.alert_headline or default_headline(), values)[:120],
        description=rules.render(rule.alert_description or default_description(), values)[:4000],
        lon=sensor.lon,
        lat=sensor.lat,
        priority=rule.case_priority,
        address=sensor.name[:200],
        source=CaseSource.SENSOR,
        external_id=f"mon:{rule.pk}:{sensor.pk}:{int(at.timestamp())}"[:64],
    )
    # Reported when the sensor saw it (a gateway's backlog keeps its times), never in the future.
    return report_case(actor=None, report=report, now=min(at, timezone.now()), system=True)
