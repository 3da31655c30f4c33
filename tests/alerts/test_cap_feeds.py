"""Polling CAP feeds against a fake HTTP server on 127.0.0.1: a single CAP document and an Atom
feed of entries, conditional GET, dedupe, a server that is down or slow or too big (clear log,
nothing written, the next poll works), the command and the task."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from resigrid.alerts.cap.feeds import Feed, poll
from resigrid.alerts.cap.models import CapFeedState, CapImport
from resigrid.alerts.models import Alert
from resigrid.alerts.tasks import poll_cap_feeds
from tests.alerts.cap_helpers import cap
from tests.alerts.conftest import World
from tests.notify.fakehttp import Answer, FakeHttpServer, Request

pytestmark = pytest.mark.django_db

COMMUNITY1 = "330106001001000"


def atom(*entries: str) -> bytes:
    body = "".join(
        f"<entry><id>urn:x:{i}</id><title>t</title><updated>2026-07-01T04:00:00Z</updated>"
        f"{e}</entry>"
        for i, e in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<id>urn:x</id><title>CAP</title><updated>2026-07-01T04:00:00Z</updated>"
        f"{body}</feed>"
    ).encode()


def feed_for(server: FakeHttpServer, path: str = "/feed") -> Feed:
    return Feed(url=server.url(path), area=COMMUNITY1, user="secretary")


@pytest.fixture
def server() -> Iterator[FakeHttpServer]:
    running = FakeHttpServer().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def secretary(world: World) -> Any:
    world.secretary.username = "secretary"
    world.secretary.save(update_fields=["username"])
    return world.secretary


def conditional(body: bytes, etag: str = '"v1"') -> Any:
    def answer(request: Request) -> Answer:
        if request.headers.get("if-none-match") == etag:
            return Answer(status=304)
        return Answer(body=body, headers={"ETag": etag, "Last-Modified": "Wed, 01 Jul 2026"})

    return answer


def test_single_document_then_304(server: FakeHttpServer, secretary: Any) -> None:
    server.default = conditional(cap())
    report = poll(feed_for(server))
    assert (report.status, report.created, report.errors) == ("fetched", 1, [])
    alert = Alert.objects.get()
    assert (alert.state, alert.issuer_area.code, alert.created_by) == (
        "draft",
        COMMUNITY1,
        secretary,
    )
    record = CapImport.objects.get()
    assert record.source_url == server.url("/feed")
    state = CapFeedState.objects.get()
    assert (state.etag, state.last_modified, state.error) == ('"v1"', "Wed, 01 Jul 2026", "")
    again = poll(feed_for(server))
    assert again.status == "not_modified"
    second = server.to("GET", "/feed")[1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Wed, 01 Jul 2026"
    assert Alert.objects.count() == 1


def test_same_document_without_validators_is_a_duplicate(
    server: FakeHttpServer, secretary: Any
) -> None:
    server.default = lambda request: Answer(body=cap())
    poll(feed_for(server))
    report = poll(feed_for(server))
    assert (report.created, report.duplicates) == (0, 1)
    assert Alert.objects.count() == 1


def test_atom_feed_entries_are_fetched_once(server: FakeHttpServer, secretary: Any) -> None:
    inline = cap(identifier="inline-1").split(b"?>", 1)[1].decode()
    body = atom(
        '<link href="/cap/1.xml" type="application/cap+xml"/>',
        f'<link href="{server.url("/cap/2.xml")}"/>',
        '<link href="http://elsewhere.example/cap/3.xml"/>',
        f"<content type='application/cap+xml'>{inline}</content>",
    )
    server.default = lambda request: Answer(body=body)
    server.script("GET", "/cap/1.xml", Answer(body=cap(identifier="a-1")))
    server.script("GET", "/cap/2.xml", Answer(body=cap(identifier="a-2")))
    report = poll(feed_for(server))
    assert (report.created, report.skipped) == (3, 0)
    assert report.errors == [
        "http://elsewhere.example/cap/3.xml: link to another host, not followed"
    ]
    assert set(CapImport.objects.values_list("identifier", flat=True)) == {"a-1", "a-2", "inline-1"}
    again = poll(feed_for(server))
    assert (again.created, again.skipped, again.duplicates) == (0, 2, 1)
    assert len(server.to("GET", "/cap/1.xml")) == 1
    assert Alert.objects.count() == 3


def test_invalid_entry_is_reported_and_the_others_imported(
    server: FakeHttpServer, secretary: Any
) -> None:
    server.default = lambda request: Answer(
        body=atom('<link href="/cap/bad.xml"/>', '<link href="/cap/good.xml"/>')
    )
    bad = cap(identifier="bad").replace(b"<status>Actual</status>", b"<status>Real</status>")
    server.script("GET", "/cap/bad.xml", Answer(body=bad))
    server.script("GET", "/cap/good.xml", Answer(body=cap(identifier="good")))
    report = poll(feed_for(server))
    assert (report.created, report.invalid) == (1, 1)
    assert report.errors[0].startswith(
        f"{server.url('/cap/bad.xml')}: The document does not follow the CAP 1.2 schema.: "
        "Line 6, column "
    )
    assert list(CapImport.objects.values_list("identifier", flat=True)) == ["good"]


def test_entry_that_fails_is_fetched_again_next_time(
    server: FakeHttpServer, secretary: Any
) -> None:
    server.default = conditional(atom('<link href="/cap/1.xml"/>'))
    server.script("GET", "/cap/1.xml", Answer(status=503), Answer(body=cap()))
    first = poll(feed_for(server))
    assert (first.created, first.errors) == (0, [f"HTTP 503 from {server.url('/cap/1.xml')}"])
    assert CapFeedState.objects.get().etag == ""  # not stored: the next poll fetches everything
    second = poll(feed_for(server))
    assert (second.status, second.created) == ("fetched", 1)
    assert CapFeedState.objects.get().etag == '"v1"'


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_logs_and_writes_nothing_then_next_poll_works(
    server: FakeHttpServer, secretary: Any, caplog: pytest.LogCaptureFixture
) -> None:
    down = Feed(url=f"http://127.0.0.1:{closed_port()}/feed", area=COMMUNITY1, user="secretary")
    with caplog.at_level(logging.ERROR, logger="resigrid.alerts.cap"):
        report = poll(down)
    assert report.status == "failed"
    assert "ConnectError" in report.errors[0]
    assert f"CAP feed {down.url} failed: " in caplog.text
    assert (Alert.objects.count(), CapImport.objects.count()) == (0, 0)
    assert "ConnectError" in CapFeedState.objects.get(url=down.url).error
    # A server that answers 503 and then recovers.
    server.script("GET", "/feed", Answer(status=503))
    server.default = lambda request: Answer(body=cap())
    failed = poll(feed_for(server))
    assert (failed.status, failed.errors) == ("failed", [f"HTTP 503 from {server.url('/feed')}"])
    assert Alert.objects.count() == 0
    recovered = poll(feed_for(server))
    assert (recovered.status, recovered.created) == ("fetched", 1)
    assert CapFeedState.objects.get(url=server.url("/feed")).error == ""


def test_slow_server_times_out(server: FakeHttpServer, secretary: Any, settings: Any) -> None:
    settings.ALERT_CAP_FEED_TIMEOUT = 0.2
    server.script("GET", "/feed", Answer(body=cap(), delay=1.0))
    report = poll(feed_for(server))
    assert report.status == "failed"
    assert "Timeout" in report.errors[0]
    assert Alert.objects.count() == 0


def test_oversize_response_is_refused(
    server: FakeHttpServer, secretary: Any, settings: Any
) -> None:
    settings.ALERT_CAP_MAX_BYTES = 200
    server.default = lambda request: Answer(body=cap())
    report = poll(feed_for(server))
    assert (report.status, report.errors) == (
        "failed",
        [f"{server.url('/feed')} is larger than 200 bytes"],
    )
    assert Alert.objects.count() == 0


def test_unknown_account_or_area_fails_clearly(server: FakeHttpServer, world: World) -> None:
    report = poll(Feed(url=server.url("/feed"), area="999", user="nobody"))
    assert (report.status, report.errors) == ("failed", ["unknown area 999 or account nobody"])
    assert server.requests == []


def test_command_and_task_poll_every_configured_feed(
    server: FakeHttpServer, secretary: Any, settings: Any
) -> None:
    settings.ALERT_CAP_FEEDS = [
        {"url": server.url("/feed"), "area": COMMUNITY1, "user": "secretary"}
    ]
    server.default = conditional(cap())
    out = StringIO()
    call_command("poll_cap_feeds", stdout=out)
    assert out.getvalue() == (
        f"{server.url('/feed')} status=fetched created=1 applied=0 duplicates=0 skipped=0 "
        "invalid=0\n"
    )
    [result] = poll_cap_feeds.call()
    assert (result["url"], result["status"]) == (server.url("/feed"), "not_modified")
    settings.ALERT_CAP_FEEDS = []
    out = StringIO()
    call_command("poll_cap_feeds", stdout=out)
    assert out.getvalue() == "no CAP feeds configured (RESIGRID_ALERT_CAP_FEEDS)\n"
