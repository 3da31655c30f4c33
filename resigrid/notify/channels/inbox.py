"""The in-app inbox: the delivery row is the message, so there is nothing to send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resigrid.notify.channels.base import SendResult
from resigrid.notify.models import Channel

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery


class InboxChannel:
    channel: str = Channel.INBOX

    def send(self, delivery: Delivery) -> SendResult:
        return SendResult(external_id="")
