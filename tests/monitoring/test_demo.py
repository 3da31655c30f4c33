"""The monitoring demo: a week of readings, the rules evaluated by the real code, the first
community's river firing its orange rule now with its warning drafted and case opened."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from resigrid.alerts.models import Alert
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.cases.models import Case
from resigrid.monitoring.models import Reading, RuleEvent, RuleState, Sensor
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category
from resigrid.web.demo.monitoring import seed_monitoring
from tests.factories import Tree

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 7, 8, 8, 3, 27, tzinfo=dt.UTC)
END = dt.datetime(2026, 7, 8, 8, 0, tzinfo=dt.UTC)  # NOW on the 10-minute raster


def categories() -> None:
    top = Category.objects.create(code="04", name="安全隐患", kind=CategoryKind.EVENT)
    for code, name in (("04.01", "积水内涝"), ("04.02", "燃气泄漏"), ("04.03", "火情")):
        Category.objects.create(code=code, name=name, kind=CategoryKind.EVENT, parent=top)


def test_a_week_of_readings_and_the_river_firing_now(tree: Tree) -> None:
    categories()
    counts = seed_monitoring(
        seed=1, community_ids=[tree.community1.pk, tree.community2.pk], now=NOW
    )
    # Community 1: river, rain, square, smoke and gas in 1号楼; community 2 has no buildings.
    assert counts == {"sensors": 8, "sensor_rules": 11, "readings": 8 * 1008, "rule_events": 3}
    assert Reading.objects.count() == 8 * 1008
    river = Sensor.objects.get(code="001001-WL")
    assert (river.grid, river.last_at, river.unit) == (tree.grid11, END, "m")
    assert river.readings.order_by("at").first().at == END - dt.timedelta(days=7, minutes=-10)  # type: ignore[union-attr]
    firing = RuleState.objects.filter(state="firing")
    assert list(firing.values_list("rule__name", "sensor__code")) == [
        ("东湖社区河道水位橙色预警", "001001-WL")
    ]
    state = firing.get()
    alert, case = Alert.objects.get(), Case.objects.get()
    assert (state.last_alert, state.last_case) == (alert, case)
    assert (alert.level, alert.event, alert.state, alert.source, alert.issuer_area) == (
        "orange",
        "暴雨内涝",
        "draft",
        "sensor",
        tree.community1,
    )
    assert alert.headline.startswith("东湖社区河道水位计水位3.")
    assert (case.source, case.category.code, case.priority, case.grid) == (
        "sensor",
        "04.01",
        "high",
        tree.grid11,
    )
    assert state.since is not None
    assert case.reported_at == state.since < END
    # The rain rule fired during the storm and cleared after it.
    rain = RuleEvent.objects.filter(sensor__code="001001-RF").order_by("at")
    assert list(rain.values_list("kind", flat=True)) == ["fire", "clear"]
    # Every stored reading is inside its sensor's valid range.
    for sensor in Sensor.objects.all():
        values = list(sensor.readings.values_list("value", flat=True))
        assert sensor.min_valid <= min(values) and max(values) <= sensor.max_valid  # type: ignore[operator]


def test_on_the_real_demo_with_the_gas_leak() -> None:
    """seed_demo as builder.py runs it (which calls seed_monitoring once it is wired there)."""
    registers = pytest.importorskip("resigrid.web.demo.registers")
    call_command("seed_demo", "--residents", "600", "--grids", "4", "--communities", "2",
                 stdout=StringIO())  # fmt: skip
    district = Area.objects.get(level=Level.DISTRICT)
    street = Area.objects.get(level=Level.STREET)
    communities = list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
    if not Category.objects.exists():
        registers.seed_registers(
            seed=1, district_id=district.pk, street_id=street.pk, community_ids=communities
        )
    if not Sensor.objects.exists():
        seed_monitoring(seed=7, community_ids=communities, now=NOW)
    assert Sensor.objects.count() == 10
    assert Reading.objects.count() == 10 * 1008
    leak = RuleEvent.objects.filter(sensor__kind="gas").order_by("at")
    assert [(e.kind, e.sensor.grid.parent_id) for e in leak] == [
        ("fire", communities[1]),
        ("clear", communities[1]),
    ]
    gas_case = Case.objects.get(external_id__startswith="mon:", category__code="04.02")
    assert (gas_case.priority, gas_case.reported_at) == ("urgent", leak[0].at)
    firing = RuleState.objects.filter(state="firing")
    assert list(firing.values_list("sensor__code", flat=True)) == ["001001-WL"]
    assert firing.get().last_alert.level == "orange"  # type: ignore[union-attr]
