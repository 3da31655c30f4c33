"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), and the settings that point the notify
email channel at it. Reusable: in another package's conftest,
`from tests.notify.smtp import smtp_server, smtp_down  # noqa: F401`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    """A port nothing listens on right now (bound once by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        content: str = body.get_content()
        return content.replace("\r\n", "\n")  # SMTP lines end in CRLF


class Recorder:
    """aiosmtpd handler: keeps every accepted message; can refuse recipients or the data."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_rcpt: dict[str, str] = {}  # address → reply, e.g. "550 5.1.1 no such user"
        self.data_reply: str | None = None  # e.g. "451 4.3.0 try again later"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply:
            return self.data_reply
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """`start()` / `stop()` an SMTP server on 127.0.0.1:`port`; `received` lists what came in."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Recorder()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def point_email_at(settings: Any, port: int) -> None:
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "resigrid@test.example"
    settings.SITE_URL = "https://grid.example.org"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A running SMTP server; the EMAIL_* settings point at it."""
    server = SmtpServer(free_port()).start()
    point_email_at(settings, server.port)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down(settings: Any) -> Iterator[SmtpServer]:
    """The EMAIL_* settings point at a port where nothing listens (yet): connections are
    refused until the test calls `.start()` on the returned server."""
    server = SmtpServer(free_port())
    point_email_at(settings, server.port)
    try:
        yield server
    finally:
        server.stop()
