"""Hooks through which a higher app takes part in sending without notify importing it (notify
sits below alerts, cases… in the layers). Both are keyed by a topic prefix and filled by the
higher app's AppConfig.ready():

- a link hook `fn(delivery) -> str | None`: a per-recipient link the adapters add to an external
  message (email, SMS) — e.g. a signed acknowledgement link — without one Message per
  recipient;
- a delivered hook `fn(event)`: told when a delivery reached its person (an email or robot
  post sent, an SMS receipt "delivered", an inbox message read), so the higher app can record
  the time on its own rows.

A hook that fails is logged and ignored: a missing link or a missed time must never stop a
warning from going out (the delivery itself is recorded either way)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db import transaction

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery

log = logging.getLogger("resigrid.notify")


@dataclass(frozen=True)
class DeliveryEvent:
    """A delivery that reached its person at `delivered_at` (and was read at `read_at`, when
    the channel knows)."""

    delivery_id: int
    message_id: int
    topic: str
    source: str  # the message's source, e.g. "alert:42"
    channel: str
    user_id: int | None
    address_enc: str  # an encrypted phone number (SMS without an account), else ""
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None = None


LinkHook = Callable[["Delivery"], "str | None"]
DeliveredHook = Callable[[DeliveryEvent], object]

F = TypeVar("F")

_links: dict[str, LinkHook] = {}
_delivered: dict[str, DeliveredHook] = {}


def register(topic_prefix: str, fn: LinkHook) -> None:
    """The link hook for messages whose topic starts with `topic_prefix` (one per prefix;
    registering again replaces it, so a reloaded app does not add a second)."""
    _links[topic_prefix] = fn


def register_delivered(topic_prefix: str, fn: DeliveredHook) -> None:
    _delivered[topic_prefix] = fn


def _matching(topic: str, table: Mapping[str, F]) -> list[F]:
    return [fn for prefix, fn in table.items() if topic.startswith(prefix)]


def link_for(delivery: Delivery) -> str | None:
    """The first link a hook gives for this delivery, or None."""
    for fn in _matching(delivery.message.topic, _links):
        try:
            link = fn(delivery)
        except Exception:
            log.exception("link hook failed for delivery %s", delivery.pk)
            continue
        if isinstance(link, str) and link:
            return link
    return None


def delivered(
    delivery: Delivery, *, at: dt.datetime | None, read_at: dt.datetime | None = None
) -> None:
    """Tell the hooks of this delivery's topic that it reached its person. Each runs in a
    savepoint of its own: a failing hook rolls back only its own writes."""
    topic = delivery.message.topic
    hooks = _matching(topic, _delivered)
    if not hooks:
        return
    event = DeliveryEvent(
        delivery_id=delivery.pk,
        message_id=delivery.message_id,
        topic=topic,
        source=delivery.message.source,
        channel=delivery.channel,
        user_id=delivery.user_id,
        address_enc=delivery.address_enc,
        delivered_at=at,
        read_at=read_at,
    )
    for fn in hooks:
        try:
            with transaction.atomic():
                fn(event)
        except Exception:
            log.exception("delivered hook failed for delivery %s", delivery.pk)
