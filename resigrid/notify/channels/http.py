"""One HTTP client for the webhook and SMS adapters (httpx, connections kept alive per process),
and the translation of transport failures into ChannelError: a failure before the request left
(refused, connect timeout) is safe to retry; one after it may have arrived (read timeout, the
connection dropped) is `uncertain`."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
from typing import Any

import httpx
from django.utils import timezone

from resigrid.notify.channels.base import ChannelError

# httpx logs every request URL at INFO: a robot's URL carries its key (WeCom) or access token
# and signature (DingTalk). Never let those reach the logs.
logging.getLogger("httpx").setLevel(logging.WARNING)

_lock = threading.Lock()
_client: httpx.Client | None = None

USER_AGENT = "Resigrid-notify/1"


def client() -> httpx.Client:
    """The process's client (created on first use, so each worker process has its own)."""
    global _client
    with _lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT})
        return _client


def request(
    method: str,
    url: str,
    *,
    timeout: float,
    label: str,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; transport failures become ChannelError (see the module docstring)."""
    try:
        return client().request(method, url, timeout=timeout, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ChannelError(f"{label}: cannot connect: {exc}") from exc
    except httpx.UnsupportedProtocol as exc:
        raise ChannelError(f"{label}: bad URL: {exc}", permanent=True) from exc
    except httpx.TimeoutException as exc:
        raise ChannelError(f"{label}: no answer in {timeout:g} s", uncertain=True) from exc
    except httpx.TransportError as exc:  # read or write error, connection dropped
        raise ChannelError(f"{label}: connection lost: {exc}", uncertain=True) from exc


def retry_after(response: httpx.Response, now: dt.datetime | None = None) -> dt.datetime | None:
    """The moment a `Retry-After` header (seconds or an HTTP date) allows a retry, if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    now = now or timezone.now()
    if value.isdigit():
        return now + dt.timedelta(seconds=min(int(value), 86400))
    try:
        when: dt.datetime = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max(when, now), now + dt.timedelta(days=1))


def check_status(response: httpx.Response, label: str) -> None:
    """2xx passes. 429 and 5xx are worth retrying (after Retry-After when given); 408 too; any
    other 4xx means the request itself is wrong: permanent."""
    code = response.status_code
    if 200 <= code < 300:
        return
    snippet = response.text[:200]
    if code == 429 or code >= 500 or code == 408:
        raise ChannelError(f"{label}: HTTP {code}: {snippet}", retry_at=retry_after(response))
    raise ChannelError(f"{label}: HTTP {code}: {snippet}", permanent=True)


def json_object(response: httpx.Response, label: str) -> dict[str, Any]:
    """The body as a JSON object; anything else is a failure worth retrying."""
    try:
        data = response.json()
    except ValueError as exc:
        raise ChannelError(f"{label}: answer is not JSON: {response.text[:200]}") from exc
    if not isinstance(data, dict):
        raise ChannelError(f"{label}: answer is not a JSON object: {response.text[:200]}")
    return data
