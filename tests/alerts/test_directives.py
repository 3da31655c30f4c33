"""Directives: a level's report back (first, then updates, each logged and sent to the issuer),
the issuer's view of who reported and who is late, and a case handed to a receiving area."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.roles import Role
from resigrid.alerts import directives, services
from resigrid.alerts.models import Alert, AlertLog, Relay
from resigrid.cases.models import Case
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.notify.models import Delivery, Message
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published
from tests.factories import UserFactory, bind

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def directive(world: World, **extra: Any) -> Alert:
    data: dict[str, Any] = {
        "kind": "directive",
        "level": "",
        "event": "排查",
        "headline": "立即排查低洼地区",
        "description": "各社区立即排查辖区低洼地带和地下车库。",
        "instruction": "排查结果2小时内上报。",
        "ack_minutes": 30,
    }
    data.update(extra)
    return published(world, **data)


def relay_at(alert: Alert, area: Any) -> Relay:
    return Relay.objects.get(alert=alert, area=area)


def issuer_messages() -> list[tuple[str, str]]:
    return [
        (m.subject, m.body)
        for m in Message.objects.filter(topic="alert", subject__contains="report").order_by("pk")
    ]


def test_report_back_once_then_updates_keep_the_first_time(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        alert = directive(world)
    relay = relay_at(alert, world.tree.community1)
    with time_machine.travel(T0 + 5 * MIN, tick=False):
        done = directives.report_back(
            actor=world.secretary, relay_id=relay.pk, report="  已排查3处，无积水。 "
        )
    assert (done.reported_at, done.report) == (T0 + 5 * MIN, "已排查3处，无积水。")
    assert (done.acknowledged_at, done.acknowledged_by_id) == (T0 + 5 * MIN, world.secretary.pk)
    with time_machine.travel(T0 + 50 * MIN, tick=False):
        directives.report_back(actor=world.secretary, relay_id=relay.pk, report="车库已封闭。")
    relay.refresh_from_db()
    assert (relay.reported_at, relay.report, relay.acknowledged_at) == (
        T0 + 5 * MIN,
        "车库已封闭。",
        T0 + 5 * MIN,
    )
    logged = list(
        AlertLog.objects.filter(alert=alert, action__startswith="report").values_list(
            "action", "area_id", "note", "actor_id", "at"
        )
    )
    assert logged == [
        ("report", relay.area_id, "已排查3处，无积水。", world.secretary.pk, T0 + 5 * MIN),
        ("report_update", relay.area_id, "车库已封闭。", world.secretary.pk, T0 + 50 * MIN),
    ]
    assert issuer_messages() == [
        ("东湖社区 reported back: 立即排查低洼地区", "已排查3处，无积水。"),
        ("东湖社区 updated its report: 立即排查低洼地区", "车库已封闭。"),
    ]
    # The issuer (drafter and publisher: the street account) gets each in the inbox.
    inbox = Delivery.objects.filter(message__subject__contains="report", channel="inbox")
    assert sorted(inbox.values_list("user_id", flat=True)) == [world.street.pk] * 2


def test_report_back_refusals_change_nothing(world: World) -> None:
    alert = directive(world)
    relay = relay_at(alert, world.tree.community1)
    with pytest.raises(PermissionDeniedError):
        directives.report_back(actor=world.staff2, relay_id=relay.pk, report="x")
    with pytest.raises(PermissionDeniedError):
        directives.report_back(actor=world.resident, relay_id=relay.pk, report="x")
    for text, message in (
        ("   ", "Say what this level has done."),
        ("字" * 2001, "At most 2000 characters."),
    ):
        with pytest.raises(ValidationFailed) as err:
            directives.report_back(actor=world.secretary, relay_id=relay.pk, report=text)
        assert (err.value.field, str(err.value.message)) == ("report", message)
    with pytest.raises(NotFoundError):
        directives.report_back(actor=world.secretary, relay_id=relay.pk + 999, report="x")
    relay.refresh_from_db()
    assert (relay.reported_at, relay.report, relay.acknowledged_at) == (None, "", None)
    assert not AlertLog.objects.filter(alert=alert, action__startswith="report").exists()
    assert issuer_messages() == []
    # A warning asks for no report.
    warning = published(world, headline="暴雨蓝色预警", level="blue")
    with pytest.raises(ConflictError) as conflict:
        directives.report_back(
            actor=world.secretary,
            relay_id=relay_at(warning, world.tree.community1).pk,
            report="x",
        )
    assert str(conflict.value.message) == "Only a directive asks for a report back."
    # A cancelled directive takes no more reports.
    services.cancel(actor=world.street, alert_id=alert.pk, note="撤回")
    with pytest.raises(ConflictError) as conflict:
        directives.report_back(actor=world.secretary, relay_id=relay.pk, report="x")
    assert conflict.value.state == "cancelled"


def test_reports_show_who_reported_and_who_is_late(world: World) -> None:
    t = world.tree
    with time_machine.travel(T0, tick=False):
        alert = directive(world)
    with time_machine.travel(T0 + 10 * MIN, tick=False):
        directives.report_back(
            actor=world.secretary, relay_id=relay_at(alert, t.community1).pk, report="好"
        )
    early = directives.reports(alert=alert, now=T0 + 20 * MIN)
    with time_machine.travel(T0 + 40 * MIN, tick=False):
        directives.report_back(
            actor=world.worker11, relay_id=relay_at(alert, t.grid11).pk, report="迟了"
        )
    assert [(x.area_name, x.state) for x in early.levels] == [
        ("东湖社区", "reported"),
        ("东湖一网格", "waiting"),
        ("东湖二网格", "waiting"),
        ("西湖社区", "waiting"),
        ("西湖一网格", "waiting"),
    ]
    late = directives.reports(alert=alert, now=T0 + 45 * MIN)
    assert [(x.area_name, x.state, x.due_at) for x in late.levels] == [
        ("东湖社区", "reported", T0 + 30 * MIN),
        ("东湖一网格", "reported_late", T0 + 30 * MIN),
        ("东湖二网格", "late", T0 + 30 * MIN),
        ("西湖社区", "late", T0 + 30 * MIN),
        ("西湖一网格", "late", T0 + 30 * MIN),
    ]
    assert (late.reported, late.late, late.waiting) == (2, 4, 0)


@pytest.fixture
def manhole() -> Category:
    parent = Category.objects.create(code="02", name="设施管理", kind=CategoryKind.FACILITY)
    return Category.objects.create(
        code="02.01", name="井盖缺失", kind=CategoryKind.FACILITY, parent=parent
    )


def test_directive_hands_a_case_to_a_receiving_area(world: World, manhole: Category) -> None:
    t = world.tree
    alert = directive(world)
    relay = relay_at(alert, t.community1)
    case = directives.create_case(actor=world.street, relay_id=relay.pk, category_code="02.01")
    assert (case.source, case.external_id, case.title) == (
        "assigned",
        f"alert:{alert.pk}/relay:{relay.pk}",
        "立即排查低洼地区",
    )
    assert case.description == "各社区立即排查辖区低洼地带和地下车库。\n\n排查结果2小时内上报。"
    assert case.grid_id == t.grid11.pk  # the community's first grid
    assert case.state == "reported"
    assert AlertLog.objects.filter(alert=alert, action="case", area=t.community1).get().note == (
        f"{case.pk} {case.tracking_code}"
    )
    with pytest.raises(ConflictError) as conflict:
        directives.create_case(actor=world.street, relay_id=relay.pk, category_code="02.01")
    assert str(conflict.value.message) == (
        f"A case was already made for this level: {case.tracking_code}."
    )
    # Staff of the receiving grid file their own, at a point of theirs.
    grid21 = relay_at(alert, t.grid21)
    own = directives.create_case(
        actor=world.worker21,
        relay_id=grid21.pk,
        category_code="02.01",
        title="地下车库排查",
        description="3号车库",
        lon=120.25,
        lat=30.05,
    )
    assert (own.grid_id, own.title, own.description) == (t.grid21.pk, "地下车库排查", "3号车库")
    assert Case.objects.count() == 2


def test_directive_case_refusals(world: World, manhole: Category) -> None:
    t = world.tree
    alert = directive(world)
    grid12 = relay_at(alert, t.grid12)
    with pytest.raises(PermissionDeniedError):  # another community's grid worker
        directives.create_case(actor=world.worker21, relay_id=grid12.pk, category_code="02.01")
    with pytest.raises(ValidationFailed) as err:  # a point in another grid
        directives.create_case(
            actor=world.street, relay_id=grid12.pk, category_code="02.01", lon=120.25, lat=30.05
        )
    assert (err.value.field, str(err.value.message)) == ("lon", "The point is outside 东湖二网格.")
    with pytest.raises(ValidationFailed) as err:
        directives.create_case(actor=world.street, relay_id=grid12.pk, category_code="02.01", lon=1)
    assert err.value.field == "lat"
    with pytest.raises(ValidationFailed) as err:
        directives.create_case(actor=world.street, relay_id=grid12.pk, category_code="99")
    assert err.value.field == "category"
    assert Case.objects.count() == 0
    assert not AlertLog.objects.filter(alert=alert, action="case").exists()
    warning = published(world, headline="暴雨蓝色预警", level="blue")
    with pytest.raises(ConflictError):
        directives.create_case(
            actor=world.street,
            relay_id=relay_at(warning, t.grid12).pk,
            category_code="02.01",
        )


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api(world: World, manhole: Category, outsider: Any) -> None:
    t = world.tree
    with time_machine.travel(T0, tick=False):
        alert = directive(world)
    relay = relay_at(alert, t.community1)
    url = f"/api/alerts/relays/{relay.pk}/report"
    with time_machine.travel(T0 + 5 * MIN, tick=False):
        r = as_(world.secretary).post(url, {"report": "已排查"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["id"], r.json()["report"], r.json()["reported_at"]) == (
        relay.pk,
        "已排查",
        "2026-07-01T04:05:00Z",
    )
    r = as_(world.secretary).post(url, {"report": " "}, content_type="application/json")
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "report"])
    viewer = UserFactory(username="dept")  # sees the street, may not relay
    bind(viewer, t.street, Role.DEPARTMENT_STAFF)
    r = as_(viewer).post(url, {"report": "x"}, content_type="application/json")
    assert r.status_code == 403
    r = as_(world.worker11).post(url, {"report": "x"}, content_type="application/json")
    assert r.status_code == 404  # not in the grid worker's scope
    r = as_(outsider).post(url, {"report": "x"}, content_type="application/json")
    assert r.status_code == 404
    with time_machine.travel(T0 + 45 * MIN, tick=False):
        whole = as_(world.street).get(f"/api/alerts/{alert.pk}/reports").json()
        mine = as_(world.staff2).get(f"/api/alerts/{alert.pk}/reports").json()
    assert [(x["area_id"], x["state"]) for x in whole["levels"]] == [
        (t.community1.pk, "reported"),
        (t.grid11.pk, "late"),
        (t.grid12.pk, "late"),
        (t.community2.pk, "late"),
        (t.grid21.pk, "late"),
    ]
    assert (whole["reported"], whole["late"]) == (1, 4)
    assert [(x["area_id"], x["state"]) for x in mine["levels"]] == [
        (t.community2.pk, "late"),
        (t.grid21.pk, "late"),
    ]
    r = as_(world.street).post(
        f"/api/alerts/relays/{relay.pk}/case",
        {"category": "02.01"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert (r.json()["source"], r.json()["grid_id"]) == ("assigned", t.grid11.pk)
    r = as_(world.street).post(
        f"/api/alerts/relays/{relay.pk}/case",
        {"category": "02.01"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["state"]) == (409, "published")
