"""Pure rules of alerts: the canonical text and its SHA-256 (integrity down the tree), the
GB/T 35965.1 identifier, level ↔ severity, the lifecycle table and signed acknowledgement
tokens. No database access."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable, Mapping

from resigrid.alerts.choices import Level, Severity, State

# Fields whose text must reach every level verbatim. Local additions travel beside them.
CANONICAL_FIELDS = (
    "identifier",
    "sender",
    "sent",
    "msg_type",
    "kind",
    "level",
    "event",
    "urgency",
    "severity",
    "certainty",
    "headline",
    "description",
    "instruction",
    "effective",
    "onset",
    "expires",
    "area_desc",
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).isoformat(timespec="seconds")
    return unicodedata.normalize("NFC", str(value))


def canonical_text(fields: Mapping[str, object]) -> str:
    """A stable serialisation of the original alert: sorted JSON of the canonical fields, times
    in Beijing time with the offset, text NFC-normalised (so a re-encoding is not a change but a
    changed character is)."""
    return json.dumps(
        {name: _text(fields.get(name)) for name in CANONICAL_FIELDS},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def content_sha256(fields: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_text(fields).encode()).hexdigest()


def identifier_prefix(*, division: str, body: str, sent: dt.datetime) -> str:
    """Everything of the identifier but the serial: one issuer, one second."""
    if not (division.isdigit() and len(division) == 6):
        raise ValueError("division must be 6 digits")
    if not (body.isdigit() and len(body) == 8):
        raise ValueError("body must be 8 digits (issuing body, internal, extension)")
    when = sent.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")
    return f"{division}{body}_{when}_"


def identifier(*, division: str, body: str, sent: dt.datetime, serial: int) -> str:
    """GB/T 35965.1: `ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N` — 6-digit division code, 3-digit issuing
    body, 3 internal digits and 2 extension digits, then Beijing time and a serial."""
    if serial < 1:
        raise ValueError("serial starts at 1")
    return identifier_prefix(division=division, body=body, sent=sent) + str(serial)


def next_serial(prefix: str, taken: Iterable[str]) -> int:
    """One more than the highest serial among the identifiers `taken` with this prefix."""
    serials = [
        int(tail)
        for name in taken
        if (tail := name.removeprefix(prefix)) != name and tail.isdigit()
    ]
    return max(serials, default=0) + 1


# Colour level ↔ CAP severity (a convention: level I is "Extreme").
SEVERITY_OF_LEVEL = {
    Level.RED: Severity.EXTREME,
    Level.ORANGE: Severity.SEVERE,
    Level.YELLOW: Severity.MODERATE,
    Level.BLUE: Severity.MINOR,
}

LIFECYCLE: dict[tuple[State, str], State] = {
    (State.DRAFT, "approve"): State.APPROVED,
    (State.DRAFT, "publish"): State.PUBLISHED,  # only where no approval is required
    (State.APPROVED, "publish"): State.PUBLISHED,
    (State.DRAFT, "discard"): State.CANCELLED,
    (State.PUBLISHED, "update"): State.UPDATED,
    (State.PUBLISHED, "cancel"): State.CANCELLED,
    (State.PUBLISHED, "expire"): State.EXPIRED,
}


def next_state(state: State, action: str) -> State | None:
    return LIFECYCLE.get((state, action))


# --- signed acknowledgement links ---


def ack_token(*, key: bytes, recipient_id: int, expires: dt.datetime) -> str:
    """`<recipient>.<expiry epoch>.<HMAC-SHA256>`, url-safe; the key is a server secret."""
    payload = f"{recipient_id}.{int(expires.timestamp())}"
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


class BadToken(Exception):
    pass


def check_ack_token(token: str, *, key: bytes, now: dt.datetime) -> int:
    """The recipient id of a genuine, unexpired token; BadToken otherwise."""
    try:
        rid, exp, _mac = token.split(".")
        recipient_id, expiry = int(rid), int(exp)
    except ValueError:
        raise BadToken("malformed") from None
    expected = ack_token(
        key=key, recipient_id=recipient_id, expires=dt.datetime.fromtimestamp(expiry, dt.UTC)
    )
    if not hmac.compare_digest(expected, token):
        raise BadToken("forged")
    if now.timestamp() > expiry:
        raise BadToken("expired")
    return recipient_id
