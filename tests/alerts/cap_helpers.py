"""Helpers of the CAP tests: a published alert with every CAP field, and hand-written CAP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from resigrid.alerts import services
from resigrid.alerts.models import Alert
from tests.alerts.conftest import World, draft

NOON = dt.datetime(2026, 7, 1, 4, 0, 0, tzinfo=dt.UTC)  # 12:00 in Beijing
RING = [[120.0, 30.0], [120.2, 30.0], [120.2, 30.2], [120.0, 30.2], [120.0, 30.0]]


def published(world: World, *, at: dt.datetime = NOON, **extra: Any) -> Alert:
    data: dict[str, Any] = {
        "onset": at + dt.timedelta(hours=1),
        "expires": at + dt.timedelta(hours=12),
        "polygons": [RING],
    }
    data.update(extra)
    with time_machine.travel(at, tick=False):
        alert = draft(world, **data)
        Alert.objects.filter(pk=alert.pk).update(
            web="https://grid.example.org/alerts/1", contact="0571-12345678"
        )
        services.approve(actor=world.approver, alert_id=alert.pk)
        return services.publish(actor=world.street, alert_id=alert.pk)


def cap(
    *,
    identifier: str = "44030000000000_20260701120000_1",
    sender: str = "cap@gd.example.cn",
    sent: str = "2026-07-01T12:00:00+08:00",
    msg_type: str = "Alert",
    references: str = "",
    info: str | None = None,
    note: str = "",
) -> bytes:
    if info is None:
        info = """
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>台风</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>2026-07-02T12:00:00+08:00</expires>
    <senderName>省气象台</senderName>
    <headline>台风橙色预警</headline>
    <description>台风将于今夜登陆。</description>
    <instruction>加固门窗。</instruction>
    <area>
      <areaDesc>沿海地区</areaDesc>
      <polygon>30.0,120.0 30.0,120.2 30.2,120.2 30.0,120.0</polygon>
      <geocode><valueName>area_code</valueName><value>330106001001000</value></geocode>
    </area>
  </info>"""
    refs = f"<references>{references}</references>" if references else ""
    note_el = f"<note>{note}</note>" if note else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {note_el}{refs}{info}
</alert>
""".encode()
