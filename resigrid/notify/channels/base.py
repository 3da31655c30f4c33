"""What every channel adapter is: `send(delivery) -> SendResult`, raising ChannelError on failure.

An adapter does no bookkeeping: the worker leases the row, calls `send` outside any database
transaction, and records the outcome (sent, retry with backoff, or dead)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.notify.models import Delivery


@dataclass(frozen=True)
class SendResult:
    """The receiving system's id for what was sent (SMTP Message-ID, a gateway's message id)."""

    external_id: str = ""


class ChannelError(Exception):
    """Sending failed. `permanent` means retrying cannot help (no address, recipient refused):
    the delivery is given up at once instead of waiting for its attempts to run out.
    `retry_at` is the earliest moment a retry makes sense (the other side said "too many, wait");
    `uncertain` means the request may have reached the other side (it timed out after being
    sent), so the next attempt must not resend blindly."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_at: dt.datetime | None = None,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_at = retry_at
        self.uncertain = uncertain


class Deferred(Exception):
    """Not sent, and not a failure: the channel must wait (a robot's send slots are all used).
    The worker reschedules the delivery at `until` without counting an attempt."""

    def __init__(self, until: dt.datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until


class ChannelAdapter(Protocol):
    """One per channel (inbox, email, WeCom, DingTalk, SMS). Must be safe to call again for
    the same delivery: a worker that crashed after sending leads to a second call, so pass the
    delivery id on (a Message-ID, an idempotency key) where the other side can recognise it."""

    channel: str

    def send(self, delivery: Delivery) -> SendResult: ...
