"""Channel adapters and the registry channel → adapter. A new channel is one module with a class
that has `channel` and `send(delivery)`, plus one `register(...)` line here (and its value in
models.Channel)."""

from __future__ import annotations

from resigrid.notify.channels.base import ChannelAdapter, ChannelError, Deferred, SendResult
from resigrid.notify.channels.inbox import InboxChannel
from resigrid.notify.channels.mail import EmailChannel
from resigrid.notify.channels.robots import DingTalkChannel, WeComChannel
from resigrid.notify.channels.sms import SmsChannel

__all__ = ["ChannelAdapter", "ChannelError", "Deferred", "SendResult", "adapter_for", "register"]

_ADAPTERS: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> None:
    _ADAPTERS[adapter.channel] = adapter


def adapter_for(channel: str) -> ChannelAdapter:
    try:
        return _ADAPTERS[channel]
    except KeyError:
        raise ChannelError(f"no adapter for channel {channel!r}", permanent=True) from None


register(InboxChannel())
register(EmailChannel())
register(WeComChannel())
register(DingTalkChannel())
register(SmsChannel())
