"""A validated CAP 1.2 <alert> element read into plain values (no database)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from resigrid.alerts.cap.schema import NS, CapInvalid
from resigrid.alerts.choices import MsgType

AREA_CODE = "area_code"
# Longest values our columns hold, per CAP element.
LIMITS = {
    "event": 100,
    "headline": 160,
    "senderName": 120,
    "contact": 120,
    "web": 200,
    "areaDesc": 300,
    "language": 10,
}


def key_of(sender: str, identifier: str, sent: str) -> str:
    """The CAP uniqueness triple as one SHA-256 (sender, identifier, sent as written)."""
    return hashlib.sha256(f"{sender}\n{identifier}\n{sent}".encode()).hexdigest()


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: str

    @property
    def key(self) -> str:
        return key_of(self.sender, self.identifier, self.sent)


@dataclass
class CapMessage:
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str
    note: str = ""
    references: str = ""
    language: str = "zh-CN"
    category: str = "Other"
    event: str = ""
    urgency: str = "Unknown"
    severity: str = "Unknown"
    certainty: str = "Unknown"
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    area_desc: str = ""
    polygons: list[list[list[float]]] = field(default_factory=list)
    geocodes: list[Any] = field(default_factory=list)
    has_info: bool = False
    sha256: str = ""

    @property
    def key(self) -> str:
        return key_of(self.sender, self.identifier, self.sent)

    @property
    def sent_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.sent)

    def referenced(self) -> list[Reference]:
        """The messages named in <references> ("sender,identifier,sent" separated by spaces)."""
        found = []
        for item in self.references.split():
            parts = item.split(",")
            if len(parts) == 3:
                found.append(Reference(*parts))
        return found


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(parent: etree._Element, name: str) -> str:
    element = parent.find(_q(name))
    return (element.text or "").strip() if element is not None else ""


def _pairs(parent: etree._Element, name: str) -> list[tuple[str, str]]:
    return [(_text(e, "valueName"), _text(e, "value")) for e in parent.findall(_q(name))]


def _time(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def parse_polygon(text: str) -> list[list[float]]:
    """CAP "lat,lon lat,lon …" → a stored ring [[lon, lat], …]; CapInvalid when malformed."""
    ring = []
    try:
        for pair in text.split():
            lat_text, lon_text = pair.split(",")
            lat, lon = float(lat_text), float(lon_text)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(pair)
            ring.append([lon, lat])
    except ValueError:
        raise CapInvalid(
            _("The polygon “%(text)s” is not a list of “latitude,longitude” pairs in WGS84.")
            % {"text": text[:80]}
        ) from None
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise CapInvalid(_("A polygon needs at least four points and must end where it starts."))
    return ring


def _pick_info(root: etree._Element) -> etree._Element | None:
    """We keep one <info>: the first in Chinese, else the first."""
    infos = root.findall(_q("info"))
    for info in infos:
        if _text(info, "language").lower().startswith("zh"):
            return info
    return infos[0] if infos else None


def read(root: etree._Element, *, sha256: str = "") -> CapMessage:
    """Read a schema-valid CAP <alert>. CapInvalid for what the schema allows but we cannot
    take: Ack and Error messages, an Alert or Update without <info>, malformed polygons,
    values longer than our columns."""
    msg = CapMessage(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_text(root, "sent"),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        note=_text(root, "note"),
        references=_text(root, "references"),
        sha256=sha256,
    )
    if msg.msg_type not in MsgType.values:
        raise CapInvalid(
            _("CAP %(type)s messages are not taken here, only Alert, Update and Cancel.")
            % {"type": msg.msg_type}
        )
    info = _pick_info(root)
    if info is None:
        if msg.msg_type != MsgType.CANCEL:
            raise CapInvalid(_("An Alert or Update needs an <info> block."))
        return msg
    msg.has_info = True
    msg.language = _text(info, "language") or "en-US"
    msg.category = _text(info, "category")
    msg.event = _text(info, "event")
    msg.urgency = _text(info, "urgency")
    msg.severity = _text(info, "severity")
    msg.certainty = _text(info, "certainty")
    msg.effective = _time(_text(info, "effective"))
    msg.onset = _time(_text(info, "onset"))
    msg.expires = _time(_text(info, "expires"))
    msg.sender_name = _text(info, "senderName")
    msg.headline = _text(info, "headline")
    msg.description = _text(info, "description")
    msg.instruction = _text(info, "instruction")
    msg.web = _text(info, "web")
    msg.contact = _text(info, "contact")
    msg.parameters = dict(_pairs(info, "parameter"))
    descs: list[str] = []
    for area in info.findall(_q("area")):
        descs.append(_text(area, "areaDesc"))
        for polygon in area.findall(_q("polygon")):
            msg.polygons.append(parse_polygon((polygon.text or "").strip()))
        for name, value in _pairs(area, "geocode"):
            msg.geocodes.append(value if name == AREA_CODE else {"valueName": name, "value": value})
    msg.area_desc = "；".join(d for d in descs if d)
    values = {
        "event": msg.event,
        "headline": msg.headline,
        "senderName": msg.sender_name,
        "contact": msg.contact,
        "web": msg.web,
        "areaDesc": msg.area_desc,
        "language": msg.language,
    }
    for name, value in values.items():
        if len(value) > LIMITS[name]:
            raise CapInvalid(
                _("<%(name)s> is longer than %(n)d characters.") % {"name": name, "n": LIMITS[name]}
            )
    return msg
