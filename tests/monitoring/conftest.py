"""Monitoring fixtures: a river water-level sensor in grid 11 with a flood rule (orange warning
for community 1 and an urgent 积水内涝 case), the case category it needs, a gateway account
and helpers to send readings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.monitoring import services
from resigrid.monitoring.ingest import BatchResult, ReadingIn, ingest
from resigrid.monitoring.models import Rule, Sensor
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category
from tests.factories import Tree, UserFactory, bind

T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)


def at(minute: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minute)


@dataclass
class Station:
    tree: Tree
    sensor: Sensor
    rule: Rule
    category: Category


def flood_rule(tree: Tree, sensor: Sensor, **extra: Any) -> services.RuleData:
    data: dict[str, Any] = {
        "name": "东湖河道水位超警",
        "type": "threshold",
        "sensor_id": sensor.pk,
        "direction": "above",
        "fire_level": 3.0,
        "clear_level": 2.8,
        "minutes": 10,
        "cooldown_minutes": 60,
        "action_alert": True,
        "alert_level": "orange",
        "alert_event": "暴雨内涝",
        "alert_headline": "{sensor}水位{value:.2f}{unit}，超过警戒水位{level}{unit}",
        "alert_instruction": "低洼地区居民请立即转移。",
        "action_case": True,
        "case_category": "04.01",
        "case_priority": "urgent",
    }
    data.update(extra)
    return services.RuleData(**data)


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def station(tree: Tree, admin_user: User) -> Station:
    parent = Category.objects.create(code="04", name="安全隐患", kind=CategoryKind.EVENT)
    leaf = Category.objects.create(
        code="04.01", name="积水内涝", kind=CategoryKind.EVENT, parent=parent
    )
    sensor = services.create_sensor(
        actor=admin_user,
        data=services.SensorData(
            code="WL-001",
            kind="water_level",
            name="东湖河道水位计",
            lon=120.05,
            lat=30.05,
            min_valid=-1.0,
            max_valid=10.0,
        ),
    )
    rule = services.create_rule(actor=admin_user, data=flood_rule(tree, sensor))
    return Station(tree, sensor, rule, leaf)


@pytest.fixture
def gateway(tree: Tree) -> User:
    """A sensor gateway's account: community staff of community 1 (may send for its grids)."""
    user = UserFactory(username="gateway1", full_name="网关")
    bind(user, tree.community1, Role.COMMUNITY_STAFF)
    return user


def send(actor: Any, readings: list[tuple[Any, Any, Any]], **extra: Any) -> BatchResult:
    """`readings`: (sensor code, at, value) triples."""
    items = [ReadingIn(sensor=s, at=t, value=v) for s, t, v in readings]
    return ingest(actor=actor, items=items, **extra)
