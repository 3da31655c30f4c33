"""What alerts plug into notify (resigrid.notify.links, registered in AlertsConfig.ready()):
each external message of an alert carries its recipient's signed acknowledgement link, and a
delivery that reached its person sets that recipient's delivered time (read time when known).

A delivery is matched to its recipient through the message it carries (Recipient.message_id:
only the alert's own message, not a cancellation or a reminder) and its account — or, for an
SMS to a resident without an account, the keyed hash of the phone number."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from resigrid.alerts.acks import token_for
from resigrid.alerts.distribution import TOPIC
from resigrid.alerts.models import Recipient, RecipientQuerySet
from resigrid.core import pii
from resigrid.notify import links

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery


def _recipients(message_id: int, user_id: int | None, address_enc: str) -> RecipientQuerySet:
    rows = Recipient.objects.filter(message_id=message_id)
    if user_id is not None:
        return rows.filter(user_id=user_id)
    if address_enc:
        phone = pii.decrypt(address_enc)
        return rows.filter(person__phone_hash=pii.keyed_hash(phone)) if phone else rows.none()
    return rows.none()


def ack_url(token: str) -> str:
    """The signed link's address (the page is `alerts:ack-token`)."""
    return f"{settings.SITE_URL.rstrip('/')}/alerts/ack/{token}/"


def ack_link(delivery: Delivery) -> str | None:
    """The signed acknowledgement link of the delivery's recipient, or None (a group robot, a
    message that is not the alert itself, a number no resident has). Two residents sharing one
    phone number: the first registered gets the link (the SMS reaches them both)."""
    if delivery.robot_id is not None:
        return None
    recipient = (
        _recipients(delivery.message_id, delivery.user_id, delivery.address_enc)
        .order_by("pk")
        .only("pk")
        .first()
    )
    return ack_url(token_for(recipient)) if recipient is not None else None


def record_delivered(event: links.DeliveryEvent) -> int:
    """Set delivered_at (and read_at) of the matching recipients: idempotent, and the earliest
    time wins (the inbox may have been written before the email went out). Returns rows
    changed."""
    rows = _recipients(event.message_id, event.user_id, event.address_enc)
    changed = 0
    if event.delivered_at is not None:
        changed += _earliest(rows, "delivered_at", event.delivered_at)
    if event.read_at is not None:
        changed += _earliest(rows, "read_at", event.read_at)
    return changed


def _earliest(rows: RecipientQuerySet, name: str, at: dt.datetime) -> int:
    return rows.filter(Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gt": at})).update(
        **{name: at}
    )


def register() -> None:
    links.register(TOPIC, ack_link)
    links.register_delivered(TOPIC, record_delivered)
