"""What every channel adapter is: `send(delivery) -> SendResult`, raising ChannelError on failure.

An adapter does no bookkeeping: the worker leases the row, calls `send` outside any database
transaction, and records the outcome (sent, retry with backoff, or dead)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery


@dataclass(frozen=True)
class SendResult:
    """The receiving system's id for what was sent (SMTP Message-ID, a gateway's message id)."""

    external_id: str = ""


class ChannelError(Exception):
    """Sending failed. `permanent` means retrying cannot help (no address, recipient refused):
    the delivery is given up at once instead of waiting for its attempts to run out."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelAdapter(Protocol):
    """One per channel (inbox, email, later WeCom, DingTalk, SMS). Must be safe to call again for
    the same delivery: a worker that crashed after sending leads to a second call, so pass the
    delivery id on (a Message-ID, an idempotency key) where the other side can recognise it."""

    channel: str

    def send(self, delivery: Delivery) -> SendResult: ...
