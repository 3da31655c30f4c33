"""Pure rules of the outbox: retry timing, which links may be followed, robot signatures and
texts, fallback order, SMS references and receipt signatures. No database."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from django.utils.http import url_has_allowed_host_and_scheme


def backoff_seconds(attempts: int, *, base: int, cap: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts − 1), at most
    `cap` (the first retry waits `base`)."""
    if attempts < 1:
        return 0
    # Cap the exponent first, so a large attempt count never builds a huge integer.
    exponent = min(attempts - 1, 32)
    return min(base * (1 << exponent), cap)


def is_dead(attempts: int, *, max_attempts: int, permanent: bool) -> bool:
    """A failure is final when the channel says so or the attempts are used up."""
    return permanent or attempts >= max_attempts


def safe_relative_url(url: str) -> str:
    """`url` if it is a path on this site (`/cases/42/`), else "" — never another host, a
    scheme-relative `//host`, or a `javascript:` link."""
    url = url.strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return ""
    return url


def absolute_url(site_url: str, url: str) -> str:
    """The link for a message read outside the site (email): SITE_URL + a safe path, or ""."""
    path = safe_relative_url(url)
    return f"{site_url.rstrip('/')}{path}" if path else ""


# --- Robots -------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 keyed with the secret over "<timestamp ms>\\n<secret>",
    base64. It goes into the URL as `sign` (URL-encoded) beside `timestamp`."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def truncate_utf8(text: str, max_bytes: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes (never in the middle of a character), with
    `ellipsis` when something was cut."""
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    room = max_bytes - len(ellipsis.encode())
    return raw[: max(room, 0)].decode(errors="ignore") + ellipsis


def robot_text(subject: str, body: str, link: str, *, markdown: bool, max_bytes: int) -> str:
    """What a group robot posts: the subject, the body, the link (always kept whole, so the full
    text stays one tap away when the body had to be cut)."""
    head = f"**{subject}**" if markdown else subject
    tail = ""
    if link:
        tail = f"\n\n[{link}]({link})" if markdown else f"\n\n{link}"
    fixed = len(head.encode()) + len(tail.encode())
    text = head
    if body.strip():
        room = max_bytes - fixed - 2
        if room > 8:
            text = f"{head}\n\n{truncate_utf8(body.strip(), room)}"
    return truncate_utf8(text + tail, max_bytes)


# --- Preferences --------------------------------------------------------------------------------


def next_channel(order: list[str], tried: set[str], usable: set[str]) -> str | None:
    """The first channel in the person's order not tried yet for this message and usable (an
    address is known); None when there is none left."""
    for channel in order:
        if channel not in tried and channel in usable:
            return channel
    return None


def clean_order(channels: list[str], allowed: tuple[str, ...]) -> list[str]:
    """Known channels only, each once, in the given order."""
    seen: list[str] = []
    for channel in channels:
        if channel in allowed and channel not in seen:
            seen.append(channel)
    return seen


# --- SMS ----------------------------------------------------------------------------------------


def client_ref(delivery_id: int, created_at: dt.datetime) -> str:
    """The reference the SMS gateway deduplicates on: the delivery id, and its creation time so
    that ids starting again in a new database never collide with old ones."""
    return f"{delivery_id}-{created_at.astimezone(dt.UTC):%Y%m%d%H%M%S}"


def delivery_id_from_ref(ref: str) -> int | None:
    head, sep, stamp = ref.partition("-")
    if not sep or not head.isdigit() or not stamp.isdigit() or len(stamp) != 14:
        return None
    return int(head)


def receipt_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared receipt secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def receipt_signature_ok(
    secret: str, timestamp: str, signature: str, body: bytes, *, now: float, skew: int
) -> bool:
    """The signature matches and the timestamp (Unix seconds) is within `skew` seconds of now,
    so a captured callback cannot be replayed later."""
    if not secret or not timestamp.isdigit() or abs(now - int(timestamp)) > skew:
        return False
    expected = receipt_signature(secret, timestamp, body)
    given = signature.removeprefix("sha256=")
    return hmac.compare_digest(expected, given)
