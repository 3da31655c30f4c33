"""Monitoring pages: the overview (firing rules on top, latest readings with sparklines) and the
sensor page (chart data, rules with states, events), scoped."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine

from resigrid.monitoring import reads, services
from resigrid.monitoring.models import Rule
from tests.monitoring.conftest import Station, at, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(station: Station, admin_user, gateway) -> Station:
    """Two sensors with a day of readings; the river rule firing, a rainfall rule ok."""
    rain = services.create_sensor(
        actor=admin_user,
        data=services.SensorData(
            code="RF-12", kind="rainfall", name="东湖雨量站", lon=120.15, lat=30.05
        ),
    )
    services.create_rule(
        actor=admin_user,
        data=services.RuleData(
            name="短时强降雨", type="threshold", sensor_id=rain.pk, fire_level=50, minutes=0
        ),
    )
    Rule.objects.filter(pk=station.rule.pk).update(minutes=0)
    rows = []
    for i in range(144):  # every 10 minutes for a day
        rows.append(("WL-001", at(i * 10), 2.0 + i / 100))  # crosses 3.0 at i = 100
        rows.append(("RF-12", at(i * 10), float(i % 7)))
    with time_machine.travel(at(1440), tick=False):
        send(gateway, rows)
    return station


def test_overview_puts_firing_rules_first(busy: Station, community_staff, client_for) -> None:
    with time_machine.travel(at(1445), tick=False):
        response = client_for(community_staff).get("/monitoring/")
    assert response.status_code == 200
    html = response.content.decode()
    states = re.findall(r'data-state="(\w+)" data-rule="\d+" data-sensor="([\w-]+)"', html)
    assert states == [("firing", "WL-001"), ("ok", "RF-12")]
    assert re.findall(r'<li class="list-group-item" data-sensor="([\w-]+)"', html) == [
        "WL-001",
        "RF-12",
    ]
    assert html.count("<polyline") == 2
    assert 'data-badge="firing"' in html and "3.43" in html  # the last water level
    assert 'id="firing-count"' in html


def test_overview_filters_by_kind(busy: Station, community_staff, client_for) -> None:
    with time_machine.travel(at(1445), tick=False):
        html = client_for(community_staff).get("/monitoring/?kind=rainfall").content.decode()
    assert re.findall(r'<li class="list-group-item" data-sensor="([\w-]+)"', html) == ["RF-12"]


def test_overview_needs_the_right(busy: Station, resident, outsider, client_for, client) -> None:
    assert client.get("/monitoring/").status_code == 302  # to the login
    assert client_for(resident).get("/monitoring/").status_code == 403
    assert client_for(outsider).get("/monitoring/").status_code == 403


def test_other_community_sees_none_of_it(busy: Station, tree, client_for) -> None:
    from resigrid.accounts.roles import Role
    from tests.factories import UserFactory, bind

    neighbour = UserFactory(username="west")
    bind(neighbour, tree.community2, Role.COMMUNITY_STAFF)
    client = client_for(neighbour)
    html = client.get("/monitoring/").content.decode()
    assert "WL-001" not in html and "No sensors here yet." in html
    assert client.get(f"/monitoring/sensors/{busy.sensor.pk}/").status_code == 404


def test_sensor_page_with_chart_rules_and_events(
    busy: Station, community_staff, client_for
) -> None:
    client = client_for(community_staff)
    with time_machine.travel(at(1445), tick=False):
        response = client.get(f"/monitoring/sensors/{busy.sensor.pk}/?range=24h")
    assert response.status_code == 200
    html = response.content.decode()
    chart = json.loads(re.search(r'id="sensor-chart-data"[^>]*>(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert (chart["unit"], len(chart["points"]), chart["levels"]) == (
        "m",
        143,  # 08:10 … 07:50 the next day: the window starts at 08:05
        [{"name": "东湖河道水位超警", "value": 3.0}],
    )
    assert chart["points"][0] == ["2026-07-01 16:10", 2.01]  # local time, the first in the window
    assert re.findall(r'data-rule="\d+" data-state="(\w+)"', html) == ["firing"]
    assert "Fired" in html and "Alert drafted" in html


def test_sparkline_helpers() -> None:
    assert reads.sparkline_points([None, None]) == ""
    assert reads.sparkline_points([1.0, None, 3.0], width=10, height=6) == "2.0,4.0 8.0,2.0"
    assert reads.sparkline_points([5.0, 5.0], width=10, height=6) == "2.0,4.0 8.0,4.0"


def test_sparklines_bucket_in_the_database(busy: Station) -> None:
    start = at(0)
    lines = reads.sparklines([busy.sensor.pk], start, start + dt.timedelta(hours=24), buckets=24)
    values = lines[busy.sensor.pk]
    assert len(values) == 24
    assert values[0] == pytest.approx(2.025)  # 2.00 … 2.05, six readings in the first hour


def test_admin_lists_are_read_only(busy: Station, admin_user, client_for) -> None:
    client = client_for(admin_user)
    for model in ("sensor", "rule", "rulestate", "ruleevent", "deadletter"):
        assert client.get(f"/admin/monitoring/{model}/").status_code == 200
    assert client.get("/admin/monitoring/sensor/add/").status_code == 403
    response = client.get(f"/admin/monitoring/sensor/{busy.sensor.pk}/change/")
    assert response.status_code == 200 and b'name="_save"' not in response.content
