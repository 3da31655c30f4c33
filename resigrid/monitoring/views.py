"""Monitoring pages: the overview (rule states, firing first; every sensor's latest reading with
a 24-hour sparkline) and a sensor's page (chart, rules and their states, recent events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resigrid.core.errors import NotFoundError
from resigrid.monitoring import reads
from resigrid.monitoring.choices import RuleType, SensorKind, StateValue
from resigrid.monitoring.models import RuleEvent
from resigrid.monitoring.permissions import can_view_monitoring

STALE_AFTER = dt.timedelta(hours=1)
RANGES = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}


def _require_view(request: HttpRequest) -> None:
    if not can_view_monitoring(request.user):
        raise PermissionDenied(_("You may not see the monitoring points."))


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = request.user
    kind = request.GET.get("kind", "")
    if kind not in SensorKind.values:
        kind = ""
    sensors = list(reads.sensors_for(user, kind=kind))
    now = timezone.now()
    lines = reads.sparklines([s.pk for s in sensors], now - dt.timedelta(hours=24), now)
    board = reads.state_board(user)
    firing_sensors = {st.sensor_id for st in board if st.state == StateValue.FIRING}
    rows: list[dict[str, Any]] = [
        {
            "sensor": s,
            "community": s.grid.parent.name if s.grid.parent else "",
            "spark": reads.sparkline_points(lines[s.pk]),
            "firing": s.pk in firing_sensors,
            "stale": s.active and (s.last_at is None or now - s.last_at > STALE_AFTER),
        }
        for s in sensors
    ]
    return render(
        request,
        "monitoring/overview.html",
        {
            "rows": rows,
            "board": board,
            "firing": sum(1 for st in board if st.state == StateValue.FIRING),
            "kinds": SensorKind.choices,
            "kind": kind,
        },
    )


@login_required
@require_GET
def sensor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    user = request.user
    try:
        sensor = reads.sensor_or_404(user, pk)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    span = request.GET.get("range", "7d")
    if span not in RANGES:
        span = "7d"
    now = timezone.now()
    series = reads.series(sensor, now - RANGES[span], now, 600)
    rules = list(reads.rules_for(user, sensor=sensor))
    states = reads.states_of(rules, user)
    rule_rows = []
    for rule in rules:
        mine = next((st for st in states[rule.pk] if st.sensor_id == sensor.pk), None)
        rule_rows.append({"rule": rule, "state": mine})
    chart = {
        "name": sensor.name,
        "unit": sensor.unit,
        "points": [
            [timezone.localtime(p.at).strftime("%Y-%m-%d %H:%M"), round(p.value, 4)]
            for p in series.points
        ],
        "levels": [
            {"name": r.name, "value": r.fire_level}
            for r in rules
            if r.type == RuleType.THRESHOLD and r.fire_level is not None
        ],
    }
    events = (
        RuleEvent.objects.filter(sensor=sensor, rule__in=[r.pk for r in rules])
        .select_related("rule")
        .order_by("-at", "-pk")[:20]
    )
    return render(
        request,
        "monitoring/sensor_detail.html",
        {
            "sensor": sensor,
            "chart": chart,
            "range": span,
            "ranges": list(RANGES),
            "rule_rows": rule_rows,
            "events": events,
            "bucket_minutes": series.bucket_seconds // 60,
            "count": len(series.points),
        },
    )
