"""Polling configured CAP feeds (settings.ALERT_CAP_FEEDS): each is an Atom feed of CAP
entries or a single CAP document. Conditional GET (ETag / Last-Modified kept in CapFeedState),
a timeout and a size limit on every request; entries already fetched are not fetched again and
a message already imported is never imported twice (the importer's duplicate check).

A feed that is down is logged and its state records the error; nothing else is written, and
the validators are kept so that the next poll fetches everything again. Entry links must stay on
the feed's own host (a feed cannot make us fetch from elsewhere)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from lxml import etree

from resigrid.alerts.cap.importer import import_cap
from resigrid.alerts.cap.models import CapFeedState, CapImport
from resigrid.alerts.cap.schema import ATOM_NS, NS, CapInvalid, max_bytes, parse_xml
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError

log = logging.getLogger("resigrid.alerts.cap")


@dataclass(frozen=True)
class Feed:
    url: str
    area: str  # area code the alerts are drafted for
    user: str  # username of the account that imports


@dataclass
class PollReport:
    url: str
    status: str = "fetched"  # fetched, not_modified or failed
    created: int = 0
    applied: int = 0  # updates and cancels of alerts we hold
    duplicates: int = 0
    skipped: int = 0  # entries fetched on an earlier poll
    invalid: int = 0
    errors: list[str] = field(default_factory=list)


class FetchError(Exception):
    pass


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: httpx.Headers
    content: bytes


def configured() -> list[Feed]:
    return [Feed(**entry) for entry in getattr(settings, "ALERT_CAP_FEEDS", [])]


def _timeout() -> float:
    return float(getattr(settings, "ALERT_CAP_FEED_TIMEOUT", 10))


def _fetch(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET with the size limit applied while reading; FetchError for anything but 200/304."""
    limit = max_bytes()
    try:
        with client.stream("GET", url, headers=headers or {}) as response:
            if response.status_code == 304:
                return Fetched(304, response.headers, b"")
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise FetchError(f"{url} is larger than {limit} bytes")
            return Fetched(200, response.headers, bytes(body))
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}") from None


def _documents(
    root: etree._Element, feed_url: str, report: PollReport
) -> list[tuple[str, bytes | None]]:
    """(source URL, inline document or None to fetch) for each CAP entry of an Atom feed."""
    limit = int(getattr(settings, "ALERT_CAP_FEED_MAX_ENTRIES", 100))
    found: list[tuple[str, bytes | None]] = []
    host = urlsplit(feed_url).netloc
    for entry in root.findall(f"{{{ATOM_NS}}}entry")[:limit]:
        inline = entry.find(f".//{{{NS}}}alert")
        links = entry.findall(f"{{{ATOM_NS}}}link")
        hrefs = [urljoin(feed_url, link.get("href", "")) for link in links if link.get("href")]
        href = hrefs[0] if hrefs else ""
        if inline is not None:
            found.append((href or feed_url, etree.tostring(inline, encoding="UTF-8")))
        elif not href:
            report.errors.append("an entry without a link or CAP content")
        elif urlsplit(href).netloc != host:
            report.errors.append(f"{href}: link to another host, not followed")
        else:
            found.append((href, None))
    return found


def poll(feed: Feed, *, client: httpx.Client | None = None) -> PollReport:
    report = PollReport(url=feed.url)
    state, _created = CapFeedState.objects.get_or_create(url=feed.url)
    now = timezone.now()
    area = Area.objects.filter(code=feed.area).first()
    user = get_user_model().objects.filter(username=feed.user, is_active=True).first()
    if area is None or user is None:
        return _failed(state, report, f"unknown area {feed.area} or account {feed.user}")
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    own = client is None
    http = client or httpx.Client(timeout=_timeout(), follow_redirects=False)
    try:
        try:
            response = _fetch(http, feed.url, headers)
        except FetchError as exc:
            return _failed(state, report, str(exc))
        if response.status == 304:
            report.status = "not_modified"
            state.checked_at = state.ok_at = now
            state.error = ""
            state.save(update_fields=["checked_at", "ok_at", "error"])
            return report
        transient = _take(http, feed, response.content, area, user, report)
    finally:
        if own:
            http.close()
    state.checked_at = now
    if transient:
        state.error = "; ".join(report.errors)[:2000]
        state.save(update_fields=["checked_at", "error"])
    else:  # everything seen: the next poll may answer 304
        state.etag = response.headers.get("ETag", "")[:200]
        state.last_modified = response.headers.get("Last-Modified", "")[:60]
        state.ok_at = now
        state.error = "; ".join(report.errors)[:2000]
        state.save()
    return report


def _take(
    http: httpx.Client, feed: Feed, body: bytes, area: Area, user: Any, report: PollReport
) -> bool:
    """Import what the feed body holds; True when an entry could not be fetched (retry)."""
    try:
        root = parse_xml(body)
    except CapInvalid as exc:
        report.invalid += 1
        report.errors.append(f"{feed.url}: {exc.message}")
        log.warning("CAP feed %s: %s", feed.url, exc.message)
        return False
    if root.tag == f"{{{NS}}}alert":
        documents: list[tuple[str, bytes | None]] = [(feed.url, body)]
    elif root.tag == f"{{{ATOM_NS}}}feed":
        documents = _documents(root, feed.url, report)
    else:
        report.invalid += 1
        report.errors.append(f"{feed.url}: neither an Atom feed nor a CAP alert")
        return False
    transient = False
    for url, data in documents:
        if data is None:
            if CapImport.objects.filter(source_url=url).exists():
                report.skipped += 1
                continue
            try:
                data = _fetch(http, url).content
            except FetchError as exc:
                transient = True
                report.errors.append(str(exc))
                log.warning("CAP feed %s: entry %s", feed.url, exc)
                continue
        _import_one(feed, url, data, area, user, report)
    return transient


def _import_one(
    feed: Feed, url: str, data: bytes, area: Area, user: Any, report: PollReport
) -> None:
    try:
        result = import_cap(actor=user, data=data, area=area, source_url=url)
    except CapInvalid as exc:
        report.invalid += 1
        report.errors.append(f"{url}: {exc.message}: " + "; ".join(exc.errors.get("xml", [])))
        log.warning("CAP feed %s: invalid entry %s: %s", feed.url, url, exc.message)
        return
    except DomainError as exc:
        report.errors.append(f"{url}: {exc.message}")
        log.warning("CAP feed %s: entry %s refused: %s", feed.url, url, exc.message)
        return
    if result.duplicate:
        report.duplicates += 1
    elif result.outcome == CapImport.Outcome.CREATED:
        report.created += 1
    else:
        report.applied += 1


def _failed(state: CapFeedState, report: PollReport, error: str) -> PollReport:
    log.error("CAP feed %s failed: %s", report.url, error)
    report.status = "failed"
    report.errors.append(error)
    state.checked_at = timezone.now()
    state.error = error[:2000]
    state.save(update_fields=["checked_at", "error"])
    return report


def poll_all() -> list[PollReport]:
    return [poll(feed) for feed in configured()]


def as_dicts(reports: list[PollReport]) -> list[dict[str, Any]]:
    return [asdict(r) for r in reports]
