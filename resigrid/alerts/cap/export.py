"""An alert as a CAP 1.2 document (elements in the XSD's sequence, times in Beijing time with
their offset, polygons as closed "lat,lon" rings in WGS84).

Our own fields travel as <parameter> entries (documented in docs/operations.md):
`resigrid:level` (blue/yellow/orange/red), `resigrid:level_zh` (蓝色…红色, for readers),
`resigrid:kind` (warning/notice/directive), `resigrid:ack_minutes` and `resigrid:cascade`.
Geocodes that are our area codes go out as `<valueName>area_code</valueName>`.

An imported alert that we have not published ourselves goes out under the identifier, sender
and sent of the message it came from, so that a round trip gives the same message back. A
cancelled alert goes out as a CAP Cancel that references it."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from lxml import etree

from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.cap.schema import NS
from resigrid.alerts.choices import Level, MsgType, Scope, Source, State
from resigrid.alerts.models import Alert
from resigrid.alerts.rules import SHANGHAI

P = "resigrid:"
AREA_CODE = "area_code"
LEVEL_ZH = {Level.BLUE: "蓝色", Level.YELLOW: "黄色", Level.ORANGE: "橙色", Level.RED: "红色"}
# Alerts not (yet) published by us: they speak with the voice of the message they came from.
UNPUBLISHED = (State.DRAFT, State.APPROVED)
# CAP asks a Restricted message to say who may see it.
RESTRICTION = "Staff of the areas the alert covers (Resigrid role bindings)"


def cap_time(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


def number(value: Any) -> str:
    """A coordinate with at most 7 decimals (about 1 cm), no trailing zeros."""
    text = f"{float(value):.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def polygon_text(ring: list[Any]) -> str | None:
    """A stored [[lon, lat], …] ring as CAP's "lat,lon lat,lon …", closed; None when it has
    fewer than three points."""
    points = [(number(p[1]), number(p[0])) for p in ring]
    if points and points[0] != points[-1]:
        points.append(points[0])
    if len(points) < 4:
        return None
    return " ".join(f"{lat},{lon}" for lat, lon in points)


def reference(sender: str, identifier: str, sent: dt.datetime | str | None) -> str:
    when = cap_time(sent) if isinstance(sent, dt.datetime) else (sent or "")
    return f"{sender},{identifier},{when}"


def _origin(alert: Alert) -> CapImport | None:
    if alert.state not in UNPUBLISHED:
        return None
    return (
        CapImport.objects.filter(alert=alert, outcome=CapImport.Outcome.CREATED)
        .order_by("pk")
        .first()
    )


def _header(alert: Alert) -> tuple[str, str, str]:
    origin = _origin(alert)
    if origin is not None:
        return origin.identifier, origin.sender, origin.sent
    sent = alert.sent or alert.created_at
    return alert.identifier, alert.sender, cap_time(sent)


def _references(alert: Alert) -> str:
    """Imported references go out as written; ours with each sent in Beijing time like our
    <sent> (services store it in UTC), so that receivers can match the triple verbatim."""
    if alert.source == Source.CAP_IMPORT:
        return alert.references
    out = []
    for item in alert.references.split():
        parts = item.split(",")
        if len(parts) == 3:
            with contextlib.suppress(ValueError):
                parts[2] = cap_time(dt.datetime.fromisoformat(parts[2]))
        out.append(",".join(parts))
    return " ".join(out)


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _pair(parent: etree._Element, name: str, value_name: str, value: str) -> None:
    element = _sub(parent, name)
    _sub(element, "valueName", value_name)
    _sub(element, "value", value)


def alert_element(alert: Alert) -> etree._Element:
    identifier, sender, sent = _header(alert)
    closed_at = alert.closed_at if alert.state == State.CANCELLED else None
    cancelled = closed_at is not None
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})  # type: ignore[dict-item]
    if closed_at is not None:
        _sub(root, "identifier", f"{identifier}_C")
        _sub(root, "sender", sender)
        _sub(root, "sent", cap_time(closed_at))
    else:
        _sub(root, "identifier", identifier)
        _sub(root, "sender", sender)
        _sub(root, "sent", sent)
    _sub(root, "status", alert.status)
    _sub(root, "msgType", MsgType.CANCEL if cancelled else alert.msg_type)
    _sub(root, "scope", alert.scope)
    if alert.scope == Scope.RESTRICTED:
        _sub(root, "restriction", RESTRICTION)
    if alert.note:
        _sub(root, "note", alert.note)
    if cancelled:
        _sub(root, "references", f"{sender},{identifier},{sent}")
    elif alert.references:
        _sub(root, "references", _references(alert))
    info = _sub(root, "info")
    _sub(info, "language", alert.language or "zh-CN")
    _sub(info, "category", alert.category)
    _sub(info, "event", alert.event)
    _sub(info, "urgency", alert.urgency)
    _sub(info, "severity", alert.severity)
    _sub(info, "certainty", alert.certainty)
    for name in ("effective", "onset", "expires"):
        value = getattr(alert, name)
        if value is not None:
            _sub(info, name, cap_time(value))
    for name, field in (
        ("senderName", "sender_name"),
        ("headline", "headline"),
        ("description", "description"),
        ("instruction", "instruction"),
        ("web", "web"),
        ("contact", "contact"),
    ):
        value = getattr(alert, field)
        if value:
            _sub(info, name, value)
    if alert.level:
        _pair(info, "parameter", f"{P}level", alert.level)
        _pair(info, "parameter", f"{P}level_zh", LEVEL_ZH.get(Level(alert.level), ""))
    _pair(info, "parameter", f"{P}kind", alert.kind)
    _pair(info, "parameter", f"{P}ack_minutes", str(alert.ack_minutes))
    _pair(info, "parameter", f"{P}cascade", alert.cascade)
    area = _sub(info, "area")
    _sub(area, "areaDesc", alert.area_desc)
    for ring in alert.polygons or []:
        text = polygon_text(ring)
        if text is not None:
            _sub(area, "polygon", text)
    for code in alert.geocodes or []:
        if isinstance(code, dict):
            _pair(area, "geocode", str(code.get("valueName", "")), str(code.get("value", "")))
        else:
            _pair(area, "geocode", AREA_CODE, str(code))
    return root


def to_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document (UTF-8, with the XML declaration)."""
    return etree.tostring(
        alert_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
