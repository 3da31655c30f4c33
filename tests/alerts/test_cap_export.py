"""CAP 1.2 export: every msgType, level and kind validates against the OASIS XSD; the fields
land where CAP wants them; a round trip gives the same message back."""

from __future__ import annotations

import pytest
from lxml import etree

from resigrid.alerts import services
from resigrid.alerts.cap import export
from resigrid.alerts.cap.importer import import_cap
from resigrid.alerts.cap.schema import NS, parse_cap, xml_schema
from resigrid.alerts.models import Alert
from tests.alerts.cap_helpers import published
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db


def fields(xml: bytes) -> dict[str, list[str]]:
    """Every element's path → its texts, in document order."""
    root = etree.fromstring(xml)
    out: dict[str, list[str]] = {}
    for element in root.iter():
        path = "/".join(
            etree.QName(e).localname for e in [*reversed(list(element.iterancestors())), element]
        )
        out.setdefault(path, []).append((element.text or "").strip())
    return out


def test_published_alert_fields(world: World) -> None:
    alert = published(world)
    xml = export.to_xml(alert)
    root = parse_cap(xml)  # validates
    assert root.nsmap[None] == NS
    got = fields(xml)
    assert got["alert/identifier"] == ["33010600100000_20260701120000_1"]
    assert got["alert/sender"] == ["resigrid@330106001000000"]
    assert got["alert/sent"] == ["2026-07-01T12:00:00+08:00"]
    assert got["alert/status"] == ["Actual"]
    assert got["alert/msgType"] == ["Alert"]
    assert got["alert/scope"] == ["Public"]
    assert "alert/references" not in got
    assert got["alert/info/language"] == ["zh-CN"]
    assert got["alert/info/category"] == ["Met"]
    assert got["alert/info/event"] == ["暴雨"]
    assert got["alert/info/urgency"] == ["Expected"]
    assert got["alert/info/severity"] == ["Extreme"]
    assert got["alert/info/certainty"] == ["Likely"]
    assert got["alert/info/effective"] == ["2026-07-01T12:00:00+08:00"]
    assert got["alert/info/onset"] == ["2026-07-01T13:00:00+08:00"]
    assert got["alert/info/expires"] == ["2026-07-02T00:00:00+08:00"]
    assert got["alert/info/senderName"] == ["和平街道"]
    assert got["alert/info/headline"] == ["暴雨红色预警"]
    assert got["alert/info/web"] == ["https://grid.example.org/alerts/1"]
    assert got["alert/info/contact"] == ["0571-12345678"]
    assert got["alert/info/parameter/valueName"] == [
        "resigrid:level",
        "resigrid:level_zh",
        "resigrid:kind",
        "resigrid:ack_minutes",
        "resigrid:cascade",
    ]
    assert got["alert/info/parameter/value"] == ["red", "红色", "warning", "30", "direct"]
    assert got["alert/info/area/areaDesc"] == ["东湖社区、西湖社区"]
    assert got["alert/info/area/polygon"] == ["30,120 30,120.2 30.2,120.2 30.2,120 30,120"]
    assert got["alert/info/area/geocode/valueName"] == ["area_code", "area_code"]
    assert got["alert/info/area/geocode/value"] == ["330106001001000", "330106001002000"]


@pytest.mark.parametrize("level", ["red", "orange", "yellow", "blue"])
def test_each_level_of_a_warning_validates(world: World, level: str) -> None:
    xml = export.to_xml(draft(world, level=level))
    assert xml_schema().validate(etree.fromstring(xml))


@pytest.mark.parametrize("kind", ["notice", "directive"])
def test_notice_and_directive_validate_without_level(world: World, kind: str) -> None:
    xml = export.to_xml(draft(world, kind=kind, level=""))
    assert xml_schema().validate(etree.fromstring(xml))
    assert fields(xml)["alert/info/parameter/value"] == [kind, "30", "direct"]


def test_update_and_cancel_validate_and_reference(world: World) -> None:
    first = published(world)
    new = services.update(actor=world.street, alert_id=first.pk, changes={"level": "orange"})
    update_xml = export.to_xml(new)
    got = fields(update_xml)
    parse_cap(update_xml)
    assert got["alert/msgType"] == ["Update"]
    first.refresh_from_db()
    assert got["alert/references"] == [
        f"resigrid@330106001000000,{first.identifier},2026-07-01T12:00:00+08:00"
    ]
    cancelled = services.cancel(actor=world.street, alert_id=new.pk, note="雨停了")
    cancel_xml = export.to_xml(cancelled)
    parse_cap(cancel_xml)
    got = fields(cancel_xml)
    assert got["alert/msgType"] == ["Cancel"]
    assert got["alert/identifier"] == [f"{new.identifier}_C"]
    assert got["alert/note"] == ["雨停了"]
    assert got["alert/references"] == [
        f"{new.sender},{new.identifier},{export.cap_time(new.sent)}"  # type: ignore[arg-type]
    ]


def test_draft_without_polygons_validates(world: World) -> None:
    xml = export.to_xml(draft(world))
    parse_cap(xml)
    assert "alert/info/area/polygon" not in fields(xml)


def test_open_ring_is_closed_and_degenerate_ring_dropped(world: World) -> None:
    alert = draft(world, polygons=[[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1]], [[1, 2]]])
    got = fields(export.to_xml(alert))
    assert got["alert/info/area/polygon"] == ["30,120 30,120.1 30.1,120.1 30,120"]


def test_round_trip_gives_the_same_message(world: World) -> None:
    original = published(world)
    xml = export.to_xml(original)
    parse_cap(xml)
    result = import_cap(actor=world.secretary, data=xml, area=world.tree.community1)
    assert result.outcome == "created"
    copy = Alert.objects.get(pk=result.alert_id)
    assert copy.pk != original.pk
    assert (copy.state, copy.source, copy.issuer_area) == (
        "draft",
        "cap_import",
        world.tree.community1,
    )
    assert list(copy.target_areas.all()) == [world.tree.community1]
    again = export.to_xml(copy)
    assert again == xml
    assert fields(again) == fields(xml)


def test_restricted_alert_says_who_may_see_it(world: World) -> None:
    alert = draft(world)
    Alert.objects.filter(pk=alert.pk).update(scope="Restricted")
    alert.refresh_from_db()
    got = fields(export.to_xml(alert))
    parse_cap(export.to_xml(alert))
    assert got["alert/scope"] == ["Restricted"]
    assert got["alert/restriction"] == [export.RESTRICTION]
