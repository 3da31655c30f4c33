"""A fake HTTP server on 127.0.0.1 for the webhook and SMS channels: a small threaded
http.server on a free port that records every request and answers from a script.

    server = FakeHttpServer().start()
    server.script("POST", "/cgi-bin/webhook/send", Answer(json={"errcode": 45009}))
    ...
    server.requests  # every request, in arrival order

Answers are taken from the path's script first (one answer per request, in order); when it is
empty the default handler answers (`server.default`, a function Request → Answer). An answer with
`delay` sleeps before replying (the request is recorded first, like a server that accepted the
work but answered late), so a client with a shorter timeout gives up."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def param(self, name: str) -> str:
        return (self.query.get(name) or [""])[0]


@dataclass
class Answer:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def ok_json(request: Request) -> Answer:
    return Answer(json={"errcode": 0, "errmsg": "ok"})


class FakeHttpServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.default: Callable[[Request], Answer] = ok_json
        self._scripts: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def script(self, method: str, path: str, *answers: Answer) -> None:
        with self._lock:
            self._scripts[(method, path)].extend(answers)

    def to(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def _answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            queue = self._scripts.get((request.method, request.path))
            scripted = queue.popleft() if queue else None
        return scripted if scripted is not None else self.default(request)

    def start(self) -> FakeHttpServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms stall)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    raw_query=parts.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                answer = fake._answer(request)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = (
                    json.dumps(answer.json).encode() if answer.json is not None else answer.body
                )
                try:
                    self.send_response(answer.status)
                    content_type = "application/json" if answer.json is not None else "text/plain"
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            do_GET = _handle  # noqa: N815 (http.server hook names)
            do_POST = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class SmsGateway:
    """The default handler of a fake SMS gateway: POST /sms/send accepts a message (a new
    client_ref gets the next message id; a known one answers 409 with its id), GET /sms/status
    answers 200 with the id for a known client_ref and 404 otherwise."""

    def __init__(self) -> None:
        self.by_ref: dict[str, str] = {}
        self.sent: list[dict[str, Any]] = []  # accepted messages (not duplicates)
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == "/sms/send":
            data = request.json
            with self._lock:
                ref = data["client_ref"]
                if ref in self.by_ref:
                    return Answer(status=409, json={"message_id": self.by_ref[ref]})
                message_id = f"m{len(self.by_ref) + 1}"
                self.by_ref[ref] = message_id
                self.sent.append(data)
            return Answer(json={"message_id": message_id})
        if request.method == "GET" and request.path == "/sms/status":
            ref = request.param("client_ref")
            with self._lock:
                known = self.by_ref.get(ref)
            if known is None:
                return Answer(status=404, json={"error": "unknown client_ref"})
            return Answer(json={"message_id": known, "status": "accepted"})
        return Answer(status=404, json={"error": "no such endpoint"})


@pytest.fixture
def fake_http(settings: Any) -> Iterator[FakeHttpServer]:
    """A running fake server; robots may post to 127.0.0.1; short timeouts."""
    server = FakeHttpServer().start()
    settings.NOTIFY_ROBOT_HOSTS = ("127.0.0.1",)
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1
    settings.SITE_URL = "https://grid.example.org"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sms_gateway(fake_http: FakeHttpServer, settings: Any) -> Iterator[SmsGateway]:
    """The fake server playing an SMS gateway; the NOTIFY_SMS_* settings point at it."""
    gateway = SmsGateway()
    fake_http.default = gateway
    settings.NOTIFY_SMS_URL = fake_http.url("/sms/send")
    settings.NOTIFY_SMS_STATUS_URL = fake_http.url("/sms/status")
    settings.NOTIFY_SMS_KEY = "gw-key"
    settings.NOTIFY_SMS_TIMEOUT = 1
    settings.NOTIFY_SMS_RECEIPT_SECRET = "receipt-secret"
    yield gateway
